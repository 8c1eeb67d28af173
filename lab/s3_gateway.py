"""The lab hosts' way to S3: the cluster's archive bucket over HTTPS, nothing else.

On AWS a database host reaches S3 through the VPC's gateway endpoint, over TLS, and its instance
role may read and write only its cluster's archive bucket (cdk WalArchive). The lab's hosts reach
the machine only on the lab bridge; this serves there (PGPILOT_LAB_S3, ADDRESS:PORT) with a
certificate from the lab's CA (pgBackRest speaks S3 over TLS only), refuses every request outside
the cluster's bucket (PGPILOT_LAB_S3_BUCKET) as that role's policy would (AccessDenied), refuses
creating or deleting the bucket itself, and hands the rest to the emulator's S3 on loopback.

The gateway has its own address on the bridge, so `lab fault partition HOST s3` cuts a host's
path to S3 alone, as a broken endpoint route would.
"""
import http.client
import os
import ssl
import time
from http.server import BaseHTTPRequestHandler
from urllib.parse import urlsplit

import bridge

_settings = {}
# pgBackRest uploads in parts of repo1-storage-upload-chunk-size (at most 5 MiB by default).
MAX_BODY = 64 * 1024 * 1024


def _say(message):
    print(f"pgpilot lab s3: {message}", flush=True)


def refusal(method, path, bucket):
    """Why {method} {path} (path-style) is refused for a host of the cluster whose bucket is {bucket}."""
    url = urlsplit(path)
    parts = url.path.lstrip("/").split("/", 1)
    if parts[0] != bucket:
        return f"a lab host may use only its cluster's bucket {bucket}, not '{parts[0]}'"
    key = parts[1] if len(parts) > 1 else ""
    # DeleteObjects (POST ?delete) deletes objects, as s3:DeleteObject lets the hosts: pgBackRest's expire.
    deletes_objects = method == "POST" and url.query.split("&")[0].split("=")[0] == "delete"
    if not key and method not in ("GET", "HEAD") and not deletes_objects:
        return "a lab host may not create, delete or reconfigure the bucket"
    return None


class _Gateway(BaseHTTPRequestHandler):
    server_version = "pgpilot-lab-s3"
    protocol_version = "HTTP/1.1"   # pgBackRest keeps its connection open between requests

    def log_message(self, fmt, *args):
        pass

    def _deny(self, why):
        _say(f"refused {self.command} {self.path} from {self.client_address[0]}: {why}")
        body = (f"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>AccessDenied</Code>"
                f"<Message>{why}</Message></Error>").encode()
        self._drain()
        self.send_response(403)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _drain(self):
        length = int(self.headers.get("Content-Length") or 0)
        if 0 < length <= MAX_BODY:
            self.rfile.read(length)
        elif length:
            self.close_connection = True

    def _forward(self):
        why = refusal(self.command, self.path, _settings["bucket"])
        if why:
            return self._deny(why)
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY or "chunked" in self.headers.get("Transfer-Encoding", ""):
            return self._deny(f"a request body of at most {MAX_BODY} bytes, with a Content-Length, is expected")
        body = self.rfile.read(length) if length else None
        emulator = http.client.HTTPConnection("127.0.0.1", _settings["emulator_port"], timeout=60)
        try:
            # The Host header stays the one the host signed; the emulator serves S3 path-style on it.
            emulator.request(self.command, self.path, body=body, headers=dict(self.headers.items()))
            answer = emulator.getresponse()
            payload = answer.read()
        except OSError as e:
            payload = f"<Error><Code>ServiceUnavailable</Code><Message>{e}</Message></Error>".encode()
            self.send_response(503)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            return
        finally:
            emulator.close()
        self.send_response(answer.status)
        for name, value in answer.getheaders():
            if name.lower() not in ("content-length", "transfer-encoding", "connection", "server", "date"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _forward  # noqa: N815


def _tls(cert, key):
    """A server context with the lab CA's certificate for the gateway, once the lab has made it."""
    deadline = time.monotonic() + 300
    while not (os.path.exists(cert) and os.path.exists(key)):
        if time.monotonic() > deadline:
            raise OSError(f"no certificate at {cert}")
        time.sleep(0.5)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert, key)
    return context


def install_from_env(env=os.environ):
    """Serves the lab hosts' S3 when the lab asks for it; returns whether it does."""
    s3 = env.get("PGPILOT_LAB_S3")
    if not s3:
        return False
    _settings["emulator_port"] = int(env["PGPILOT_LAB_EMULATOR_PORT"])
    _settings["bucket"] = env["PGPILOT_LAB_S3_BUCKET"]
    address, port = s3.rsplit(":", 1)
    tls_dir = env["PGPILOT_LAB_S3_TLS"]
    bridge.serve(address, int(port), _Gateway, f"S3 for bucket {_settings['bucket']}", _say,
                 tls=lambda: _tls(f"{tls_dir}/s3.crt", f"{tls_dir}/s3.key"))
    return True
