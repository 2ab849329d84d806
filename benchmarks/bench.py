"""`make bench`: talkover next to requests, httpx, urllib3, a raw Python socket and the Rust
peers (a raw std TcpStream floor, plain ureq + serde, the SDK's Rust client), in one run,
against one local nginx; then thread scaling, model access, import time, memory and the
Rust micro-benchmarks. Prints the tables and writes them to docs/performance.md.

Method: R rounds; in each, every route runs one segment of every peer, in an order that
rotates from round to round, so drift on the machine touches every peer alike. A segment is
N calls over one keep-alive connection (3 untimed first), N calibrated so a segment lasts
about --segment-ms. Tables give the median over rounds of each segment's median latency,
and ratios to the floors of the same route. Numbers are printed, never asserted.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))

from server import AGENT_ID, TOKEN, Server, find_nginx  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
ROUTES = ["create", "list20", "list100"]
CREATE_BODY = {"to": "+1234567890"}
Call = Callable[[], Any]


# --------------------------------------------------------------------------- Python peers


def make_talkover(base: str) -> dict[str, Call]:
    import talkover

    calls = talkover.Talkover(TOKEN, base_url=base).calls
    return {
        "create": lambda: calls.create(AGENT_ID, to="+1234567890"),
        "list20": lambda: calls.list(per_page=20),
        "list100": lambda: calls.list(per_page=100),
    }


def make_requests(base: str) -> dict[str, Call]:
    requests: Any = importlib.import_module("requests")
    session = requests.Session()
    session.headers.update({"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"})
    url = f"{base}/api/v1/calls"
    create = f"{base}/api/v1/agents/{AGENT_ID}/call"
    return {
        "create": lambda: session.post(create, json=CREATE_BODY).json(),
        "list20": lambda: session.get(url, params={"per_page": 20}).json(),
        "list100": lambda: session.get(url, params={"per_page": 100}).json(),
    }


def make_httpx(base: str) -> dict[str, Call]:
    httpx: Any = importlib.import_module("httpx")
    client = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {TOKEN}",
                                                  "Accept": "application/json"})
    create = f"/api/v1/agents/{AGENT_ID}/call"
    return {
        "create": lambda: client.post(create, json=CREATE_BODY).json(),
        "list20": lambda: client.get("/api/v1/calls", params={"per_page": 20}).json(),
        "list100": lambda: client.get("/api/v1/calls", params={"per_page": 100}).json(),
    }


def make_urllib3(base: str) -> dict[str, Call]:
    urllib3: Any = importlib.import_module("urllib3")
    pool = urllib3.PoolManager()
    headers = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"}
    post_headers = dict(headers, **{"Content-Type": "application/json"})
    body = json.dumps(CREATE_BODY).encode()
    create = f"{base}/api/v1/agents/{AGENT_ID}/call"

    def get(per_page: int) -> Any:
        answer = pool.request("GET", f"{base}/api/v1/calls", fields={"per_page": per_page},
                              headers=headers)
        return json.loads(answer.data)

    return {
        "create": lambda: json.loads(pool.request("POST", create, body=body,
                                                  headers=post_headers).data),
        "list20": lambda: get(20),
        "list100": lambda: get(100),
    }


def make_py_socket(base: str) -> dict[str, Call]:
    """The Python floor: a raw socket, requests prepared once, the body read by its
    Content-Length and parsed with json.loads."""
    hostport = base.split("://", 1)[1]
    host, port = hostport.rsplit(":", 1)
    sock = socket.create_connection((host, int(port)))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    head = f"Host: {hostport}\r\nAuthorization: Bearer {TOKEN}\r\nAccept: application/json\r\n"
    body = json.dumps(CREATE_BODY, separators=(",", ":")).encode()
    requests = {
        "create": (f"POST /api/v1/agents/{AGENT_ID}/call HTTP/1.1\r\n{head}"
                   f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
                   ).encode() + body,
        "list20": f"GET /api/v1/calls?per_page=20 HTTP/1.1\r\n{head}\r\n".encode(),
        "list100": f"GET /api/v1/calls?per_page=100 HTTP/1.1\r\n{head}\r\n".encode(),
    }
    recv, sendall, loads = sock.recv, sock.sendall, json.loads

    def roundtrip(request: bytes) -> Any:
        sendall(request)
        data = recv(65536)
        while (end_of_head := data.find(b"\r\n\r\n")) < 0:
            more = recv(65536)
            if not more:
                raise ConnectionError("the server closed the connection")
            data += more
        at = data.lower().find(b"content-length:", 0, end_of_head)
        end = end_of_head + 4 + int(data[at + 15:data.find(b"\r\n", at)])
        while len(data) < end:
            more = recv(65536)
            if not more:
                raise ConnectionError("the server closed the connection")
            data += more
        return loads(data[end_of_head + 4:end])

    def bound(request: bytes) -> Call:
        return lambda: roundtrip(request)

    return {route: bound(request) for route, request in requests.items()}


PY_PEERS: dict[str, Callable[[str], dict[str, Call]]] = {
    "talkover": make_talkover,
    "requests": make_requests,
    "httpx": make_httpx,
    "urllib3": make_urllib3,
    "py-socket": make_py_socket,
}
RUST_PEERS = {"rust-raw": "raw", "rust-ureq": "ureq", "rust-sdk": "sdk"}


# --------------------------------------------------------------------------- measuring


@dataclass
class Segment:
    median_us: float
    p90_us: float
    calls_per_s: float


@dataclass
class Peer:
    name: str
    ops: dict[str, Call] | None = None  # Python peers
    binary: Path | None = None  # Rust peers
    n: dict[str, int] = field(default_factory=dict)
    skipped: str | None = None

    def segment(self, route: str, port: int, n: int) -> Segment:
        if self.binary is not None:
            out = subprocess.run([str(self.binary), RUST_PEERS[self.name], route, str(port), str(n)],
                                 capture_output=True, text=True, check=True).stdout
            got = json.loads(out)
            return Segment(got["median_ns"] / 1e3, got["p90_ns"] / 1e3, n / (got["wall_ns"] / 1e9))
        assert self.ops is not None
        call = self.ops[route]
        for _ in range(3):
            call()
        gc.collect()
        times = []
        clock = time.perf_counter_ns
        started = clock()
        for _ in range(n):
            t = clock()
            call()
            times.append(clock() - t)
        wall = clock() - started
        times.sort()
        return Segment(times[len(times) // 2] / 1e3, times[int(len(times) * 0.9)] / 1e3,
                       n / (wall / 1e9))


def calibrate(peer: Peer, route: str, port: int, segment_ms: float) -> int:
    probe = peer.segment(route, port, 50)
    return max(50, min(20000, int(segment_ms * 1000 / max(probe.median_us, 1.0))))


def run_rounds(peers: list[Peer], port: int, rounds: int, segment_ms: float,
               log: Callable[[str], None]) -> dict[tuple[str, str], list[Segment]]:
    live = [p for p in peers if p.skipped is None]
    for peer in live:
        for route in ROUTES:
            peer.n[route] = calibrate(peer, route, port, segment_ms)
    results: dict[tuple[str, str], list[Segment]] = {}
    for r in range(rounds):
        log(f"round {r + 1}/{rounds}")
        order = live[r % len(live):] + live[:r % len(live)]
        for route in ROUTES:
            for peer in order:
                results.setdefault((peer.name, route), []).append(
                    peer.segment(route, port, peer.n[route]))
    return results


def threaded(make: Callable[[str], dict[str, Call]], base: str, route: str, threads: int,
             seconds: float) -> float:
    """Total calls/s of `threads` threads, each with its own client, for `seconds`."""
    clients = [make(base) for _ in range(threads)]
    for ops in clients:
        for _ in range(3):
            ops[route]()
    counts = [0] * threads
    barrier = threading.Barrier(threads + 1)
    stop = threading.Event()

    def work(i: int) -> None:
        call = clients[i][route]
        barrier.wait()
        while not stop.is_set():
            call()
            counts[i] += 1

    workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    barrier.wait()
    started = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    for w in workers:
        w.join()
    return sum(counts) / (time.perf_counter() - started)


def model_access(base: str, repeat: int) -> dict[str, float]:
    """µs to read `page.data` the first time and again, and to read every field of 100 calls."""
    import talkover

    calls = talkover.Talkover(TOKEN, base_url=base).calls
    first, again, fields = [], [], []
    for _ in range(repeat):
        page = calls.list(per_page=100)
        t = time.perf_counter_ns()
        data = page.data
        first.append(time.perf_counter_ns() - t)
        t = time.perf_counter_ns()
        data = page.data
        again.append(time.perf_counter_ns() - t)
        t = time.perf_counter_ns()
        for c in data:
            (c.id, c.sid, c.to, c.to_formatted, c.from_, c.from_formatted, c.is_testing,
             c.direction, c.status, c.duration, c.agent and c.agent.name, c.created_at,
             c.updated_at)
        fields.append(time.perf_counter_ns() - t)
    return {"page.data, first read": statistics.median(first) / 1e3,
            "page.data, read again": statistics.median(again) / 1e3,
            "every field of the 100 calls": statistics.median(fields) / 1e3}


INSTRUCTIONS_SCRIPT = """
import sys
import talkover
calls = talkover.Talkover(sys.argv[1], base_url=sys.argv[2]).calls
route, n = sys.argv[3], int(sys.argv[4])
page = calls.list(per_page=100)
ops = {
    "create": lambda: calls.create(sys.argv[5], to="+1234567890"),
    "list20": lambda: calls.list(per_page=20),
    "list100": lambda: calls.list(per_page=100),
    "page.data (again)": lambda: page.data,
}
op = ops[route]
for _ in range(5 + n):
    op()
