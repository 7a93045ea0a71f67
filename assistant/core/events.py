"""Pipeline events: one JSON line per event in an optional log, and in-process listeners.

The daemon emits an event at every stage change; listeners (LEDs, the systemd STATUS
line) follow them. An EventLog belongs to the event loop: call ``emit``, ``subscribe``
and ``close`` from the loop's thread only (worker threads hand their results to the
loop first). Writing a short line per event is cheap enough to do on the loop.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, TextIO

from assistant.core.errors import EX_IOERR, AssistantError

log = logging.getLogger(__name__)

# The event types the daemon emits, with the data each carries.
EVENT_TYPES = {
    "ready": (), "wake": ("phrase",), "listening": (), "sentence_complete": ("silence_s", "confidence"),
    "question_end": ("outcome", "silence_s", "needed_s"), "transcript": ("text",),
    "thinking": (), "reply": ("text",), "speaking": (), "first_audio": (),
    "barge_in": (), "idle": (), "error": ("message",), "intent": ("name",),
    "timer_fired": (), "stopping": (), "llm_fallback": ("reason", "message"), "llm_remote_back": (),
}


class EventLogError(AssistantError):
    """The event log file cannot be opened."""

    exit_code = EX_IOERR


@dataclass(frozen=True)
class Event:
    """One thing that happened in the pipeline."""

    type: str
    """What happened: ready, wake, listening, transcript, thinking, reply, ... (see EVENT_TYPES)."""
    data: dict = field(default_factory=dict)
    """Details of the event, e.g. {"text": ...} for a transcript; JSON-serialisable values."""
    ts: float = 0.0
    """Seconds since the log started (the JSON line rounds it to milliseconds)."""


Listener = Callable[[Event], None]


class EventLog:
    """Emits events to listeners and, when given a path, to a JSON-lines file."""

    def __init__(self, path: Path | str | None = None, clock: Callable[[], float] = time.monotonic,
                 start: float | None = None):
        self._clock = clock
        self._start = clock() if start is None else start
        self._listeners: list[Listener] = []
        self._failed: set[int] = set()
        self._owner: int | None = None
        self._file: TextIO | None = None
        self.path = Path(path) if path is not None else None
        if self.path is not None:
            try:
                self._file = self.path.open("a", encoding="utf-8")
            except OSError as exc:
                raise EventLogError(f"{self.path}: cannot open the event log ({exc.strerror}); "
                                    f"pass a writable file") from None

    def subscribe(self, callback: Listener) -> None:
        """Call ``callback(event)`` synchronously for every later event."""
        self._check_thread()
        self._listeners.append(callback)

    def emit(self, type: str, **data) -> Event:
        """Record one event: write its JSON line (flushed at once), then tell the listeners."""
        self._check_thread()
        if "ts" in data:
            raise ValueError("event data may not use the key 'ts'")
        event = Event(type=type, data=data, ts=self._clock() - self._start)
        self._write(event)
        for listener in list(self._listeners):
            self._notify(listener, event)
        return event

    def close(self) -> None:
        """Close the file; later events still reach the listeners."""
        if self._file is not None:
            self._file.close()
            self._file = None

    def _check_thread(self) -> None:
        # Bound to the first caller's thread: a gpiozero or worker thread emitting
        # directly would race with the loop, so fail loudly instead.
        ident = threading.get_ident()
        if self._owner is None:
            self._owner = ident
        elif ident != self._owner:
            raise RuntimeError("EventLog used outside the event loop thread; "
                               "hand the event over with loop.call_soon_threadsafe")

    def _write(self, event: Event) -> None:
        if self._file is None:
            return
        line = {"ts": round(event.ts, 3), "type": event.type, **event.data}
        try:
            self._file.write(json.dumps(line, ensure_ascii=False, default=str) + "\n")
            self._file.flush()
        except OSError as exc:
            # A full disk must not stop the assistant: say so once, stop logging.
            log.warning("event log %s: write failed (%s); no further events are logged",
                        self.path, exc.strerror)
            self.close()

    def _notify(self, listener: Listener, event: Event) -> None:
        # Listeners drive LEDs and status lines; a broken LED must not stop the turn.
        try:
            listener(event)
        except Exception:
            if id(listener) not in self._failed:
                self._failed.add(id(listener))
                log.warning("event listener %r failed on %s; it keeps being called",
                            listener, event.type, exc_info=True)
