"""A server on the lab bridge's address, the one place the lab's hosts reach the machine."""
import threading
import time
from http.server import ThreadingHTTPServer


def serve(address, port, handler, what, say, tls=None):
    """Serves {handler} on {address}:{port} in a daemon thread, once the lab has made that address;
    over TLS when {tls} is given (a function returning the server's ssl.SSLContext)."""
    threading.Thread(target=_serve, args=(address, port, handler, what, say, tls), name=what, daemon=True).start()


def _serve(address, port, handler, what, say, tls):
    # The lab bridge's address exists once the lab has made its network: wait for it, bounded.
    deadline = time.monotonic() + 300
    while True:
        try:
            server = ThreadingHTTPServer((address, port), handler)
            break
        except OSError as e:
            if time.monotonic() > deadline:
                say(f"cannot serve {what} on {address}:{port}: {e}")
                return
            time.sleep(0.5)
    scheme = "http"
    if tls:
        try:
            context = tls()
        except OSError as e:
            say(f"cannot serve {what} on {address}:{port}: {e}")
            return
        # The handshake happens in the request's thread: a stalled client never blocks the others.
        server.socket = context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
        scheme = "https"
    say(f"{what} on {scheme}://{address}:{port}")
    server.serve_forever()
