"""Python SDK for the Talkover voice-agent API (and the Talkturo API).

>>> import talkover
>>> client = talkover.Talkover()  # token from TALKOVER_TOKEN
>>> call = client.calls.create("agent_123456", to="+1234567890", is_testing=True)

The clients, models and pages come from the native module, generated from the OpenAPI specs;
the exceptions are in :mod:`talkover.errors`.
"""

from __future__ import annotations

import os as _os

from talkover._native import *  # noqa: F403  (the generated clients, models and pages)
from talkover._native import __version__ as __version__
from talkover.errors import *  # noqa: F403  (the exception hierarchy)


def _log_from_environment() -> None:
    """``TALKOVER_LOG=debug`` (or ``info``, ...) logs the ``talkover`` logger to stderr."""
    level = _os.environ.get("TALKOVER_LOG", "").strip().upper()
    if not level:
        return
    import logging

    logger = logging.getLogger("talkover")
    logger.setLevel(getattr(logging, level, logging.DEBUG) if level.isalpha() else logging.DEBUG)
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    logger.addHandler(handler)


_log_from_environment()
