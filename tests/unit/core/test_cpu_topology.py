"""The default thread count: physical performance cores, read from sysfs trees laid out as
the kernel lays them out on each kind of board."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.core.cpu_topology import parse_cpu_list, performance_cores


def sysfs(root: Path, siblings: dict[int, str], capacity: dict[int, int] | None = None,
          p_cores: str | None = None) -> Path:
    for cpu, sibling_list in siblings.items():
        topology = root / f"devices/system/cpu/cpu{cpu}/topology"
        topology.mkdir(parents=True)
        (topology / "thread_siblings_list").write_text(sibling_list + "\n")
        if capacity:
            (topology.parent / "cpu_capacity").write_text(f"{capacity[cpu]}\n")
    if p_cores:
        (root / "devices/cpu_core").mkdir(parents=True)
        (root / "devices/cpu_core/cpus").write_text(p_cores + "\n")
    return root


def cores(root: Path, cpus, cgroup: str = "0::/\n", cpu_max: str | None = None) -> int:
    cgroup_file = root / "self-cgroup"
    cgroup_file.write_text(cgroup)
    if cpu_max is not None:
        (root / "fs/cgroup").mkdir(parents=True, exist_ok=True)
        (root / "fs/cgroup/cpu.max").write_text(cpu_max + "\n")
    return performance_cores(root, set(cpus), cgroup_file)


def test_cpu_lists_are_parsed_as_the_kernel_writes_them():
    assert parse_cpu_list("0-3,8,10-11\n") == {0, 1, 2, 3, 8, 10, 11}
    assert parse_cpu_list("5") == {5}


def test_raspberry_pi_5_uses_its_four_equal_cores(tmp_path):
    root = sysfs(tmp_path, {i: str(i) for i in range(4)}, capacity={i: 1024 for i in range(4)})
    assert cores(root, range(4)) == 4


def test_hyper_threads_count_once(tmp_path):
    root = sysfs(tmp_path, {0: "0,2", 1: "1,3", 2: "0,2", 3: "1,3"})
    assert cores(root, range(4)) == 2


def test_arm_big_little_uses_the_big_cores_only(tmp_path):
    # RK3588 (Orange Pi 5, Rock 5): four Cortex-A55 at capacity 414, four Cortex-A76 at 1024.
    capacity = {i: 414 if i < 4 else 1024 for i in range(8)}
    root = sysfs(tmp_path, {i: str(i) for i in range(8)}, capacity=capacity)
    assert cores(root, range(8)) == 4


def test_intel_hybrid_uses_the_p_cores_only(tmp_path):
    # i5-1235U: two P-cores with hyper-threads (CPUs 0-3), eight E-cores (CPUs 4-11).
    siblings = {0: "0-1", 1: "0-1", 2: "2-3", 3: "2-3", **{i: str(i) for i in range(4, 12)}}
    root = sysfs(tmp_path, siblings, p_cores="0-3")
    assert cores(root, range(12)) == 2
    assert cores(root, range(4, 12)) == 8, "pinned to the E-cores: they are the fastest it has"


def test_cpu_affinity_limits_the_cores(tmp_path):
    root = sysfs(tmp_path, {i: str(i) for i in range(16)})
    assert cores(root, {2, 3}) == 2  # taskset, systemd CPUAffinity=, a cpuset container


@pytest.mark.parametrize("cpu_max, expected", [("max 100000", 16), ("200000 100000", 2), ("150000 100000", 2)])
def test_a_cgroup_cpu_quota_limits_the_cores(tmp_path, cpu_max, expected):
    root = sysfs(tmp_path, {i: str(i) for i in range(16)})
    assert cores(root, range(16), cpu_max=cpu_max) == expected  # docker --cpus, systemd CPUQuota=


def test_cgroup_v1_quota(tmp_path):
    root = sysfs(tmp_path, {i: str(i) for i in range(8)})
    cpu = root / "fs/cgroup/cpu,cpuacct/docker/abc"
    cpu.mkdir(parents=True)
    (cpu / "cpu.cfs_quota_us").write_text("300000\n")
    (cpu / "cpu.cfs_period_us").write_text("100000\n")
    assert cores(root, range(8), cgroup="4:memory:/docker/abc\n2:cpu,cpuacct:/docker/abc\n") == 3


def test_without_topology_files_each_cpu_is_a_core(tmp_path):
    assert cores(tmp_path, range(3)) == 3


def test_this_machine_s_own_sysfs_and_affinity():
    import os

    allowed = os.sched_getaffinity(0)
    assert 1 <= performance_cores() <= len(allowed)
    assert performance_cores(allowed={min(allowed)}) == 1, "one CPU allowed: one thread"
