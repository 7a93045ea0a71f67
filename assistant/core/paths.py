"""Files of the project that the code finds beside itself (a source or editable install)."""

from __future__ import annotations

from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
"""The project folder: the one holding config.yaml, models/ and systemd/."""
DEFAULT_CONFIG = PROJECT / "config.yaml"
"""The shipped configuration."""
MODELS = PROJECT / "models"
"""Where set-up puts models (the default LLM is made here) and the catalog lives."""
CATALOG = MODELS / "catalog.yaml"
"""The model catalog."""
SERVICE_TEMPLATE = PROJECT / "systemd" / "assistant.service"
"""The systemd unit that install-service fills in."""
