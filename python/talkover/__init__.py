"""Python SDK for the Talkover voice-agent API (and the Talkturo API).

>>> import talkover
>>> client = talkover.Talkover()  # token from TALKOVER_TOKEN
>>> call = client.calls.create("agent_123456", to="+1234567890", is_testing=True)

The clients, models and pages come from the native module, generated from the OpenAPI specs;
the exceptions are in :mod:`talkover.errors`.
"""

from __future__ import annotations

from importlib import metadata as _metadata

from talkover._native import *  # noqa: F403  (the generated clients, models and pages)
from talkover.errors import *  # noqa: F403  (the exception hierarchy)

try:
    __version__ = _metadata.version("talkover")
except _metadata.PackageNotFoundError:  # running from a source tree without metadata
    __version__ = "0.0.0"
