"""A tiny stand-in for the Talkover and Talkturo APIs on 127.0.0.1, so the quickstart runs
without an account and without placing real calls. It answers the documented shapes with a
little state: calls you place show up in the call list.

Start it alone with ``python examples/local_server.py`` (prints the URL), or in-process with
:func:`start`.
"""

from __future__ import annotations

import json
import threading
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

TOKEN = "talq_local_demo_token"
AGENTS = {"agent_123456"}


def _seed_calls() -> list[dict[str, Any]]:
    calls = []
    for n in range(1, 26):
        calls.append(
            {
                "id": f"call-uuid-{n}",
                "sid": f"call_sid_{n:03d}",
                "to": f"+1555000{n:04d}",
                "from": "+15550009999",
                "is_testing": False,
                "direction": "outbound" if n % 3 else "inbound",
                "status": "completed" if n % 4 else "no-answer",
                "duration": 30 + n,
                "agent": {"id": "agent_123456", "name": "Sales Agent", "label": "Sales Agent Label"},
                "created_at": f"2024-01-{n:02d}T10:00:00Z",
                "updated_at": f"2024-01-{n:02d}T10:05:00Z",
            }
        )
    return calls


class _State:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.calls = _seed_calls()
        self.actions: dict[str, dict[str, Any]] = {}
        self.assistants: dict[str, dict[str, Any]] = {}


class _Handler(BaseHTTPRequestHandler):
    state: _State

    def log_message(self, format: str, *args: Any) -> None:  # keep the demo output readable
        pass

    def _send(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(length) or b"{}")

    def _authorized(self) -> bool:
        if self.headers.get("Authorization", "").startswith("Bearer "):
            return True
        self._send(401, {"error": "UNAUTHORIZED", "message": "Invalid or missing authentication token", "status_code": 401})
        return False

    def do_GET(self) -> None:
        if not self._authorized():
            return
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        if url.path == "/api/v1/health":
            self._send(200, {"status": "ok"})
        elif url.path == "/api/v1/calls":
            with self.state.lock:
                calls = [c for c in self.state.calls if all(c.get(k) == query[k] for k in ("status", "direction") if k in query)]
            per_page, page = int(query.get("per_page", 20)), int(query.get("page", 1))
            chunk = calls[(page - 1) * per_page : page * per_page]
            last = max(1, -(-len(calls) // per_page))
            first = (page - 1) * per_page + 1
            self._send(200, {"success": True, "data": chunk, "pagination": {
                "current_page": page, "last_page": last, "per_page": per_page, "total": len(calls),
                "from": first if chunk else None, "to": first + len(chunk) - 1 if chunk else None}})
        elif url.path.startswith("/api/assistants/"):
            assistant = self.state.assistants.get(url.path.rsplit("/", 1)[-1])
            if assistant is None:
                self._send(404, {"error": "Assistant not found"})
            else:
                self._send(200, {"success": True, "assistant": assistant})
        else:
            self._send(404, {"success": False, "message": "Not found"})

    def do_POST(self) -> None:
        if not self._authorized():
            return
        parts = urlsplit(self.path).path.strip("/").split("/")
        body = self._body()
        now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        if parts[:3] == ["api", "v1", "agents"] and len(parts) == 5 and parts[3] not in AGENTS:
            self._send(404, {"error": {"code": "AGENT_NOT_FOUND", "message": "Voice agent not found", "details": {"agent_id": parts[3]}}})
        elif parts[:3] == ["api", "v1", "agents"] and parts[4:] == ["call"]:
            with self.state.lock:
                call = {"id": f"call_{len(self.state.calls) + 1:06d}", "agent_id": parts[3], "to": body["to"],
                        "status": "initiated", "direction": "outbound", "is_testing": body.get("is_testing", False),
                        "created_at": now}
                self.state.calls.insert(0, call)
            self._send(200, {"success": True, "data": {k: call[k] for k in ("id", "agent_id", "to", "status", "created_at")}})
        elif parts[:3] == ["api", "v1", "agents"] and parts[4:] == ["actions"]:
            with self.state.lock:
                action = self.state.actions.setdefault(body["node_id"], {"id": f"action-uuid-{len(self.state.actions) + 1}", "created_at": now})
                action.update({"name": body["name"], "label": body["name"], "description": body["description"],
                               "type": body["type"], "input_schema": body.get("inputs", []), "config": None,
                               "action_trigger": None, "url": body.get("url"), "authorization_url": body.get("authorization_url"),
                               "current_status": body.get("current_status", "active"), "updated_at": now})
            self._send(200, {"success": True, "message": "Agent action updated successfully", "data": action})
        elif parts == ["api", "assistants"]:
            with self.state.lock:
                assistant = {"id": f"asst_{len(self.state.assistants) + 1:04d}", "account_id": f"acct_{body['accountSlug']}",
                             "name": body["name"], "type": body.get("templateId", "custom"), "model": "gpt-4o-mini", "provider": "openai"}
                self.state.assistants[assistant["id"]] = assistant
            self._send(200, {"success": True, "assistant": assistant})
        else:
            self._send(404, {"success": False, "message": "Not found"})


def start() -> tuple[str, ThreadingHTTPServer]:
    """Starts the server on a free port in a background thread; returns its URL and the server."""
    handler = type("Handler", (_Handler,), {"state": _State()})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}", server


if __name__ == "__main__":
    url, server = start()
    print(f"Talkover stand-in at {url} (token: {TOKEN}); Ctrl-C stops it.")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.shutdown()
