#!/usr/bin/env bash
# Runs the Python suite on the oldest (3.9) and the newest (3.13) supported interpreter, and
# mypy at 3.9 on the package, the tests and the examples. The package is the one `make develop`
# built (an abi3 module, so one build serves every interpreter), put on each venv's path with
# its metadata and console script, as maturin's editable install does. Interpreters come from
# PYTHON_OLDEST and PYTHON_NEWEST, else pyenv's 3.9.x and 3.13.x; a missing one is reported,
# not passed silently.
set -euo pipefail
cd "$(dirname "$0")/.."

find_python() {
    local version="$1"
    ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/"$version".*/bin/python3 2>/dev/null | sort -V | tail -n 1 || true
    command -v "python$version" 2>/dev/null || true
}

run_for() {
    local label="$1" python="$2"
    if [ -z "$python" ] || ! "$python" -c "" 2>/dev/null; then
        echo "test-interpreters: no $label Python found (set PYTHON_${label^^}); NOT tested on it" >&2
        return 0
    fi
    local version venv
    version="$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
    venv=".venv-$version"
    if [ ! -f "$venv/.installed" ] || [ requirements-interpreters.txt -nt "$venv/.installed" ]; then
        rm -rf "$venv"
        "$python" -m venv "$venv"
        "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r requirements-interpreters.txt
        touch "$venv/.installed"
    fi
    local site_packages
    site_packages="$("$venv/bin/python" -c 'import site; print(site.getsitepackages()[0])')"
    echo "$PWD/python" > "$site_packages/talkover.pth"
    rm -rf "$site_packages"/talkover-*.dist-info
    cp -r .venv/lib/python3*/site-packages/talkover-*.dist-info "$site_packages/"
    # The console scripts the metadata names (`talkover`), written as pip writes them.
    "$venv/bin/python" - "$site_packages" <<'PY'
import configparser, glob, os, sys
entry_points = configparser.ConfigParser()
entry_points.read(glob.glob(os.path.join(sys.argv[1], "talkover-*.dist-info", "entry_points.txt")))
scripts = entry_points["console_scripts"] if entry_points.has_section("console_scripts") else {}
for name, target in scripts.items():
    module, function = target.split(":")
    path = os.path.join(os.path.dirname(sys.executable), name)
    with open(path, "w") as script:
        script.write(f"#!{sys.executable}\nimport sys\nfrom {module} import {function}\nsys.exit({function}())\n")
    os.chmod(path, 0o755)
PY
    echo "== Python $version: pytest"
    NO_PROXY=127.0.0.1,localhost "$venv/bin/python" -m pytest -q -p no:cacheprovider \
        --ignore tests/python/test_conformance.py
    if [ "$label" = oldest ]; then
        echo "== Python $version: mypy --python-version $version"
        "$venv/bin/python" -m mypy --python-version "$version" --exclude test_conformance \
            python/talkover tests/python examples benchmarks
    fi
}

run_for oldest "${PYTHON_OLDEST:-$(find_python 3.9 | head -n 1)}"
run_for newest "${PYTHON_NEWEST:-$(find_python 3.13 | head -n 1)}"
