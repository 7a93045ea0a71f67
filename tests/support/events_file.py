"""The --events file of a daemon run as a subprocess, read as it grows."""

from __future__ import annotations

import json

from assistant_tools.pulse_room import wait_until


class EventsFile:
    """The daemon's --events file, read as it grows."""

    def __init__(self, path) -> None:
        self.path = path

    def all(self, type_: str | None = None, after: int = 0) -> list[dict]:
        lines = self.path.read_text().splitlines() if self.path.exists() else []
        events = [json.loads(line) for line in lines if line.endswith("}")][after:]
        return [e for e in events if type_ is None or e["type"] == type_]

    def count(self) -> int:
        return len(self.all())

    def wait(self, type_: str, after: int = 0, timeout_s: float = 120.0) -> dict:
        wait_until(lambda: self.all(type_, after), timeout_s, f"the daemon's {type_!r} event")
        return self.all(type_, after)[0]
