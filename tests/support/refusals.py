"""Checks for the promise that bad input is refused with one line and changes nothing."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

from support import ASSISTANT, ROOT


def snapshot(folder: Path) -> dict:
    """Every file under ``folder`` with its content hash and mtime."""
    return {p: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def stats(folder: Path) -> dict:
    """Every file and folder under ``folder`` with its size and mtime (cheap for big models)."""
    return {p: (p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(folder.rglob("*"))}


def assert_one_line(err: str, *names: str) -> None:
    """``err`` is one line, no traceback, naming each of ``names``."""
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    for name in names:
        assert str(name) in lines[0], (name, err)


def run(*args, cwd=ROOT):
    """The `assistant` command in a process of its own."""
    return subprocess.run(ASSISTANT + [str(a) for a in args], capture_output=True, text=True,
                          cwd=cwd, timeout=300)
