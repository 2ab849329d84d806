"""Client construction: token and base URL from arguments or the environment, the errors a
bad configuration raises (from the constructor), and headers sent on every request."""

from __future__ import annotations

import pytest

import talkover
from documented import ASSISTANT_200, ASSISTANTS_PATH, HEALTH_PATH, LIST_CALLS_200, LIST_CALLS_PATH
from support import TOKEN, TT_TOKEN, RecordingServer, closed_port


def test_token_and_base_url_from_the_environment(server: RecordingServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TALKOVER_TOKEN", "talq_from_env")
    monkeypatch.setenv("TALKOVER_BASE_URL", server.url)
    server.respond("GET", HEALTH_PATH, json={"ok": True})

    client = talkover.Talkover()

    assert client.health.check() == {"ok": True}
    assert server.last.headers["Authorization"] == "Bearer talq_from_env"


def test_arguments_win_over_the_environment(server: RecordingServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TALKOVER_TOKEN", "talq_from_env")
    monkeypatch.setenv("TALKOVER_BASE_URL", f"http://127.0.0.1:{closed_port()}")
    server.respond("GET", HEALTH_PATH, json={"ok": True})

    client = talkover.Talkover(token="talq_argument", base_url=server.url)

    client.health.check()
    assert server.last.headers["Authorization"] == "Bearer talq_argument"


def test_talkturo_from_the_environment(server: RecordingServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TALKTURO_TOKEN", "tt_from_env")
    monkeypatch.setenv("TALKTURO_BASE_URL", server.url + "/acme")
    server.respond("POST", "/acme" + ASSISTANTS_PATH, json=ASSISTANT_200)

    tt = talkover.Talkturo()

    tt.assistants.create(account_slug="my-team", name="Support Agent")
    assert server.last.headers["Authorization"] == "Bearer tt_from_env"


def test_the_talkover_token_is_not_used_by_talkturo(server: RecordingServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TALKOVER_TOKEN", "talq_from_env")

    with pytest.raises(talkover.ConfigurationError) as caught:
        talkover.Talkturo(base_url=server.url)

    assert "TALKTURO_TOKEN" in str(caught.value)


def test_talkover_defaults_to_the_spec_server() -> None:
    client = talkover.Talkover(TOKEN)

    assert client.base_url == "https://app.talkover.ai"


@pytest.mark.parametrize("token", [None, "", "   "])
def test_missing_token_names_the_variable(token: str | None, monkeypatch: pytest.MonkeyPatch) -> None:
    if token is not None:
        monkeypatch.setenv("TALKOVER_TOKEN", token)

    with pytest.raises(talkover.ConfigurationError) as caught:
        talkover.Talkover(base_url="http://127.0.0.1:1")

    assert "TALKOVER_TOKEN" in str(caught.value)
    assert isinstance(caught.value, talkover.TalkoverError)


def test_empty_token_argument_is_refused() -> None:
    with pytest.raises(talkover.ConfigurationError):
        talkover.Talkover("", base_url="http://127.0.0.1:1")


def test_missing_talkturo_token_names_the_variable() -> None:
    with pytest.raises(talkover.ConfigurationError) as caught:
        talkover.Talkturo(base_url="https://acme.example")

    assert "TALKTURO_TOKEN" in str(caught.value)


def test_talkturo_has_no_default_host() -> None:
    with pytest.raises(talkover.ConfigurationError) as caught:
        talkover.Talkturo(TT_TOKEN)

    assert "TALKTURO_BASE_URL" in str(caught.value)


@pytest.mark.parametrize(
    "base_url",
    [
        "ftp://x",
        "localhost:1",
        "127.0.0.1:4010",
        "http://",
        "https:///path",
        "not a url",
        "",
        "http://host/?q=1",
        # A port that does not parse once sent the token to port 80.
        "http://127.0.0.1:abc",
        "http://127.0.0.1:99999",
        "http://127.0.0.1:65616",
        "http://127.0.0.1:0",
        "http://127.0.0.1:",
        "http://[::1",
        "http://[::1]x",
        "http://[zz::1]:80",
        "http://:80",
        "http://exa mple.com",
        "http://exa<mple>.com",
        "http://exa%41mple.com",
        "http://a..b",
        "http://::1:80",
        "http://host/pa th",
    ],
)
def test_bad_base_url(base_url: str) -> None:
    with pytest.raises(talkover.ConfigurationError):
        talkover.Talkover(TOKEN, base_url=base_url)
    with pytest.raises(talkover.ConfigurationError):
        talkover.Talkturo(TT_TOKEN, base_url=base_url)


@pytest.mark.parametrize(
    "base_url",
    ["http://[::1]:8080", "http://[::1]", "https://api.example.com/prefix", "http://my_host.internal:65535/"],
)
def test_good_base_urls(base_url: str) -> None:
    assert talkover.Talkover(TOKEN, base_url=base_url).base_url == base_url.rstrip("/")


@pytest.mark.parametrize("base_url", ["http://user:hunter2secret@127.0.0.1:1", "https://:hunter2secret@api.example.com/p"])
def test_credentials_in_the_base_url_are_refused_without_repeating_them(base_url: str) -> None:
    with pytest.raises(talkover.ConfigurationError) as caught:
        talkover.Talkover(TOKEN, base_url=base_url)

    assert "hunter2secret" not in str(caught.value)
    assert "user:pass@" in str(caught.value)


def test_bad_base_url_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TALKOVER_BASE_URL", "ftp://x")

    with pytest.raises(talkover.ConfigurationError):
        talkover.Talkover(TOKEN)


@pytest.mark.parametrize("timeout", [0, 0.0, -1, -0.5, float("nan")])
def test_bad_timeout(timeout: float) -> None:
    with pytest.raises(talkover.ConfigurationError):
        talkover.Talkover(TOKEN, base_url="http://127.0.0.1:1", timeout=timeout)


def test_a_positive_timeout_is_accepted(server: RecordingServer) -> None:
    server.respond("GET", HEALTH_PATH, json={"ok": True})

    client = talkover.Talkover(TOKEN, base_url=server.url, timeout=30.0)

    assert client.health.check() == {"ok": True}


def test_default_headers_are_sent_on_every_request(server: RecordingServer) -> None:
    server.respond("GET", HEALTH_PATH, json={"ok": True})
    server.respond("GET", LIST_CALLS_PATH, json=LIST_CALLS_200)
    server.respond("GET", HEALTH_PATH, json={"ok": True})
    client = talkover.Talkover(
        TOKEN, base_url=server.url, default_headers={"X-Team": "sales", "X-Trace-Id": "trace-1"}
    )

    client.health.check()
    client.calls.list()
    client.health.check()

    assert len(server.requests) == 3
    for request in server.requests:
        assert request.headers["X-Team"] == "sales"
        assert request.headers["X-Trace-Id"] == "trace-1"
        assert request.headers["Authorization"] == f"Bearer {TOKEN}"


def test_talkturo_default_headers(server: RecordingServer) -> None:
    server.respond("GET", ASSISTANTS_PATH + "/a", json=ASSISTANT_200)
    tt = talkover.Talkturo(TT_TOKEN, base_url=server.url, default_headers={"X-Team": "sales"})

    tt.assistants.retrieve("a")

    assert server.last.headers["X-Team"] == "sales"


@pytest.mark.parametrize(
    "headers",
    [
        {"Bad Header": "x"},
        {"": "x"},
        {"X-Ok:": "x"},
        {"X-Ok": "line\r\nX-Injected: 1"},
        {"X-Ok": "a\nb"},
        {"X-Ok": "a\x01b"},
        {"X-Ok": "a\x7fb"},
        {"X-Ok": "a\x00b"},
    ],
)
def test_unusable_default_headers(headers: dict[str, str]) -> None:
    with pytest.raises(talkover.ConfigurationError):
        talkover.Talkover(TOKEN, base_url="http://127.0.0.1:1", default_headers=headers)


@pytest.mark.parametrize(
    "name", ["Host", "Content-Length", "content-length", "Transfer-Encoding", "Connection", "TE", "Trailer", "Upgrade"]
)
def test_framing_headers_cannot_be_default_headers(name: str) -> None:
    """`Content-Length: 0` silently dropped a POST body; `Content-Length: 5` hung a GET."""
    with pytest.raises(talkover.ConfigurationError) as caught:
        talkover.Talkover(TOKEN, base_url="http://127.0.0.1:1", default_headers={name: "5"})

    assert name in str(caught.value)


def test_a_control_byte_in_a_header_is_named_as_such() -> None:
    with pytest.raises(talkover.ConfigurationError) as caught:
        talkover.Talkover(TOKEN, base_url="http://127.0.0.1:1", default_headers={"X-Ok": "a\x00b"})

    assert "line break" not in str(caught.value)
    assert "NUL" in str(caught.value)


def test_a_token_that_would_break_the_header_is_refused() -> None:
    with pytest.raises(talkover.ConfigurationError):
        talkover.Talkover("talq_abc\r\nX-Injected: 1", base_url="http://127.0.0.1:1")
