"""Hostile HTTP clients for the hostile_clients test: each subcommand attacks a `nimbus serve` on
127.0.0.1 from chosen loopback source addresses, then probes it as an ordinary client from another
address, and prints one JSON object saying what happened.

  attack.py hold PORT SOURCE COUNT [--request] [--server-pid PID]
      COUNT connections from SOURCE, each silent or (with --request) after one answered keep-alive
      request; while they are held, PROBES requests from 127.0.0.3, each on a new connection.
  attack.py spread PORT FIRST LAST COUNT --server-pid PID
      COUNT silent connections spread over 127.0.0.FIRST..127.0.0.LAST, then the probes, and the
      server's open file descriptors while everything is held.
  attack.py headers PORT COUNT
      one request with COUNT short header fields; prints the status.
  attack.py post PORT PATH FILE
      POSTs FILE as an OCSP request; prints the status and the body's length.
"""
import argparse
import json
import os
import resource
import socket
import time

PROBES = 20
PROBE_SOURCE = "127.0.0.3"
# A probe that gets no answer in this long counts as not answered; generous, for loaded machines.
PROBE_PATIENCE = 10.0


def raise_descriptor_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def connect(port, source, timeout=PROBE_PATIENCE):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.bind((source, 0))
    s.connect(("127.0.0.1", port))
    return s


def read_response(s):
    """(status, body) of one response, or (0, b"") when the connection closed or timed out first."""
    data = b""
    try:
        while b"\r\n\r\n" not in data:
            chunk = s.recv(65536)
            if not chunk:
                return 0, b""
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        while len(body) < length:
            chunk = s.recv(65536)
            if not chunk:
                return 0, b""
            body += chunk
        return int(head.split(b" ")[1]), body[:length]
    except (socket.timeout, ConnectionError):
        return 0, b""


def request(path, close=False):
    connection = b"close" if close else b"keep-alive"
    return b"GET " + path + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: " + connection + b"\r\n\r\n"


def probe(port):
    """How many of PROBES fresh connections from PROBE_SOURCE got a 200 for /healthz/live."""
    answered = 0
    for _ in range(PROBES):
        try:
            with connect(port, PROBE_SOURCE) as s:
                s.sendall(request(b"/healthz/live", close=True))
                status, _ = read_response(s)
                answered += status == 200
        except OSError:
            pass
    return answered


def open_connections(port, sources, count, send_request):
    """Opens `count` connections round robin over `sources`; returns (held sockets, refusals by status)."""
    held, refused = [], {}
    for i in range(count):
        source = sources[i % len(sources)]
        try:
            s = connect(port, source, timeout=2.0)
        except OSError:
            refused["connect"] = refused.get("connect", 0) + 1
            continue
        if send_request:
            s.sendall(request(b"/healthz/live"))
            status, _ = read_response(s)
            if status != 200:
                refused[str(status)] = refused.get(str(status), 0) + 1
                s.close()
                continue
        held.append(s)
    return held, refused


def still_open(sockets):
    """How many of `sockets` the server has not closed."""
    count = 0
    for s in sockets:
        s.setblocking(False)
        try:
            # EOF, or on a silent connection the refusal sent at accept: the server is done with it.
            s.recv(65536)
        except BlockingIOError:
            count += 1
        except OSError:
            pass
    return count


def descriptors(pid):
    return len(os.listdir(f"/proc/{pid}/fd")) if pid else None


def flood(args, sources, send_request):
    """Holds the flood's connections while probing; what each side saw."""
    held, refused = open_connections(args.port, sources, args.count, send_request)
    time.sleep(0.5)
    answered = probe(args.port)
    result = {
        "opened": len(held),
        "refused": refused,
        "server_descriptors": descriptors(args.server_pid),
        "probes": PROBES,
        "probes_answered": answered,
        "still_open": still_open(held),
    }
    for s in held:
        s.close()
    return result


def hold(args):
    return flood(args, [args.source], args.request)


def spread(args):
    return flood(args, [f"127.0.0.{n}" for n in range(args.first, args.last + 1)], False)


def headers(args):
    fields = b"".join(b"X-H%04d: v\r\n" % i for i in range(args.count))
    raw = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + fields + b"\r\n"
    with connect(args.port, PROBE_SOURCE) as s:
        try:
            s.sendall(raw)
        except ConnectionError:
            pass
        status, _ = read_response(s)
    return {"bytes": len(raw), "status": status}


def post(args):
    body = open(args.file, "rb").read()
    head = (b"POST " + args.path.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            b"Content-Type: application/ocsp-request\r\nContent-Length: %d\r\n\r\n" % len(body))
    with connect(args.port, PROBE_SOURCE) as s:
        s.sendall(head + body)
        status, answer = read_response(s)
    return {"status": status, "body": answer.hex()}


def main():
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("hold")
    p.add_argument("port", type=int)
    p.add_argument("source")
    p.add_argument("count", type=int)
    p.add_argument("--request", action="store_true")
    p.add_argument("--server-pid", type=int)
    p = commands.add_parser("spread")
    p.add_argument("port", type=int)
    p.add_argument("first", type=int)
    p.add_argument("last", type=int)
    p.add_argument("count", type=int)
    p.add_argument("--server-pid", type=int)
    p = commands.add_parser("headers")
    p.add_argument("port", type=int)
    p.add_argument("count", type=int)
    p = commands.add_parser("post")
    p.add_argument("port", type=int)
    p.add_argument("path")
    p.add_argument("file")
    args = parser.parse_args()
    raise_descriptor_limit()
    print(json.dumps(globals()[args.command](args)))


if __name__ == "__main__":
    main()
