"""The generator's index of every operation (``operations.json``): the API, Python call,
HTTP route, retry class and arguments of each, as the generator derived them from the specs.

``make generated`` writes it to ``target/generated``; when that copy is missing or older than
a spec or the generator's sources, the generator is run into a temporary folder instead, so
a bare ``pytest`` reads the index of the specs as they are now.
"""

from __future__ import annotations

import functools
import json
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
INDEX = ROOT / "target" / "generated" / "operations.json"


def specs() -> list[Path]:
    """Every spec, in the order `make generated` passes them to the generator."""
    spec = ROOT / "spec"
    return sorted(spec.glob("*.yaml")) + sorted(spec.glob("*.yml"))


def _inputs() -> list[Path]:
    """What the index is generated from: the specs and the generator itself."""
    codegen = ROOT / "codegen"
    return [*specs(), *codegen.glob("src/**/*.rs"), codegen / "Cargo.toml"]


def is_fresh(index: Path) -> bool:
    """Whether `index` exists and is newer than every spec and generator source."""
    if not index.exists():
        return False
    written = index.stat().st_mtime
    return all(source.stat().st_mtime <= written for source in _inputs())


def _generate() -> Path:
    cargo = shutil.which("cargo")
    if cargo is None:
        raise RuntimeError(f"{INDEX} is missing or stale and cargo is not on PATH: run `make generated`")
    out = Path(tempfile.mkdtemp(prefix="talkover-generated-"))
    command = [cargo, "run", "--quiet", "-p", "talkover-codegen", "--", *map(str, specs()), str(out)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"the generator failed ({' '.join(command)}):\n{done.stderr}")
    return out / "operations.json"


@functools.lru_cache(maxsize=None)
def operations() -> list[dict[str, Any]]:
    """Every operation of every API; generated once per test session when need be."""
    index = INDEX if is_fresh(INDEX) else _generate()
    entries: list[dict[str, Any]] = json.loads(index.read_text())
    return entries
