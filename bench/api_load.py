#!/usr/bin/env python3
"""Calls a node's REST API at a steady rate, as its users do, for SECONDS; for bench/ocsp_with_api.

The API and console are on the node's HTTPS listener (`nimbus serve --api-port PORT`), whose certificate the
deployment issues itself: every connection is TLS to 127.0.0.1:PORT and checks that certificate, its name (the
address, an iPAddress SAN) included, against the deployment's root (--cafile ROOT_PEM, from `nimbus ca export`).
The connections are keep-alive, so each pays for one handshake, at its start, as a script's or a browser's does.

Scripts: a request every 1/RATE s whatever the answers' latency, in turn GET /api/v1/certificates?limit=50,
/api/v1/authorities and /api/v1/crls with the viewer's token and /api/v1/audit?limit=50 and /api/v1/health
with the auditor's, one keep-alive connection per token. At RATE 20 that is 12 and 8 requests/s per token,
under the limit of 20/s.

The console (--console TOKEN): signs in as the browser does (index.html, its stylesheet and modules from
/console/, POST /api/v1/session for the session cookie), then opens one page every PAGE_SECONDS s, in the
order of the console's menu, with the API calls console/pages.js makes for it: the hierarchy (authorities,
health), health (doctor), certificates (the first 100, then up to 5,000 valid ones in pages of 1,000 for
the expiry chart), RADIUS decisions (up to 2,000), audit (100), profiles, enrollments (profiles, 100).

Searches (--search-rate R): GET /api/v1/certificates?subject=TEXT&limit=100 every 1/R s, with the viewer's
token on a connection of its own, as someone at the console looking a device up.

Writes a JSON summary to OUT_JSON: each kind's requests, achieved rate, p50/p99/max latency in ms, every
answer that was not 200, and the CPU time this process used (it shares the machine with what it loads).

Usage: api_load.py API_PORT SECONDS OUT_JSON --cafile ROOT_PEM --viewer TOKEN --auditor TOKEN [--rate 20]
                   [--console TOKEN] [--page-seconds 5] [--search-rate 0] [--search-text no-such-device]
"""
import argparse
import http.client
import json
import math
import ssl
import threading
import time
import urllib.parse

SCRIPTS = [("/api/v1/certificates?limit=50", "viewer"), ("/api/v1/authorities", "viewer"),
           ("/api/v1/crls", "viewer"), ("/api/v1/audit?limit=50", "auditor"), ("/api/v1/health", "auditor")]
CONSOLE_FILES = ["/console/", "/console/console.css", "/console/console.js", "/console/api.js",
                 "/console/dom.js", "/console/pages.js", "/console/charts.js"]
# (page, [(path, items to collect through next_cursor, or None for one request)])
CONSOLE_PAGES = [
    ("hierarchy", [("/authorities", None), ("/health", None)]),
    ("health", [("/doctor", None)]),
    ("certificates", [("/certificates?limit=100", None), ("/certificates?status=valid", 5000)]),
    ("radius", [("/radius/decisions", 2000)]),
    ("audit", [("/audit?limit=100", None)]),
    ("profiles", [("/profiles", None)]),
    ("enrollments", [("/profiles", None), ("/enrollments?limit=100", None)]),
]


class Client:
    """One keep-alive HTTPS connection; every answer's latency and, when not 200, its status."""

    def __init__(self, args, headers, failures, lock):
        self.connection = http.client.HTTPSConnection("127.0.0.1", args.port, timeout=60, context=args.tls)
        self.headers = headers
        self.failures, self.lock = failures, lock

    def call(self, method, path, body=None, ok=(200,)):
        headers = dict(self.headers)
        if body is not None:
            headers["Content-Type"] = "application/json"
        sent = time.perf_counter()
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        data = response.read()
        seconds = time.perf_counter() - sent
        if response.status not in ok:
            with self.lock:
                key = f"{method} {path.split('?')[0]} {response.status}"
                self.failures[key] = self.failures.get(key, 0) + 1
        return seconds, response, data


def summary(times, seconds):
    if not times:
        return {"requests": 0}
    times = sorted(times)
    q = lambda p: times[max(0, math.ceil(p * len(times)) - 1)] * 1e3  # noqa: E731
    return {"requests": len(times), "rate": len(times) / seconds, "p50_ms": q(.5), "p99_ms": q(.99),
            "max_ms": times[-1] * 1e3}


