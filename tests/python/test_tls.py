"""TLS trust: the client trusts what the machine trusts (SSL_CERT_FILE/SSL_CERT_DIR and the
system store) and a CA bundle given to it, checked against a local HTTPS server whose CA the
test makes; a server signed by an unknown CA is refused."""

from __future__ import annotations

import os
import ssl
import subprocess
from pathlib import Path
from typing import Iterator

import pytest
import trustme

import talkover
from support import MAX_WAIT, TOKEN, RecordingServer, start_server

HEALTH = "/api/v1/health"


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def https_server(ca: trustme.CA) -> Iterator[RecordingServer]:
    """The recording server, behind TLS with a certificate for 127.0.0.1 and localhost."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    handle, stop = start_server(tls=context)
    try:
        yield handle
    finally:
        stop()


@pytest.fixture
def ca_file(ca: trustme.CA, tmp_path: Path) -> Path:
    path = tmp_path / "private-ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return path


def test_an_unknown_ca_is_refused(https_server: RecordingServer) -> None:
    client = talkover.Talkover(TOKEN, base_url=https_server.url, timeout=MAX_WAIT)

    with pytest.raises(talkover.APIConnectionError) as caught:
        client.health.check()

    assert "UnknownIssuer" in str(caught.value) or "certificate" in str(caught.value).lower()
    assert https_server.requests == []


def test_a_ca_bundle_is_trusted(https_server: RecordingServer, ca_file: Path) -> None:
    https_server.respond("GET", HEALTH, json={"ok": True})

    for path in (ca_file, str(ca_file)):
        client = talkover.Talkover(TOKEN, base_url=https_server.url, ca_bundle=path, timeout=MAX_WAIT)
        https_server.respond("GET", HEALTH, json={"ok": True})
        assert client.health.check() == {"ok": True}


def test_ssl_cert_file_is_honoured(
    https_server: RecordingServer, ca_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    https_server.respond("GET", HEALTH, json={"ok": True})
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))

    client = talkover.Talkover(TOKEN, base_url=https_server.url, timeout=MAX_WAIT)

    assert client.health.check() == {"ok": True}


def test_ssl_cert_dir_is_honoured(
    https_server: RecordingServer, ca_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = tmp_path / "certs"
    directory.mkdir()
    (directory / "private-ca.pem").write_bytes(ca_file.read_bytes())
    # OpenSSL-style directories are indexed by subject hash, as c_rehash would name them.
    subject_hash = subprocess.run(
        ["openssl", "x509", "-hash", "-noout", "-in", str(ca_file)], capture_output=True, text=True, check=False
    ).stdout.strip()
    if subject_hash:
        os.symlink(directory / "private-ca.pem", directory / f"{subject_hash}.0")
    https_server.respond("GET", HEALTH, json={"ok": True})
    monkeypatch.setenv("SSL_CERT_DIR", str(directory))

    client = talkover.Talkover(TOKEN, base_url=https_server.url, timeout=MAX_WAIT)

    assert client.health.check() == {"ok": True}


@pytest.mark.parametrize("content", [None, b"not a certificate", b""])
def test_an_unusable_ca_bundle_is_a_configuration_error(tmp_path: Path, content: bytes | None) -> None:
    path = tmp_path / "bundle.pem"
    if content is not None:
        path.write_bytes(content)

    with pytest.raises(talkover.ConfigurationError) as caught:
        talkover.Talkover(TOKEN, base_url="https://localhost:1", ca_bundle=path)

    assert "ca_bundle" in str(caught.value)


def test_a_ca_bundle_for_talkturo(https_server: RecordingServer, ca_file: Path) -> None:
    https_server.respond("GET", "/api/assistants/a1", json={"assistant": {"id": "a1"}})

    tt = talkover.Talkturo("tt_token", base_url=https_server.url, ca_bundle=ca_file, timeout=MAX_WAIT)

    assert tt.assistants.retrieve("a1").id == "a1"

