"""Keep the libraries the assistant links offline and quiet, before any of them is imported.

onnxruntime (piper and the Silero VAD run on it) ships Microsoft's 1DS telemetry on Linux
since 1.29: without ORT_DISABLE_TELEMETRY it writes a device id and an event database under
~/.cache/Microsoft and looks up mobile.events.data.microsoft.com. huggingface_hub (under
faster-whisper) must never try to fetch a model. The package's __init__ calls this, so
every entry point (CLI, daemon, bench, tests) is covered.
"""

from __future__ import annotations

import os

OFFLINE_ENV = {
    "ORT_DISABLE_TELEMETRY": "1",
    "HF_HUB_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
}
"""Environment every assistant process runs with, whatever the caller's environment says."""


def force_offline() -> None:
    """Set OFFLINE_ENV; libraries read it when they initialise, so call it before importing them."""
    os.environ.update(OFFLINE_ENV)
