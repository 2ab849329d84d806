"""The bench server: nginx on 127.0.0.1 serving canned Talkover answers from files.

nginx (from Debian packages; installed with apt-get when missing and possible) is a real,
fast HTTP/1.1 server, so what the bench measures is the client. It runs in the foreground
as a child of this process, under a temporary prefix, and is stopped with it.

Routes (a request without ``Authorization: Bearer talq_...`` gets a 401):

- ``GET /api/v1/calls?per_page=100`` the 100-call page (38 KB), any other ``per_page`` the
  20-call page (7.7 KB);
- ``POST /api/v1/agents/{id}/call`` the created call (146 B);
- ``GET /pages/api/v1/calls?page=N`` page N (1 when not given) of 100 pages of 100 calls (for the memory run,
  with ``base_url`` ending in ``/pages``).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

AGENT_ID = "agent_123456"
TOKEN = "talq_bench"
AGENTS = [
    {"id": "agent-uuid-1", "name": "Sales Agent", "label": "Sales Agent Label"},
    {"id": "agent-uuid-2", "name": "Support Agent", "label": "Support Agent Label"},
    {"id": "agent-uuid-3", "name": "Callback Agent", "label": "Callback Agent Label"},
]
STATUSES = ["completed", "answered", "failed", "busy", "no-answer", "ringing", "initiated"]
MEMORY_PAGES = 100


def _us(digits: str) -> str:
    return f"({digits[0:3]}) {digits[3:6]}-{digits[6:10]}"


def call(i: int) -> dict[str, Any]:
    """Call ``i``; the first is the documented example, the others vary every field."""
    if i == 1:
        return {
            "id": "call-uuid-1", "sid": "call_sid_123", "to": "+1234567890",
            "to_formatted": "(123) 456-7890", "from": "+0987654321",
            "from_formatted": "(098) 765-4321", "is_testing": False, "direction": "outbound",
            "status": "completed", "duration": 120, "agent": dict(AGENTS[0]),
            "created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-01-01T00:00:00Z",
        }
    to = f"{(1234567890 + i * 7654321) % 10_000_000_000:010d}"
    from_ = f"{(987654321 + i * 1234567) % 10_000_000_000:010d}"
    hours, minutes = divmod(i * 7 % 1440, 60)
    return {
        "id": f"call-uuid-{i}", "sid": f"call_sid_{100 + i * 3}", "to": "+" + to,
        "to_formatted": _us(to), "from": "+" + from_, "from_formatted": _us(from_),
        "is_testing": i % 11 == 0, "direction": "outbound" if i % 2 else "inbound",
        "status": STATUSES[i % len(STATUSES)], "duration": 30 + (i * 37) % 600,
        "agent": dict(AGENTS[i % len(AGENTS)]),
        "created_at": f"2024-01-01T{hours:02d}:{minutes:02d}:00Z",
        "updated_at": f"2024-01-01T{hours:02d}:{minutes:02d}:30Z",
    }


def page(per_page: int, number: int = 1, total: int = 100) -> dict[str, Any]:
    first = (number - 1) * per_page + 1
    return {
        "success": True,
        "data": [call(i) for i in range(first, first + per_page)],
        "pagination": {
            "current_page": number, "last_page": -(-total // per_page), "per_page": per_page,
            "total": total, "from": first, "to": first + per_page - 1,
        },
    }


CREATED = {
    "success": True,
    "data": {
        "id": "call_789012", "agent_id": AGENT_ID, "to": "+1234567890",
        "status": "initiated", "created_at": "2024-01-15T10:30:00Z",
    },
}


def _dump(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def write_data(folder: Path) -> dict[str, int]:
    """Writes every body; returns the size of each main one."""
    (folder / "pages").mkdir(parents=True, exist_ok=True)
    bodies = {
        "calls_page20.json": _dump(page(20)),
        "calls_page100.json": _dump(page(100)),
        "create_call.json": _dump(CREATED),
    }
    for name, text in bodies.items():
        (folder / name).write_text(text)
    total = MEMORY_PAGES * 100
    for number in range(1, MEMORY_PAGES + 1):
        (folder / "pages" / f"{number}.json").write_text(_dump(page(100, number, total)))
    return {name: len(text) for name, text in bodies.items()}


CONFIG = """
worker_processes 1;
{affinity}
daemon off;
master_process on;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    server_tokens off;
    sendfile on;
    tcp_nodelay on;
    keepalive_timeout 300s;
    keepalive_requests 100000000;
    etag off;
    if_modified_since off;
    open_file_cache max=256 inactive=600s;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    types {{ }}
    default_type application/json;
    map $arg_per_page $calls_file {{ "100" calls_page100.json; default calls_page20.json; }}
    map $http_authorization $auth_ok {{ "~^Bearer talq_" 1; default 0; }}
    map $arg_page $page_file {{ "~^([0-9]+)$" $1.json; default 1.json; }}
    server {{
        listen 127.0.0.1:{port};
        location = /api/v1/calls {{
            if ($auth_ok = 0) {{ return 401 '{{"message":"Missing Bearer Token"}}'; }}
            alias {data}/$calls_file;
        }}
        location ~ ^/api/v1/agents/[^/]+/call$ {{
            if ($auth_ok = 0) {{ return 401 '{{"message":"Missing Bearer Token"}}'; }}
            return 200 '{created}';
        }}
        location = /pages/api/v1/calls {{
            if ($auth_ok = 0) {{ return 401 '{{"message":"Missing Bearer Token"}}'; }}
            alias {data}/pages/$page_file;
        }}
        location / {{ return 404 '{{"success":false,"message":"Not found"}}'; }}
    }}
}}
"""


def find_nginx() -> str | None:
    """The nginx binary, installing Debian's package if it is missing and we may."""
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
    if found or os.geteuid() != 0 or not shutil.which("apt-get"):
        return found
    print("bench: installing nginx (apt-get install nginx-light or nginx)", flush=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], env=env, check=False, stdout=subprocess.DEVNULL)
    for package in ("nginx-light", "nginx"):
        done = subprocess.run(["apt-get", "install", "-y", "-qq", package], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        if done.returncode == 0:
            break
    return shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Server:
    """nginx with the bench data, for a ``with`` block."""

    def __init__(self, nginx: str, port: int = 0, cpu: int | None = None) -> None:
        """``cpu``: pin nginx's worker to that CPU (see bench.py for why)."""
        self.nginx = nginx
        self.cpu = cpu
        self.port = port or free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._dir = tempfile.TemporaryDirectory(prefix="talkover-bench-")
        self.prefix = Path(self._dir.name)
        self.prefix.chmod(0o755)  # nginx's worker runs as an unprivileged user when we are root
        self.sizes = write_data(self.prefix / "data")
        self._process: subprocess.Popen[bytes] | None = None

    def version(self) -> str:
        done = subprocess.run([self.nginx, "-v"], capture_output=True, text=True, check=False)
        return (done.stderr or done.stdout).strip().replace("nginx version: ", "")

    def __enter__(self) -> Server:
        created = (self.prefix / "data" / "create_call.json").read_text()
        affinity = "" if self.cpu is None else f"worker_cpu_affinity {1 << self.cpu:b};"
        config = CONFIG.format(prefix=self.prefix, port=self.port, data=self.prefix / "data",
                               created=created, affinity=affinity)
        (self.prefix / "nginx.conf").write_text(config)
        self._process = subprocess.Popen(
            [self.nginx, "-p", str(self.prefix), "-c", str(self.prefix / "nginx.conf")],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                err = self._process.stderr.read().decode() if self._process.stderr else ""
                raise RuntimeError(f"nginx did not start: {err.strip()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("nginx did not start listening within 10 s")

    def __exit__(self, *exc: object) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._dir.cleanup()
