#!/usr/bin/env python3
"""A fake MDM for the SCEP webhook tests: answers Nimbus's challenge questions like an MDM would.

    fake_mdm.py --secret-file FILE --port-file FILE --log FILE

It listens on 127.0.0.1 on a port the kernel chooses and writes the port to --port-file once it
accepts connections. Every POST must carry a valid Nimbus-Signature (HMAC-SHA256 with the secret
over "<t>.<body>", t within five minutes); one that does not is answered 401. A question
({"event": "verify", ...}) is answered by the challenge's prefix:

    allow-...    a signed yes
    deny-...     a signed no, with the reason "device is not compliant"
    badsig-...   a yes signed with another secret
    garbage-...  a signed body that is not JSON
    slow-...     a yes after 4 seconds (past a 2 s timeout)
    down-...     status 503

Notifications ({"event": "issued" | "failed", ...}) are answered 204. Each request is appended to
--log as one JSON line: {"signed": true|false, "message": <the body as JSON>}. SIGTERM stops the
server with exit status 0.
"""

import argparse
import hashlib
import hmac
import http.server
import json
import os
import signal
import sys
import threading
import time

TOLERANCE_SECONDS = 300


def signature(secret: bytes, body: bytes, at: int) -> str:
    mac = hmac.new(secret, str(at).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={at},v1={mac}"


def signed_well(secret: bytes, header: str, body: bytes) -> bool:
    fields = dict(item.strip().split("=", 1) for item in header.split(",") if "=" in item)
    try:
        at = int(fields.get("t", ""))
    except ValueError:
        return False
    if abs(time.time() - at) > TOLERANCE_SECONDS:
        return False
    return hmac.compare_digest(signature(secret, body, at), f"t={at},v1={fields.get('v1', '')}")


class Handler(http.server.BaseHTTPRequestHandler):
    secret = b""
    log_path = ""
    log_lock = threading.Lock()

    def log_message(self, format, *args):  # the log file is the record; stderr stays quiet
        pass

    def handle_one_request(self):
        try:
            super().handle_one_request()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server gave up waiting (slow-...): what a late answer meets

    def record(self, signed: bool, message):
        with self.log_lock, open(self.log_path, "a") as log:
            log.write(json.dumps({"signed": signed, "message": message}) + "\n")

    def answer(self, status: int, body: bytes, secret: bytes = b""):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        if secret:
            self.send_header("Nimbus-Signature", signature(secret, body, int(time.time())))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        signed = signed_well(self.secret, self.headers.get("Nimbus-Signature", ""), body)
        try:
            message = json.loads(body)
        except ValueError:
            message = None
        self.record(signed, message)
        if not signed or not isinstance(message, dict):
            self.answer(401, b'{"error": "unsigned"}')
            return
        if message.get("event") != "verify":
            self.send_response(204)
            self.end_headers()
            return
        challenge = str(message.get("challenge", ""))
        prefix = challenge.split("-", 1)[0]
        verdict = {"request_id": message.get("request_id"), "allow": prefix != "deny",
                   "reason": "device is not compliant" if prefix == "deny" else "known device"}
        text = json.dumps(verdict).encode()
        if prefix == "down":
            self.answer(503, b'{"error": "maintenance"}')
        elif prefix == "badsig":
            self.answer(200, text, b"not the shared secret")
        elif prefix == "garbage":
            self.answer(200, b"yes, go ahead", self.secret)
        elif prefix == "slow":
            time.sleep(4)
            self.answer(200, text, self.secret)
        else:
            self.answer(200, text, self.secret)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--secret-file", required=True)
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--log", required=True)
    args = parser.parse_args()
    with open(args.secret_file, "rb") as f:
        Handler.secret = f.read().rstrip(b"\n")
    Handler.log_path = args.log
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    with open(args.port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.replace(args.port_file + ".tmp", args.port_file)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
