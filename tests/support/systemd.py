"""systemd-analyze on the service unit (and its drop-ins), as the tests run it."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from assistant.cli.service_unit import TEMPLATE as UNIT

ANALYZE = shutil.which("systemd-analyze")
needs_analyze = pytest.mark.skipif(ANALYZE is None, reason="systemd-analyze is not installed (Debian package systemd)")
MAX_EXPOSURE = 2.0
"""The highest `systemd-analyze security` exposure level the service may have."""


def keys(text: str) -> dict[str, list[str]]:
    """KEY -> every value it is given, across sections."""
    found: dict[str, list[str]] = {}
    for line in text.splitlines():
        if "=" in line and not line.startswith(("#", ";", "[")):
            key, _, value = line.partition("=")
            found.setdefault(key.strip(), []).append(value.strip())
    return found


def rendered(tmp_path: Path, text: str | None = None, dropins: dict[str, str] | None = None) -> Path:
    """A copy of the unit whose ExecStart is an executable that exists (verify needs one), with
    ``dropins`` (name -> text) in assistant.service.d/ beside it."""
    exe = tmp_path / "bin" / "assistant"
    exe.parent.mkdir(parents=True, exist_ok=True)
    exe.write_text("#!/bin/sh\nexit 0\n")
    exe.chmod(0o755)
    text = UNIT.read_text() if text is None else text
    text = re.sub(r"(?m)^ExecStart=\S+", f"ExecStart={exe}", text)
    path = tmp_path / "assistant.service"
    path.write_text(text)
    for name, body in (dropins or {}).items():
        folder = tmp_path / "assistant.service.d"
        folder.mkdir(exist_ok=True)
        (folder / name).write_text(body)
    return path


def verify(path: Path) -> list[str]:
    """`systemd-analyze verify`'s complaints about the unit (it must exit 0)."""
    done = subprocess.run([ANALYZE, "verify", str(path)], capture_output=True, text=True, timeout=60)
    complaints = [l for l in (done.stdout + done.stderr).splitlines() if path.name in l or ".conf" in l]
    assert done.returncode == 0, done.stderr
    return complaints


def security(path: Path) -> tuple[float, str]:
    """`systemd-analyze security --offline=yes`: the overall exposure level and the report."""
    done = subprocess.run([ANALYZE, "security", "--offline=yes", str(path)],
                          capture_output=True, text=True, timeout=60)
    found = re.search(r"Overall exposure level for \S+: (\d+(?:\.\d+)?)", done.stdout)
    assert found, done.stdout + done.stderr
    return float(found.group(1)), done.stdout


def exposure(path: Path) -> float:
    """The overall exposure level alone."""
    return security(path)[0]
