"""Benchmarks of the Python SDK against a local keep-alive server (run: `make bench`).

Measures, and prints, never asserts:
1. latency of one `calls.list` returning 100 calls, talkover vs. a plain `http.client` +
   `json.loads` baseline on the same persistent connection (both pay the same server cost);
2. reading every field of those 100 calls (lazy conversion cost);
3. threads sharing one client against a server that takes 20 ms per request: with the GIL
   released during I/O, 8 threads finish ~8x faster than 1;
4. the bundled mock server: one validated, stored make-call and one filtered, paged list.
"""

from __future__ import annotations

import http.client
import json
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable

import talkover
from talkover.testing import MockServer

CALL = {
    "id": "call-uuid-1", "sid": "call_sid_123", "to": "+1234567890", "to_formatted": "(123) 456-7890",
    "from": "+0987654321", "from_formatted": "(098) 765-4321", "is_testing": False, "direction": "outbound",
    "status": "completed", "duration": 120,
    "agent": {"id": "agent-uuid-1", "name": "Sales Agent", "label": "Sales Agent Label"},
    "created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-01-01T00:00:00Z",
}
PAGE = json.dumps({
    "success": True,
    "data": [dict(CALL, id=f"call-uuid-{i}") for i in range(100)],
    "pagination": {"current_page": 1, "last_page": 1, "per_page": 100, "total": 100, "from": 1, "to": 100},
}).encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the real API
    wbufsize = 1 << 16  # headers and body in one write: no delayed-ACK stalls
    disable_nagle_algorithm = True
    delay = 0.0

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        if self.delay:
            time.sleep(self.delay)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)


def serve(delay: float) -> tuple[ThreadingHTTPServer, int]:
    handler = type("H", (Handler,), {"delay": delay})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]


def timed(fn: Callable[[], object], repeat: int) -> float:
    for _ in range(20):
        fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1e6


def main() -> None:
    repeat = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    server, port = serve(0.0)
    client = talkover.Talkover("talq_bench", base_url=f"http://127.0.0.1:{port}")
    conn = http.client.HTTPConnection("127.0.0.1", port)

    def baseline() -> object:
        conn.request("GET", "/api/v1/calls?per_page=100", headers={"Authorization": "Bearer talq_bench"})
        return json.loads(conn.getresponse().read())

    sdk_us = timed(lambda: client.calls.list(per_page=100), repeat)
    base_us = timed(baseline, repeat)
    print(f"list 100 calls, median of {repeat}: talkover {sdk_us:.0f} us, http.client+json {base_us:.0f} us")

    page = client.calls.list(per_page=100)
    fields = ["id", "sid", "to", "from_", "status", "direction", "duration", "created_at"]
    read_us = timed(lambda: [[getattr(c, f) for f in fields] + [c.agent and c.agent.name] for c in page.data], repeat)
    raw = baseline()
    dict_us = timed(lambda: [[c[f.rstrip("_")] for f in fields] + [c["agent"]["name"]] for c in raw["data"]], repeat)  # type: ignore[index]
    print(f"read 9 fields of 100 calls: talkover models {read_us:.0f} us, plain dicts {dict_us:.0f} us")
    server.shutdown()

    slow, slow_port = serve(0.02)
    shared = talkover.Talkover("talq_bench", base_url=f"http://127.0.0.1:{slow_port}")
    for threads in (1, 8):
        start = time.perf_counter()
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(lambda _: shared.health.check(), range(64)))
        print(f"64 requests of 20 ms on one client, {threads} thread(s): {time.perf_counter() - start:.2f} s")
    slow.shutdown()

    with MockServer() as mock:
        client = mock.client(talkover.Talkover)
        create_us = timed(lambda: client.calls.create("agent_123456", to="+15550001111", is_testing=True), repeat)
        stored = client.calls.list(per_page=1).pagination.total
        list_us = timed(lambda: client.calls.list(direction="outbound", per_page=100), repeat)
        print(f"bundled mock, median of {repeat}: make a call {create_us:.0f} us, "
              f"list 100 of {stored} stored calls {list_us:.0f} us")


if __name__ == "__main__":
    main()
