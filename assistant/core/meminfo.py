"""How much memory this process may use: MemAvailable, a cgroup's memory.max, or the user's figure."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

from assistant.core.errors import ConfigError

MB = 1_000_000
ENV_OVERRIDE = "ASSISTANT_MEMORY_MB"
"""Plan for another board: the memory it will have, in MB."""


def cgroup_limit_mb(proc_cgroup: Path = Path("/proc/self/cgroup"),
                    root: Path = Path("/sys/fs/cgroup")) -> Optional[int]:
    """The tightest cgroup v2 memory.max over this process's cgroup and its parents, or None."""
    try:
        lines = proc_cgroup.read_text().splitlines()
    except OSError:
        return None
    own = next((line[3:] for line in lines if line.startswith("0::")), None)
    if own is None:
        return None
    folder = root / own.strip().lstrip("/")
    limits = []
    for level in (folder, *folder.parents):
        if not level.is_relative_to(root):
            break
        try:
            text = (level / "memory.max").read_text().strip()
        except OSError:
            continue
        if text.isdigit():  # 'max' means no limit
            limits.append(int(text))
    return min(limits) // MB if limits else None


def _meminfo_available_mb(meminfo: Path = Path("/proc/meminfo")) -> Optional[int]:
    try:
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024 // MB  # the kernel's "kB" are KiB
    except (OSError, ValueError, IndexError):
        pass
    return None


def available_memory() -> tuple[int, str]:
    """MB this process may use, and where the figure came from."""
    override = os.environ.get(ENV_OVERRIDE, "").strip()
    if override:
        try:
            value = float(override)
        except ValueError:
            value = -1.0
        if not value > 0:
            raise ConfigError(f"{ENV_OVERRIDE}={override!r}: expected the memory in MB, e.g. 3800")
        return int(value), ENV_OVERRIDE
    free = _meminfo_available_mb()
    limit = cgroup_limit_mb()
    if limit is not None and (free is None or limit < free):
        return limit, "cgroup memory.max"
    if free is None:  # not Linux: all of RAM, the best figure there is
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // MB, "physical memory"
    return free, "MemAvailable"


def available_memory_mb() -> int:
    """MemAvailable, or the cgroup's memory.max when lower, or $ASSISTANT_MEMORY_MB when set."""
    return available_memory()[0]
