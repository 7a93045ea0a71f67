"""Opt-in debug recording: transcripts, replies, intents and errors as JSON lines on disk.

Off unless ``debug.record_dir`` is set: the assistant otherwise never writes what was said.
The folder is created 0700 and the files 0600 (readable by the service user only); the
current file and one rotated file share ``debug.record_max_mb``, so the disk use is bounded.
A failing disk never reaches the daemon: the first failure is logged and recording stops.
"""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path
from typing import Callable

from assistant.core.events import Event

log = logging.getLogger(__name__)

RECORDED = ("transcript", "reply", "intent", "turn_done", "error")
"""Event types that carry what was said or what went wrong; others are not recorded."""
CURRENT = "conversation.jsonl"
ROTATED = "conversation.1.jsonl"


class DebugRecorder:
    """An EventLog listener appending recorded events to ``<folder>/conversation.jsonl``."""

    def __init__(self, folder: Path | str, max_mb: float, wall_clock: Callable[[], float] = time.time):
        self.folder = Path(folder)
        # Two files (current and rotated) share the cap.
        self.file_cap = max(1, int(max_mb * 1_000_000) // 2)
        self.wall_clock = wall_clock
        self.failed = False

    @property
    def path(self) -> Path:
        """The file being appended to."""
        return self.folder / CURRENT

    def __call__(self, event: Event) -> None:
        if self.failed or event.type not in RECORDED:
            return
        record = {"time": round(self.wall_clock(), 3), "ts": round(event.ts, 3), "type": event.type,
                  **event.data}
        line = (json.dumps(record, ensure_ascii=False, default=str) + "\n").encode("utf-8")
        if len(line) > self.file_cap:  # one huge reply must not break the bound
            line = (json.dumps({"time": record["time"], "type": event.type, "dropped_bytes": len(line)})
                    + "\n").encode("utf-8")
        try:
            self._append(line)
        except OSError as exc:
            self.failed = True
            log.warning("debug recording in %s failed (%s); nothing more is recorded",
                        self.folder, exc.strerror or exc)

    def _append(self, line: bytes) -> None:
        self._make_folder()
        try:
            size = self.path.stat().st_size
        except FileNotFoundError:
            size = 0
        if size and size + len(line) > self.file_cap:
            os.replace(self.path, self.folder / ROTATED)  # the older half is dropped here
        # O_NOFOLLOW: a symlink planted at the file's name cannot redirect the transcripts.
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        try:
            os.fchmod(fd, 0o600)  # also when the file existed with wider permissions
            os.write(fd, line)
        finally:
            os.close(fd)

    def _make_folder(self) -> None:
        if self.folder.is_dir():
            return
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(self.folder, 0o700)  # mkdir's mode is reduced by the umask, never widened


def record_dir(config) -> Path | None:
    """debug.record_dir as an absolute path (relative to the config file), or None when off."""
    value = config.settings.debug.record_dir
    if not value:
        return None
    path = Path(value).expanduser()
    return path if path.is_absolute() else (config.base_dir / path).resolve()


def subscribe_recorder(config, events) -> DebugRecorder | None:
    """Attach a recorder to the event log when debug.record_dir is set; None otherwise."""
    folder = record_dir(config)
    if folder is None:
        return None
    recorder = DebugRecorder(folder, config.settings.debug.record_max_mb)
    events.subscribe(recorder)
    log.warning("debug recording is on: transcripts and replies are written to %s", recorder.path)
    return recorder
