"""The ``talkover`` console script: the command line built into the native module, the same
one the Rust ``talkover`` binary runs (``talkover --help``)."""

from __future__ import annotations

import sys

from talkover._native import _run_cli

__all__ = ["main"]


def main() -> int:
    """Runs ``talkover`` with ``sys.argv``; the exit status."""
    try:
        return _run_cli(sys.argv)
    except KeyboardInterrupt:
        # Ctrl-C between two blocking steps, which the native side did not see.
        return 130


if __name__ == "__main__":
    sys.exit(main())
