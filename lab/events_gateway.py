"""The lab hosts' way to EventBridge: PutEvents, and only pgpool's reports.

On AWS a pgpool host's instance role may call events:PutEvents with source pgpilot.pgpool and
detail-type "pgpool backend down", nothing else (cdk PgpoolFleet). The lab's hosts live in
network namespaces that reach the machine only at the lab bridge's address; this serves there
(PGPILOT_LAB_EVENTS, ADDRESS:PORT), refuses every other call as that IAM policy would
(AccessDeniedException), and hands what it allows to the emulator on loopback, whose EventBridge
matches it against the lab's rule (the deployed rule's pattern) and delivers it to the rule's
target. Nothing here decides what is delivered: the emulator's rule does.
"""
import http.client
import json
import os
from http.server import BaseHTTPRequestHandler

import bridge

SOURCE = "pgpilot.pgpool"
DETAIL_TYPE = "pgpool backend down"
# A report is a few hundred bytes; a host sends one event per detached backend.
MAX_BODY = 64 * 1024
MAX_ENTRIES = 10

_settings = {}


def _say(message):
    print(f"pgpilot lab events: {message}", flush=True)


def refusal(body):
    """Why the call in {body} (a PutEvents request's JSON) is refused, or None when it is allowed."""
    try:
        request = json.loads(body)
    except ValueError:
        return "the request is not JSON"
    entries = request.get("Entries") if isinstance(request, dict) else None
    if not isinstance(entries, list) or not 1 <= len(entries) <= MAX_ENTRIES:
        return f"Entries must hold 1 to {MAX_ENTRIES} events"
    for entry in entries:
        if not isinstance(entry, dict) or entry.get("Source") != SOURCE or entry.get("DetailType") != DETAIL_TYPE:
            return f"a lab host may put only events with source {SOURCE} and detail-type {DETAIL_TYPE}"
        if entry.get("EventBusName", "default") != "default":
            return "a lab host may put events only on the default bus"
    return None


class _Gateway(BaseHTTPRequestHandler):
    server_version = "pgpilot-lab-events"

    def log_message(self, fmt, *args):
        pass

    def _answer(self, status, payload):
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _deny(self, why):
        _say(f"refused a call from {self.client_address[0]}: {why}")
        self._answer(400, {"__type": "AccessDeniedException", "message": why})

    def do_POST(self):  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        if self.headers.get("X-Amz-Target") != "AWSEvents.PutEvents":
            return self._deny("a lab host may call events:PutEvents only")
        if not 0 < length <= MAX_BODY:
            return self._deny(f"a request body of 1 to {MAX_BODY} bytes is expected")
        body = self.rfile.read(length)
        why = refusal(body)
        if why:
            return self._deny(why)
        emulator = http.client.HTTPConnection("127.0.0.1", _settings["emulator_port"], timeout=10)
        try:
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
            emulator.request("POST", "/", body=body, headers=headers)
            answer = emulator.getresponse()
            payload = answer.read()
        except OSError as e:
            return self._answer(503, {"__type": "ServiceUnavailableException", "message": str(e)})
        finally:
            emulator.close()
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.getheader("Content-Type", "application/x-amz-json-1.1"))
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
        _say(f"{self.client_address[0]} put {len(json.loads(body)['Entries'])} report(s): HTTP {answer.status}")

    def do_GET(self):  # noqa: N802
        self._deny("a lab host may call events:PutEvents only")


def install_from_env(env=os.environ):
    """Serves the lab hosts' PutEvents when the lab asks for it; returns whether it does."""
    events = env.get("PGPILOT_LAB_EVENTS")
    if not events:
        return False
    _settings["emulator_port"] = int(env["PGPILOT_LAB_EMULATOR_PORT"])
    address, port = events.rsplit(":", 1)
    bridge.serve(address, int(port), _Gateway, "PutEvents for pgpool's reports", _say)
    return True
