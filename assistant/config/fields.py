"""Settings fields that carry their limits, for the one validator in ``assistant.config.loader``."""

from __future__ import annotations

from dataclasses import field


def limit(default, *, lo=None, hi=None, choices=None, uri=False):
    """A dataclass field with the bounds the config validator enforces (``uri``: a Wyoming URI)."""
    meta = {"lo": lo, "hi": hi, "choices": choices, "uri": uri}
    if isinstance(default, (list, dict)):
        raise TypeError("use tuples for sequence defaults")
    return field(default=default, metadata=meta)
