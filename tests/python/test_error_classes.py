"""How the native module finds the exception classes of ``talkover.errors``: once, on the first
error raised; and when that lookup fails (the module half torn down at interpreter exit),
the caller still gets their own error's text, never the lookup's failure in its place.

Each test runs in a fresh interpreter, since the classes are kept for the process's life."""

from __future__ import annotations

import subprocess
import sys

# A call refused before sending (`to` is not E.164), so no server is needed.
PRELUDE = """
import sys
import talkover
import talkover.errors

client = talkover.Talkover("talq_test", base_url="http://127.0.0.1:9")

def raised():
    try:
        client.calls.create("agent_123456", to="1234567890")
    except BaseException as error:
        return error
    raise AssertionError("nothing raised")
"""


def run(script: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", PRELUDE + script], capture_output=True, text=True, check=False, cwd="/"
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_a_failed_lookup_raises_the_callers_error_text_and_is_tried_again() -> None:
    out = run(
        """
errors = sys.modules.pop("talkover.errors")
sys.modules["talkover.errors"] = None  # importing it now fails
first = raised()
print(type(first).__name__, type(first.__cause__).__name__)
print(str(first))
sys.modules["talkover.errors"] = errors
second = raised()
print(type(second).__name__, second.field)
"""
    )
    first_kind, first_text, second = out.splitlines()
    assert first_kind == "RuntimeError ModuleNotFoundError"
    assert first_text.startswith("invalid argument `to`: "), first_text
    assert second == "RequestValidationError to"


def test_the_classes_are_looked_up_once() -> None:
    out = run(
        """
first = raised()
# Gone from the module after the first error: the class kept is still the one raised.
del talkover.errors.RequestValidationError
second = raised()
print(type(first) is type(second), type(second).__name__)
"""
    )
    assert out == "True RequestValidationError"