def paced(start, seconds, interval, act):
    """act(k) at start + k * interval until SECONDS have passed; a slot missed while the previous call ran
    is skipped, not made up with a burst."""
    k = slot = 0
    while slot * interval < seconds:
        wait = start + slot * interval - time.perf_counter()
        if wait > 0:
            time.sleep(wait)
        act(k)
        k += 1
        slot = max(slot + 1, math.floor((time.perf_counter() - start) / interval))


def scripts(args, start, times, failures, lock):
    clients = {role: Client(args, {"Authorization": f"Bearer {token}"}, failures, lock)
               for role, token in (("viewer", args.viewer), ("auditor", args.auditor))}

    def act(k):
        path, role = SCRIPTS[k % len(SCRIPTS)]
        times.append(clients[role].call("GET", path)[0])
    paced(start, args.seconds, 1 / args.rate, act)


def console(args, start, result, failures, lock):
    browser = Client(args, {}, failures, lock)
    signed_in = time.perf_counter()
    for path in CONSOLE_FILES:
        browser.call("GET", path)
    _, response, _ = browser.call("POST", "/api/v1/session", json.dumps({"token": args.console}), ok=(201,))
    cookie = (response.getheader("Set-Cookie") or "").split(";")[0]
    browser.headers = {"Cookie": cookie, "Accept": "application/json"}
    result["sign_in_ms"] = (time.perf_counter() - signed_in) * 1e3
    pages, requests = [], []

    def act(k):
        opened = time.perf_counter()
        for path, collect in CONSOLE_PAGES[k % len(CONSOLE_PAGES)][1]:
            if collect is None:
                # The doctor's report is 404 until the node has examined itself once.
                requests.append(browser.call("GET", "/api/v1" + path, ok=(200, 404))[0])
                continue
            items, cursor = 0, None
            while True:
                query = {"limit": min(1000, collect - items)}
                if cursor:
                    query["cursor"] = cursor
                separator = "&" if "?" in path else "?"
                seconds, _, data = browser.call("GET", f"/api/v1{path}{separator}{urllib.parse.urlencode(query)}")
                requests.append(seconds)
                page = json.loads(data)
                items += len(page.get("items", []))
                cursor = page.get("next_cursor")
                if not cursor or items >= collect:
                    break
        pages.append(time.perf_counter() - opened)
    paced(start, args.seconds, args.page_seconds, act)
    elapsed = time.perf_counter() - start
    result.update(summary(requests, elapsed))
    result["pages"] = summary(pages, elapsed)


def searches(args, start, times, failures, lock):
    client = Client(args, {"Authorization": f"Bearer {args.viewer}"}, failures, lock)
    path = "/api/v1/certificates?" + urllib.parse.urlencode({"subject": args.search_text, "limit": 100})
    paced(start, args.seconds, 1 / args.search_rate, lambda k: times.append(client.call("GET", path)[0]))


def main():
    parser = argparse.ArgumentParser(description="Calls the REST API as its users do.")
    parser.add_argument("port", type=int, help="the HTTPS listener's port (nimbus serve --api-port)")
    parser.add_argument("seconds", type=float)
    parser.add_argument("out")
    parser.add_argument("--cafile", required=True, help="the deployment's root CA, PEM: the only trust anchor")
    parser.add_argument("--viewer", required=True)
    parser.add_argument("--auditor", required=True)
    parser.add_argument("--rate", type=float, default=20)
    parser.add_argument("--console")
    parser.add_argument("--page-seconds", type=float, default=5)
    parser.add_argument("--search-rate", type=float, default=0)
    parser.add_argument("--search-text", default="no-such-device")
    args = parser.parse_args()
    # The system's trust store is left out: the listener's certificate must chain to this root alone.
    args.tls = ssl.create_default_context(cafile=args.cafile)
    failures, lock = {}, threading.Lock()
    script_times, search_times, console_result = [], [], {}
    start = time.perf_counter()
    threads = [threading.Thread(target=scripts, args=(args, start, script_times, failures, lock))]
    if args.console:
        threads.append(threading.Thread(target=console, args=(args, start, console_result, failures, lock)))
    if args.search_rate > 0:
        threads.append(threading.Thread(target=searches, args=(args, start, search_times, failures, lock)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    result = {"seconds": elapsed, "cpu_seconds": time.process_time(), "scripts": summary(script_times, elapsed),
              "failures": failures}
    if args.console:
        result["console"] = console_result
    if args.search_rate > 0:
        result["search"] = summary(search_times, elapsed)
    with open(args.out, "w") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main()
