#!/usr/bin/env python3
"""A small HTTP server for the CLI tests: AIA, CDP and OCSP endpoints of a PKI made with openssl.

    fixture_http.py --root DIR --port-file FILE --log FILE [--ocsp-dir DIR] [--slow-seconds N]
                    [--blackhole-port-file FILE] [--port N]

It listens on 127.0.0.1 on a port the kernel chooses (or --port, to serve a kept test directory
again) and writes that port to --port-file once it accepts connections, so that the caller can put
the URL into certificates before it makes them.
Files under --root are served as they are at the time of the request. Special paths:

    /status/NNN/...    answers with HTTP status NNN and a short text body (a CDP that is broken)
    /slow/PATH         waits --slow-seconds, then serves PATH (a CDP that hangs past a timeout)
    /ocsp/NAME         an OCSP responder (POST, or GET with the base64 request in the path):
                       `openssl ocsp` answers from --ocsp-dir/NAME/{index.txt,ca.pem,signer.pem,
                       signer.key}; a certificate missing from index.txt gets "unknown"

With --blackhole-port-file it also holds a second port on 127.0.0.1 where connections never
complete, like a host whose firewall drops packets: a listening socket with a backlog of 0 whose
queue is filled at start and never accepted from, so the kernel drops further SYNs.

Every request is appended to --log as one line "METHOD PATH STATUS", so that a test can count how
often a URL was fetched. SIGTERM stops the server with exit status 0.
"""

import argparse
import base64
import binascii
import http.server
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

CONTENT_TYPES = {
    ".crl": "application/pkix-crl",
    ".der": "application/pkix-cert",
    ".crt": "application/pkix-cert",
    ".cer": "application/pkix-cert",
    ".p7c": "application/pkcs7-mime",
    ".pem": "application/x-pem-file",
}


class Handler(http.server.BaseHTTPRequestHandler):
    server_version = "fixture-http/1"
    # HTTP/1.0: one request per connection, so a client that gives up cannot leave a connection
    # that the next request would reuse half-read.
    protocol_version = "HTTP/1.0"

    def log_message(self, format, *args):  # the access log is written by `record` instead
        pass

    def record(self, status):
        with self.server.log_lock:
            with open(self.server.log_path, "a", encoding="utf-8") as log:
                log.write("%s %s %d\n" % (self.command, self.path, status))

    def reply(self, status, body, content_type="application/octet-stream"):
        # Logged before the body is sent: a client that timed out may have closed the socket.
        self.record(status)
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def serve_file(self, relative):
        root = self.server.root
        path = os.path.realpath(os.path.join(root, relative.lstrip("/")))
        if not path.startswith(root + os.sep) or not os.path.isfile(path):
            self.reply(404, b"not found\n", "text/plain")
            return
        with open(path, "rb") as f:
            body = f.read()
        content_type = CONTENT_TYPES.get(os.path.splitext(path)[1], "application/octet-stream")
        self.reply(200, body, content_type)

    def do_GET(self):
        path = urllib.parse.urlsplit(self.path).path
        parts = path.split("/")
        if len(parts) >= 3 and parts[1] == "status" and parts[2].isdigit():
            status = int(parts[2])
            self.reply(status, b"fixture status %d\n" % status, "text/plain")
        elif len(parts) >= 3 and parts[1] == "slow":
            time.sleep(self.server.slow_seconds)
            self.serve_file("/".join(parts[2:]))
        elif len(parts) >= 3 and parts[1] == "ocsp":
            # RFC 6960 A.1: GET {url}/{url-encoding of base-64 encoding of the DER request}
            encoded = urllib.parse.unquote("/".join(parts[3:]))
            try:
                request = base64.b64decode(encoded, validate=True)
            except (binascii.Error, ValueError):
                self.reply(400, b"bad base64\n", "text/plain")
                return
            self.answer_ocsp(parts[2], request)
        else:
            self.serve_file(path)

    def do_HEAD(self):
        self.do_GET()

    def do_POST(self):
        parts = urllib.parse.urlsplit(self.path).path.split("/")
        length = int(self.headers.get("Content-Length") or 0)
        request = self.rfile.read(length)
        if len(parts) == 3 and parts[1] == "ocsp":
            self.answer_ocsp(parts[2], request)
        else:
            self.reply(405, b"method not allowed\n", "text/plain")

    def answer_ocsp(self, name, request):
        ocsp_dir = self.server.ocsp_dir
        responder = os.path.join(ocsp_dir, name) if ocsp_dir else ""
        if not responder or "/" in name or not os.path.isdir(responder):
            self.reply(404, b"no such responder\n", "text/plain")
            return
        with tempfile.TemporaryDirectory() as tmp:
            request_path = os.path.join(tmp, "request.der")
            response_path = os.path.join(tmp, "response.der")
            with open(request_path, "wb") as f:
                f.write(request)
            result = subprocess.run(
                ["openssl", "ocsp", "-index", os.path.join(responder, "index.txt"),
                 "-CA", os.path.join(responder, "ca.pem"),
                 "-rsigner", os.path.join(responder, "signer.pem"),
                 "-rkey", os.path.join(responder, "signer.key"),
                 "-ndays", "1", "-reqin", request_path, "-respout", response_path],
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            if result.returncode != 0 or not os.path.exists(response_path):
                self.reply(500, result.stderr or b"openssl ocsp failed\n", "text/plain")
                return
            with open(response_path, "rb") as f:
                self.reply(200, f.read(), "application/ocsp-response")


def open_blackhole():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(2):
        filler = socket.socket()
        filler.setblocking(False)
        try:
            filler.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        fillers.append(filler)
    # The sockets must live as long as the server: the caller keeps the returned tuple.
    return port, (listener, fillers)


def write_atomically(path, text):
    # The file appears whole (rename), so a reader never sees half a number.
    partial = path + ".partial"
    with open(partial, "w") as f:
        f.write(text)
    os.replace(partial, path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", required=True)
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--ocsp-dir")
    parser.add_argument("--slow-seconds", type=float, default=30.0)
    parser.add_argument("--blackhole-port-file")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()

    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    # A request still sleeping on /slow must not keep the process alive after SIGTERM.
    server.daemon_threads = True
    server.root = os.path.realpath(args.root)
    server.ocsp_dir = os.path.realpath(args.ocsp_dir) if args.ocsp_dir else None
    server.slow_seconds = args.slow_seconds
    server.log_path = args.log
    server.log_lock = threading.Lock()
    open(args.log, "a").close()

    def stop(signum, frame):
        # shutdown() waits for serve_forever, which runs on this same thread: leave it to a helper.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    if args.blackhole_port_file:
        blackhole_port, blackhole = open_blackhole()
        write_atomically(args.blackhole_port_file, "%d\n" % blackhole_port)
    write_atomically(args.port_file, "%d\n" % server.server_address[1])

    server.serve_forever(poll_interval=0.1)
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
