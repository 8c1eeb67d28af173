"""A server on the lab bridge's address, the one place the lab's hosts reach the machine."""
import threading
import time
from http.server import ThreadingHTTPServer


def serve(address, port, handler, what, say):
    """Serves {handler} on {address}:{port} in a daemon thread, once the lab has made that address."""
    threading.Thread(target=_serve, args=(address, port, handler, what, say), name=what, daemon=True).start()


def _serve(address, port, handler, what, say):
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
    say(f"{what} on http://{address}:{port}")
    server.serve_forever()
