"""The ``talkover`` console script the package installs, run as a real process against the
bundled mock: output forms, what the mock received, exit statuses, and Ctrl-C ending a
blocked request and ``talkover mock``."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from support import ENV_VARS, closed_port, default_sigint, mock_server_process
from talkover.testing import MockServer

SCRIPT = Path(sys.executable).with_name("talkover")


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ENV_VARS}
    env["NO_PROXY"] = "127.0.0.1,localhost"
    env.update(extra)
    return env


def talkover(mock: MockServer | None, *args: str) -> subprocess.CompletedProcess[str]:
    """Runs the console script, token and host of `mock` in its environment."""
    extra = {}
    if mock is not None:
        extra = {
            "TALKOVER_TOKEN": mock.token,
            "TALKOVER_BASE_URL": mock.url,
            "TALKTURO_TOKEN": mock.token,
            "TALKTURO_BASE_URL": mock.url,
        }
    return subprocess.run(
        [str(SCRIPT), *args], capture_output=True, text=True, env=_env(**extra), timeout=60
    )


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert (result.returncode, result.stderr) == (0, ""), result
    return result.stdout


def json_lines(text: str) -> list[Any]:
    return [json.loads(line) for line in text.splitlines()]


def test_the_package_installs_the_script() -> None:
    assert SCRIPT.exists(), SCRIPT
    shown = ok(talkover(None, "--help"))
    assert "talkturo" in shown and "calls" in shown and "mock" in shown


def test_lists_are_json_lines_when_piped(mock: MockServer) -> None:
    for args in (["calls", "list"], ["calls", "list", "--json"]):
        items = json_lines(ok(talkover(mock, *args)))
        assert [i["id"] for i in items] == ["call-uuid-2", "call-uuid-1"], args


def test_create_as_table_sends_what_the_client_would(mock: MockServer) -> None:
    out = ok(
        talkover(
            mock, "calls", "create", "agent_123456", "--to", "+14155550100",
            "--payload", '{"name": "Ada"}', "--is-testing", "--table",
        )
    )
    lines = dict(line.split(None, 1) for line in out.splitlines())
    assert lines["to"] == "+14155550100"
    assert lines["is_testing"] == "true"
    [sent] = mock.requests()
    assert sent.body == {"to": "+14155550100", "payload": {"name": "Ada"}, "is_testing": True}
    assert lines["id"] == sent.response["data"]["id"]


def test_talkturo_and_every_page(mock: MockServer) -> None:
    created = json.loads(
        ok(talkover(mock, "talkturo", "assistants", "create", "--account-slug", "my-team", "--name", "Support"))
    )
    assert created["name"] == "Support"
    items = json_lines(ok(talkover(mock, "calls", "list", "--per-page", "1", "--all-pages")))
    assert [i["id"] for i in items] == ["call-uuid-2", "call-uuid-1"]
    assert [r.query.get("page") for r in mock.requests()[1:]] == [None, ["2"]]


def test_exit_statuses(mock: MockServer) -> None:
    missing = talkover(mock, "agents", "retrieve", "no-such-agent")
    assert missing.returncode == 1 and missing.stdout == ""
    assert missing.stderr.startswith("error: HTTP 404"), missing.stderr

    invalid = talkover(mock, "calls", "create", "agent_123456", "--to", "1234")
    assert invalid.returncode == 2
    assert invalid.stderr.startswith("error: invalid value for --to"), invalid.stderr

    usage = talkover(mock, "calls", "create", "agent_123456", "--to", "+14155550100", "--payload", "{x")
    assert usage.returncode == 2 and "not valid JSON" in usage.stderr, usage.stderr
    assert mock.requests()[-1].path == "/api/v1/agents/no-such-agent"  # nothing sent since

    refused = talkover(
        None, "health", "check", "--token", "talq_x123456", "--base-url", f"http://127.0.0.1:{closed_port()}"
    )
    assert refused.returncode == 1
    assert refused.stderr.startswith("error: connection error"), refused.stderr


def test_ctrl_c_ends_a_blocked_request_with_130() -> None:
    # A server that accepts the connection and never answers: the request blocks in Rust.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.settimeout(30)
        url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        process = subprocess.Popen(
            [str(SCRIPT), "health", "check", "--token", "talq_x123456", "--base-url", url],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_env(),
            preexec_fn=default_sigint,
        )
        watchdog = threading.Timer(60, process.kill)
        watchdog.start()
        try:
            connection, _ = listener.accept()
            with connection:
                connection.recv(65536)  # the request has been sent: the client now waits
                process.send_signal(signal.SIGINT)
                _, stderr = process.communicate()
        finally:
            watchdog.cancel()
            if process.poll() is None:
                process.kill()
                process.wait()
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr, stderr


def test_talkover_mock_serves_until_ctrl_c() -> None:
    with mock_server_process([str(SCRIPT), "mock"], env=_env()) as (process, url, token):
        listed = ok(talkover(None, "calls", "list", "--json", "--token", token, "--base-url", url))
        assert [i["id"] for i in json_lines(listed)] == ["call-uuid-2", "call-uuid-1"]
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
