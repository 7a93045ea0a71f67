"""How many threads the models should run: the physical performance cores this process may use.

llama.cpp and CTranslate2 are slowest with more threads than fast cores: a hyper-thread
shares its core's units, an efficiency core (Arm big.LITTLE, Intel's E-cores) holds the
fast ones back at every barrier, and a thread beyond the CPUs a container or systemd unit
grants only waits for its turn (libgomp then stops spinning, see llm.LocalLlm.call).
"""

from __future__ import annotations

import math
import os
from pathlib import Path

SYS = Path("/sys")
PROC_CGROUP = Path("/proc/self/cgroup")


def performance_cores(sys_root: Path = SYS, allowed: set[int] | None = None,
                      cgroup_file: Path = PROC_CGROUP) -> int:
    """Physical cores of the fastest kind among the CPUs this process may run on,
    capped by its cgroup's CPU quota; at least 1."""
    if allowed is None:
        allowed = os.sched_getaffinity(0)
    fast = _fastest(allowed, sys_root)
    cores = {_core_of(cpu, sys_root) for cpu in fast}
    count = len(cores) or os.cpu_count() or 1
    quota = _cpu_quota(sys_root, cgroup_file)
    return max(1, min(count, quota) if quota else count)


def parse_cpu_list(text: str) -> set[int]:
    """CPUs of a sysfs list such as ``0-3,8,10-11``."""
    cpus: set[int] = set()
    for part in text.strip().split(","):
        if part:
            first, _, last = part.partition("-")
            cpus.update(range(int(first), int(last or first) + 1))
    return cpus


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None


def _fastest(cpus: set[int], sys_root: Path) -> set[int]:
    """Intel hybrid: the P-cores; Arm big.LITTLE: the CPUs of the highest capacity."""
    p_cores = _read(sys_root / "devices/cpu_core/cpus")
    if p_cores:
        fast = parse_cpu_list(p_cores) & cpus
        if fast:
            return fast
    capacity = {}
    for cpu in cpus:
        value = _read(sys_root / f"devices/system/cpu/cpu{cpu}/cpu_capacity")
        if value and value.isdigit():
            capacity[cpu] = int(value)
    if capacity:
        top = max(capacity.values())
        return {cpu for cpu, value in capacity.items() if value == top}
    return set(cpus)


def _core_of(cpu: int, sys_root: Path) -> str:
    """The hyper-threads sharing ``cpu``'s core (the CPU itself when the kernel does not say)."""
    return _read(sys_root / f"devices/system/cpu/cpu{cpu}/topology/thread_siblings_list") or str(cpu)


def _cpu_quota(sys_root: Path, cgroup_file: Path) -> int | None:
    """CPUs' worth of time the cgroup allows (systemd CPUQuota=, docker --cpus); None: no limit."""
    for line in (_read(cgroup_file) or "").splitlines():
        number, controllers, path = (line.split(":", 2) + ["", ""])[:3]
        if number == "0" and controllers == "":  # cgroup v2: "max 100000" or "200000 100000"
            base = sys_root / "fs/cgroup" / path.lstrip("/")
            quota, _, period = (_read(base / "cpu.max") or "max").partition(" ")
        elif "cpu" in controllers.split(","):  # cgroup v1
            base = sys_root / "fs/cgroup" / controllers / path.lstrip("/")
            quota, period = _read(base / "cpu.cfs_quota_us") or "-1", _read(base / "cpu.cfs_period_us") or ""
        else:
            continue
        if quota.isdigit() and period.isdigit() and int(period) > 0:
            return math.ceil(int(quota) / int(period))
    return None
