"""Resumable HTTP(S) and file:// downloads with the standard library, and a text progress bar.

A download always goes to a ``.part`` file; the caller verifies it before moving it into place.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import re
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import BinaryIO, Optional, TextIO
from urllib.parse import urlparse

from assistant.core.errors import FetchError

try:
    import fcntl
except ImportError:  # not on Windows; the lock is only a guard
    fcntl = None

CHUNK = 1 << 20
TIMEOUT_S = 60
USER_AGENT = "offline-assistant-model-fetch/1"
_CONTENT_RANGE = re.compile(r"bytes (\d+)-\d+/(\d+|\*)")


def part_path(final: Path) -> Path:
    """Where the download for ``final`` accumulates until it is verified."""
    return final.with_name(final.name + ".part")


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, read in chunks so big models do not fill memory."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


class Progress:
    """A one-line text bar on a tty; on other streams one line per 10 %."""

    def __init__(self, label: str, total: Optional[int], enabled: bool, stream: Optional[TextIO] = None):
        self.label, self.total, self.enabled = label, total, enabled
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.last_draw, self.last_tenth = 0.0, -1

    def update(self, done: int, final: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if self.tty and (final or now - self.last_draw >= 0.2):
            self.last_draw = now
            self.stream.write("\r" + self._line(done) + ("\n" if final else ""))
            self.stream.flush()
        elif not self.tty and self.total:
            tenth = min(10, done * 10 // self.total)
            if tenth > self.last_tenth:
                self.last_tenth = tenth
                self.stream.write(self._line(done) + "\n")

    def _line(self, done: int) -> str:
        mb = f"{done / 1e6:,.1f}"
        if not self.total:
            return f"{self.label}  {mb} MB"
        frac = min(1.0, done / self.total)
        bar = "#" * int(frac * 30)
        return f"{self.label}  [{bar:<30}] {frac:4.0%}  {mb}/{self.total / 1e6:,.1f} MB"


def download(url: str, part: Path, size: Optional[int] = None, progress: Optional[Progress] = None) -> None:
    """Fill ``part`` with the bytes at ``url``, resuming from what it already holds.

    A server that ignores Range (answers 200) makes the download restart from zero.
    Network errors raise FetchError and keep the .part, so running again resumes.
    """
    try:
        with open(part, "ab") as out:  # append mode: tell() is what an earlier run left
            _lock(out, part)
            have = out.tell()
            if size is not None and have > size:
                out.truncate(0)  # longer than the real file: it cannot be a prefix of it
                have = 0
            if size is not None and have == size:
                return
            source, start, total = _open(url, have)
            if start == 0 and have:
                out.truncate(0)  # the server sends the whole file: start over
            _copy(source, out, start, total or size, progress)
    except urllib.error.HTTPError as exc:
        _drop_if_empty(part)
        raise FetchError(f"{url}: HTTP {exc.code} {exc.reason}; check the catalog URL or the mirror") from None
    except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
        _drop_if_empty(part)
        reason = getattr(exc, "reason", None) or exc
        raise FetchError(f"{part.name}: download from {url} failed ({reason}); "
                         "run the same command again to resume") from None


def _lock(handle: BinaryIO, part: Path) -> None:
    """One fetch per file at a time: two writers appending to one .part would corrupt it."""
    if fcntl is None:
        return
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise FetchError(f"{part}: another fetch of this file is running; wait for it to finish") from None


def _drop_if_empty(part: Path) -> None:
    if part.exists() and part.stat().st_size == 0:
        part.unlink()


def _open(url: str, offset: int) -> tuple[BinaryIO, int, Optional[int]]:
    """An open byte stream positioned at the returned start, and the full size when known."""
    parsed = urlparse(url)
    if parsed.scheme == "file":
        path = urllib.request.url2pathname(parsed.path)
        handle = open(path, "rb")
        total = os.fstat(handle.fileno()).st_size
        start = offset if offset <= total else 0
        handle.seek(start)
        return handle, start, total
    headers = {"User-Agent": USER_AGENT}
    if offset:
        headers["Range"] = f"bytes={offset}-"
    try:
        response = urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=TIMEOUT_S)
    except urllib.error.HTTPError as exc:
        if exc.code != 416 or not offset:
            raise
        # Range not satisfiable: the .part is not a prefix of this file; start over.
        return _open(url, 0)
    length = response.headers.get("Content-Length")
    length = int(length) if length and length.isdigit() else None
    if offset and response.status == 206:
        match = _CONTENT_RANGE.match(response.headers.get("Content-Range", ""))
        if match and int(match.group(1)) == offset:
            total = int(match.group(2)) if match.group(2) != "*" else None
            return response, offset, total
        response.close()
        return _open(url, 0)
    return response, 0, length


def _copy(source: BinaryIO, out: BinaryIO, start: int, total: Optional[int], progress: Optional[Progress]) -> None:
    done = start
    read = getattr(source, "read1", source.read)  # read1: whatever has arrived, so the .part grows steadily
    with source:
        while block := read(CHUNK):
            out.write(block)
            done += len(block)
            if progress:
                progress.update(done)
    out.flush()
    os.fsync(out.fileno())
    if progress:
        progress.update(done, final=True)
