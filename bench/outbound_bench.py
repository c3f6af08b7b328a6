"""Outbound gateway benchmark (issue 14): the cost of the connect-time address check and
the deadline watchdog, against a local keep-alive HTTP server.

    python bench/outbound_bench.py            # 7 rounds of 2,000 calls per mode
    python bench/outbound_bench.py --small    # CI: 3 rounds of 200 calls

Each round makes `--calls` GET calls through `Gateway.request` in one thread, once with
the project's transport (guarded connections: resolve, check, connect to the checked
address; re-check and watchdog registration per request) and once with requests' plain
adapter in its place (no check, no watchdog); rounds alternate the two. Prints, per
connection pattern (kept alive, or a new connection per call), the median calls/s and
the median CPU microseconds per call of the calling thread, with and without the guard.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402


class Answer(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        """One write per answer (headers and body apart would meet delayed ACKs)."""
        close = self.path.startswith("/close")
        extra = b"Connection: close\r\n" if close else b""
        self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n" + extra + b"\r\nok")
        self.close_connection = close

    def log_message(self, *args):
        pass


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--small", action="store_true", help="a quick run for CI")
    args = parser.parse_args()
    if args.small:
        args.calls, args.rounds = 200, 3
    return args


def plain_session():
    import requests
    from requests.adapters import HTTPAdapter

    session = requests.Session()
    session.trust_env = False
    session.mount("http://", HTTPAdapter(max_retries=0))
    return session


def one_round(url: str, calls: int, guarded: bool) -> tuple[float, float]:
    """(calls/s, CPU µs per call) for `calls` calls in this thread."""
    from integrations.http import Gateway, Limits, transport

    transport._local.session = None if guarded else plain_session()
    gateway = Gateway("bench", limits=Limits(deadline_s=10.0, max_attempts=1))
    wall, cpu = time.perf_counter(), time.thread_time()
    for _ in range(calls):
        gateway.request("GET", url)
    wall, cpu = time.perf_counter() - wall, time.thread_time() - cpu
    transport._local.session = None
    return calls / wall, cpu / calls * 1e6


def main() -> None:
    args = parse()
    os.environ["OUTBOUND_ALLOW_PRIVATE"] = "127.0.0.1"
    common.setup_django(f"sqlite:///{common.ROOT / 'var' / 'outbound_bench.sqlite3'}")
    server = ThreadingHTTPServer(("127.0.0.1", 0), Answer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    print(f"{args.rounds} rounds x {args.calls} calls per mode; medians")
    for pattern, path in (("kept alive", "/ok"), ("new connection per call", "/close")):
        figures = {True: [], False: []}
        one_round(base + path, max(args.calls // 10, 10), True)  # warm up
        for _ in range(args.rounds):
            for guarded in (False, True):
                figures[guarded].append(one_round(base + path, args.calls, guarded))
        for guarded in (False, True):
            rate = statistics.median(f[0] for f in figures[guarded])
            cpu = statistics.median(f[1] for f in figures[guarded])
            label = "guarded  " if guarded else "unguarded"
            print(f"{pattern:>24}  {label}  {rate:8.0f} calls/s  {cpu:7.0f} µs CPU/call")
    server.shutdown()


if __name__ == "__main__":
    main()
