#!/usr/bin/env bash
# Installs the built wheel into fresh virtual environments of the oldest and the newest Python
# found (pyenv's 3.9 and 3.13 where present), with no cargo or rustc on PATH, and runs a round
# trip against the bundled mock from each, through the client and through the `talkover`
# console script the wheel installs.
set -euo pipefail
cd "$(dirname "$0")/.."
wheel="$(ls dist/talkover-*.whl | head -n 1)"
candidates=()
for version in 3.9 3.13; do
    found="$(ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$version".*/bin/python3 2>/dev/null | head -n 1 || true)"
    [ -n "$found" ] && candidates+=("$found")
done
[ ${#candidates[@]} -gt 0 ] || candidates=("$(command -v python3)")
# A PATH with the interpreter's folder and the system's, but no Rust toolchain.
clean_path="/usr/local/bin:/usr/bin:/bin"
for python in "${candidates[@]}"; do
    venv="$(mktemp -d)/venv"
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$wheel"
    PATH="$venv/bin:$clean_path" NO_PROXY=127.0.0.1,localhost "$venv/bin/python" - <<'PY'
import shutil, sys
import talkover
from talkover.testing import MockServer

assert shutil.which("cargo") is None and shutil.which("rustc") is None, "a Rust toolchain is on PATH"
with MockServer() as mock:
    client = mock.client(talkover.Talkover)
    call = client.calls.create("agent_123456", to="+15550001111", is_testing=True)
    raw = client.calls.with_raw_response.list(status="initiated")
    assert raw.parse().data[0].id == call.id
    assert talkover.__version__
    # The console script: the same command line as the Rust binary, run by the native module.
    import json, os, subprocess
    script = shutil.which("talkover")
    assert script is not None and script.startswith(sys.prefix), script
    shown = subprocess.run([script, "--help"], capture_output=True, text=True, check=True)
    assert "talkturo" in shown.stdout, shown.stdout
    env = dict(os.environ, TALKOVER_TOKEN=mock.token)
    listed = subprocess.run([script, "calls", "list", "--base-url", mock.url, "--json"],
                            capture_output=True, text=True, check=True, env=env)
    assert call.id in [json.loads(line)["id"] for line in listed.stdout.splitlines()], listed
print(f"python {sys.version.split()[0]}: wheel OK (talkover {talkover.__version__}, call {call.id})")
PY
    rm -rf "$(dirname "$venv")"
done