"""


def instructions(base: str, log: Callable[[str], None]) -> list[str]:
    """Instructions per call (valgrind's callgrind, user space: Python, the SDK, libc),
    which machine load does not blur: the difference of a run with N calls and one with 2N."""
    import shutil

    if shutil.which("valgrind") is None:
        return ["not measured: valgrind is not installed (apt-get install valgrind)"]
    log("instructions per call (valgrind)")
    lines = ["| talkover route | instructions per call |", "|---|---:|"]
    for route, n in (("create", 200), ("list20", 100), ("list100", 50), ("page.data (again)", 200)):
        totals = []
        for count in (n, 2 * n):
            done = subprocess.run(
                ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable,
                 "-c", INSTRUCTIONS_SCRIPT, TOKEN, base, route, str(count), AGENT_ID],
                capture_output=True, text=True, check=False)
            found = re.search(r"Collected : (\d+)", done.stderr)
            if found is None:
                return [f"not measured: valgrind failed ({done.stderr.strip()[-200:]})"]
            totals.append(int(found.group(1)))
        lines.append(f"| {route} | {(totals[1] - totals[0]) / n:,.0f} |")
    return lines


def import_time(repeat: int) -> dict[str, float]:
    """ms for `import talkover` in a fresh interpreter (python -X importtime's total)."""
    totals = []
    for _ in range(repeat):
        out = subprocess.run([sys.executable, "-X", "importtime", "-c", "import talkover"],
                             capture_output=True, text=True, check=True, cwd="/").stderr
        for line in out.splitlines():
            parts = [p.strip() for p in line.split("|")]
            if len(parts) == 3 and parts[2] == "talkover":
                totals.append(int(parts[1]) / 1e3)
    return {"import talkover (ms, median)": statistics.median(totals) if totals else float("nan")}


# --------------------------------------------------------------------------- reporting


def machine(server: Server) -> list[str]:
    def run(*cmd: str) -> str:
        try:
            return subprocess.run(cmd, capture_output=True, text=True, check=False).stdout.strip()
        except OSError:
            return "n/a"

    cpu = "n/a"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = []
    for name in ("talkover", "requests", "httpx", "urllib3"):
        try:
            versions.append(f"{name} {importlib.import_module(name).__version__}")
        except Exception:
            versions.append(f"{name} n/a")
    return [
        f"- cores: {os.cpu_count()}, cpu: {cpu}",
        f"- kernel: {platform.release()}, load before the run: {' '.join(f'{x:.2f}' for x in os.getloadavg())}",
        f"- python: {platform.python_version()} ({platform.python_implementation()}), "
        f"{run('rustc', '--version')}, nginx {server.version()} (one worker)",
        f"- {', '.join(versions)}",
        f"- date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
    ]


def fmt(x: float) -> str:
    return f"{x:,.1f}" if x < 100 else f"{x:,.0f}"


def table(results: dict[tuple[str, str], list[Segment]], peers: list[Peer]) -> list[str]:
    lines = ["| route | peer | median µs | p90 µs | calls/s | × rust-raw | × py-socket | round spread |",
             "|---|---|---:|---:|---:|---:|---:|---:|"]
    for route in ROUTES:
        med = {name: statistics.median(s.median_us for s in segs)
               for (name, r), segs in results.items() if r == route}
        for peer in peers:
            if peer.skipped is not None:
                if route == ROUTES[0]:
                    lines.append(f"| | {peer.name} | skipped: {peer.skipped} | | | | | |")
                continue
            segs = results[(peer.name, route)]
            m = med[peer.name]
            p90 = statistics.median(s.p90_us for s in segs)
            rate = statistics.median(s.calls_per_s for s in segs)
            spread = statistics.median(abs(s.median_us - m) for s in segs) / m * 100
            ratios = [f"{m / med[floor]:.2f}" if floor in med else "n/a"
                      for floor in ("rust-raw", "py-socket")]
            lines.append(f"| {route} | {peer.name} | {fmt(m)} | {fmt(p90)} | {rate:,.0f} | "
                         f"{ratios[0]} | {ratios[1]} | ±{spread:.1f}% |")
    return lines


def build_rust_peers(log: Callable[[str], None]) -> Path | None:
    log("building the Rust peers (cargo build --release --example rust_peers)")
    done = subprocess.run(["cargo", "build", "--quiet", "--release", "--example", "rust_peers"],
                          cwd=ROOT, check=False)
    binary = ROOT / "target" / "release" / "examples" / "rust_peers"
    return binary if done.returncode == 0 and binary.exists() else None


def cargo_bench(log: Callable[[str], None]) -> list[str]:
    log("running the Rust micro-benchmarks (cargo bench --bench decode)")
    done = subprocess.run(["cargo", "bench", "--quiet", "--bench", "decode"], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return [f"cargo bench failed: {done.stderr.strip()[-500:]}"]
    return ["```", *[line.rstrip() for line in done.stdout.splitlines() if line.strip()], "```"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--segment-ms", type=float, default=250)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--quick", action="store_true", help="3 rounds of 80 ms segments, no cargo bench")
    ap.add_argument("--peers", help="comma-separated subset of peers")
    ap.add_argument("--no-cargo-bench", action="store_true")
    ap.add_argument("--no-pin", dest="pin", action="store_false",
                    help="let sequential calls and nginx run on any CPU")
    ap.add_argument("--write", default=str(ROOT / "docs" / "performance.md"),
                    help="the markdown report to write ('' for none)")
    args = ap.parse_args()
    if args.quick:
        args.rounds, args.segment_ms, args.no_cargo_bench = 3, 80, True

    def log(message: str) -> None:
        print(f"bench: {message}", file=sys.stderr, flush=True)

    nginx = find_nginx()
    if nginx is None:
        print("bench: nginx is not installed and could not be installed "
              "(apt-get install nginx-light); nothing measured", file=sys.stderr)
        return 2
    wanted = set(args.peers.split(",")) if args.peers else None
    binary = build_rust_peers(log) if wanted is None or wanted & set(RUST_PEERS) else None

    # On a virtual machine, a request handed between two vCPUs pays for waking the idle one
    # (tens of µs, on and off from run to run). Sequential calls therefore run with nginx
    # and the client on one CPU; the threaded phase uses every CPU.
    cpus = sorted(os.sched_getaffinity(0))
    pin = cpus[0] if args.pin and len(cpus) > 1 else None
    with Server(nginx, cpu=pin) as server:
        base = server.base_url
        peers: list[Peer] = []
        for name, make in PY_PEERS.items():
            if wanted is not None and name not in wanted:
                continue
            try:
                peers.append(Peer(name, ops=make(base)))
            except ImportError as e:
                peers.append(Peer(name, skipped=f"not installed ({e.name})"))
        for name in RUST_PEERS:
            if wanted is not None and name not in wanted:
                continue
            peers.append(Peer(name, binary=binary) if binary else
                         Peer(name, skipped="cargo could not build benchmarks/rust_peers.rs"))
        for peer in peers:  # each answers every route before anything is timed
            if peer.ops is not None:
                for route in ROUTES:
                    peer.ops[route]()
        log(f"nginx {server.version()} on {base}; peers: {', '.join(p.name for p in peers)}")
        if pin is not None:
            os.sched_setaffinity(0, {pin})
        results = run_rounds(peers, server.port, args.rounds, args.segment_ms, log)
        os.sched_setaffinity(0, set(cpus))

        log("threads")
        thread_lines = ["| peer | route | 1 thread calls/s | "
                        f"{args.threads} threads calls/s | × 1 thread |", "|---|---|---:|---:|---:|"]
        for name in ("talkover", "urllib3"):
            if name in PY_PEERS and any(p.name == name and p.skipped is None for p in peers):
                for route in ("list20", "create"):
                    one = statistics.median(threaded(PY_PEERS[name], base, route, 1, 1.0)
                                            for _ in range(3))
                    many = statistics.median(threaded(PY_PEERS[name], base, route, args.threads, 1.0)
                                             for _ in range(3))
                    thread_lines.append(f"| {name} | {route} | {one:,.0f} | {many:,.0f} | "
                                        f"{many / one:.2f} |")

        log("model access, import time, memory")
        have_sdk = any(p.name == "talkover" and p.skipped is None for p in peers)
        access = model_access(base, 50) if have_sdk else {}
        imports = import_time(15) if have_sdk else {}
        memory = subprocess.run([sys.executable, str(Path(__file__).parent / "memory.py"),
                                 "--base-url", base + "/pages", "--markdown"],
                                capture_output=True, text=True, check=False) if have_sdk else None
        counted = [] if args.quick else instructions(base, log) if have_sdk else []
        machine_lines = machine(server)
        sizes = server.sizes

    micro = [] if args.no_cargo_bench else cargo_bench(log)
    doc = [
        "# Performance",
        "",
        "Written by `make bench` (`benchmarks/bench.py`); numbers, never assertions. The machine is "
        "shared and noisy: compare ratios within one run, not absolute µs across runs. When other "
        "work keeps the cores busy, nginx waits to be scheduled on every request, which adds the "
        "same tens of µs to every peer, floors included, and pulls every ratio toward 1; the "
        "instruction counts below do not move with load.",
        "",
        "## Machine",
        "",
        *machine_lines,
        "",
        "## One client, sequential calls",
        "",
        f"nginx on 127.0.0.1 serves canned answers: `create` a made call ({sizes['create_call.json']} B), "
        f"`list20` a page of 20 calls ({sizes['calls_page20.json']:,} B), `list100` a page of 100 "
        f"({sizes['calls_page100.json']:,} B). Each peer parses the answer: the Python peers into "
        "Python objects (talkover into its models, the others with `.json()`), `rust-ureq` and "
        "`rust-sdk` into the SDK's Rust types, `rust-raw` not at all (the floor: std TcpStream, "
        "request prepared once). "
        f"{args.rounds} rounds, peer order rotating; medians over rounds; round spread is the "
        "median absolute deviation of the per-round medians. "
        + ("nginx and the client share one CPU here (`--no-pin` to let them spread): on a virtual "
           "machine a request handed to an idle vCPU pays tens of µs to wake it, on and off "
           "from run to run, which would swamp what is measured."
           if pin is not None else "nginx and the client run on any CPU."),
        "",
        *table(results, peers),
        "",
        "## Instructions per call",
        "",
        "Counted by valgrind (callgrind), in user space: the Python interpreter, the SDK, libc. "
        "Unlike the latencies above, machine load does not change them.",
        "",
        *(counted or ["not measured (`--quick`)"]),
        "",
        "## Threads, one client each",
        "",
        *thread_lines,
        "",
        "## Model access (talkover, 100-call page)",
        "",
        "| what | µs |",
        "|---|---:|",
        *[f"| {k} | {v:,.1f} |" for k, v in access.items()],
        "",
        "## Import",
        "",
        *[f"- {k}: {v:.1f}" for k, v in imports.items()],
        "",
        "## Memory: iterating 10,000 calls over 100 pages",
        "",
        *(memory.stdout.splitlines() if memory and memory.returncode == 0 else
          [f"not measured: {memory.stderr.strip()[-300:] if memory else 'talkover not installed'}"]),
        "",
        "## Rust micro-benchmarks (`cargo bench --bench decode`)",
        "",
        *(micro or ["not run (`--quick` or `--no-cargo-bench`)"]),
        "",
    ]
    text = "\n".join(doc)
    print(text)
    if args.write:
        Path(args.write).write_text(text)
        log(f"wrote {args.write}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
