"""`import talkover` stays light: the version is compiled in, and nothing slow to import
(importlib.metadata, typing) is loaded until something asks for it."""

from __future__ import annotations

import subprocess
import sys
from importlib import metadata

import talkover


def test_version_is_the_installed_version() -> None:
    assert talkover.__version__ == metadata.version("talkover")


def test_import_loads_neither_importlib_metadata_nor_typing() -> None:
    script = (
        "import sys\n"
        "before = set(sys.modules)\n"
        "import talkover\n"
        "print(sorted({'importlib.metadata', 'typing'} & (set(sys.modules) - before)))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd="/")
    assert out.stdout.strip() == "[]"
