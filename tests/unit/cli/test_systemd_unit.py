"""The systemd unit: required keys, `systemd-analyze verify`, and its security exposure."""

from __future__ import annotations

import platform
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from support.systemd import MAX_EXPOSURE, UNIT, exposure, keys, needs_analyze, rendered, verify

from assistant.cli.service_unit import render_unit


def test_unit_has_the_required_settings():
    k = keys(UNIT.read_text())
    one = {key: values[-1] for key, values in k.items()}
    expected = {
        "Type": "notify", "NotifyAccess": "main", "WatchdogSec": "30", "Restart": "on-failure",
        "RestartSec": "3", "RestartPreventExitStatus": "78", "StartLimitIntervalSec": "300",
        "StartLimitBurst": "5", "TimeoutStopSec": "5", "User": "assistant", "Group": "assistant",
        "SupplementaryGroups": "audio gpio", "NoNewPrivileges": "yes", "ProtectSystem": "strict",
        "ProtectHome": "yes", "PrivateTmp": "yes", "PrivateNetwork": "yes", "DevicePolicy": "closed",
        "StateDirectory": "assistant", "ConfigurationDirectory": "assistant",
        "ReadWritePaths": "/var/lib/assistant", "ProtectKernelTunables": "yes",
        "ProtectKernelModules": "yes", "ProtectKernelLogs": "yes", "ProtectControlGroups": "yes",
        "ProtectClock": "yes", "ProtectHostname": "yes", "ProtectProc": "invisible",
        "RestrictAddressFamilies": "AF_UNIX", "RestrictNamespaces": "yes", "RestrictRealtime": "yes",
        "RestrictSUIDSGID": "yes", "LockPersonality": "yes", "CapabilityBoundingSet": "",
        "AmbientCapabilities": "", "SystemCallArchitectures": "native", "UMask": "0077",
        "IPAddressDeny": "any", "KeyringMode": "private", "RemoveIPC": "yes",
        "WorkingDirectory": "/var/lib/assistant",
    }
    assert {key: one.get(key) for key in expected} == expected
    assert one["ExecStart"] == "/opt/assistant/.venv/bin/assistant --config /etc/assistant/config.yaml run"
    assert "@system-service" in k["SystemCallFilter"]
    assert {"char-alsa rw", "char-gpiochip rw", "/dev/gpiomem rw"} <= set(k["DeviceAllow"])
    assert re.fullmatch(r"\d+[KMG]", one["MemoryMax"])
    # Decided against, with the reasons in the unit's comments:
    assert "PrivateUsers" not in k and "ProcSubset" not in k and "MemoryDenyWriteExecute" not in k


@needs_analyze
def test_systemd_analyze_verify_is_clean(tmp_path):
    assert verify(rendered(tmp_path)) == []


@needs_analyze
def test_security_exposure_is_at_most_2(tmp_path):
    level = exposure(rendered(tmp_path))
    print(f"systemd-analyze security exposure: {level}")
    assert level <= MAX_EXPOSURE


@needs_analyze
def test_installer_variants_verify_and_stay_safe(tmp_path):
    # A venv under /home (ProtectHome=tmpfs + binds), no gpio group, mlock on.
    text = render_unit(UNIT.read_text(), "/opt/assistant/.venv/bin/assistant --config /etc/assistant/config.yaml run",
                       3 * 1024 ** 3, ("audio",), (Path("/home/pi/assistant"),), mlock=True)
    path = rendered(tmp_path, text)
    k = keys(path.read_text())
    assert k["ProtectHome"] == ["tmpfs"] and k["BindReadOnlyPaths"] == ["/home/pi/assistant"]
    assert k["MemoryMax"] == ["3072M"] and k["LimitMEMLOCK"] == ["3072M"]
    assert k["SupplementaryGroups"] == ["audio"]
    assert verify(path) == []
    level = exposure(path)
    print(f"systemd-analyze security exposure with home binds: {level}")
    assert level <= MAX_EXPOSURE


@needs_analyze
def test_verify_would_catch_a_typo(tmp_path):
    # Guards the guard: a misspelt key must show up in verify's complaints.
    path = rendered(tmp_path, UNIT.read_text().replace("UMask=", "UMaks="))
    assert any("UMaks" in line for line in verify(path))


# --- Why MemoryDenyWriteExecute= is off -------------------------------------------------
# The same rule systemd installs as a seccomp filter: refuse mmap(PROT_WRITE|PROT_EXEC),
# mprotect/pkey_mprotect(PROT_EXEC) and shmat(SHM_EXEC) with EPERM.
_MDWE = textwrap.dedent("""
    import ctypes, platform
    ARCH = {"x86_64": (0xC000003E, 9, 10, 329, 30), "aarch64": (0xC00000B7, 222, 226, 288, 196)}
    arch, mmap_nr, mprotect_nr, pkey_nr, shmat_nr = ARCH[platform.machine()]
    LD, JEQ, RET, AND, ALLOW, DENY = 0x20, 0x15, 0x06, 0x54, 0x7FFF0000, 0x00050001
    prog = [(LD, 0, 0, 4), (JEQ, 1, 0, arch), (RET, 0, 0, ALLOW), (LD, 0, 0, 0),
            (JEQ, 4, 0, mmap_nr), (JEQ, 6, 0, mprotect_nr), (JEQ, 5, 0, pkey_nr), (JEQ, 7, 0, shmat_nr),
            (RET, 0, 0, ALLOW),
            (LD, 0, 0, 32), (AND, 0, 0, 6), (JEQ, 6, 7, 6),
            (LD, 0, 0, 32), (AND, 0, 0, 4), (JEQ, 3, 4, 4),
            (LD, 0, 0, 32), (AND, 0, 0, 0x8000), (JEQ, 0, 1, 0x8000),
            (RET, 0, 0, DENY), (RET, 0, 0, ALLOW)]
    class Filter(ctypes.Structure):
        _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte), ("k", ctypes.c_uint)]
    class Program(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(Filter))]
    code = (Filter * len(prog))(*[Filter(*p) for p in prog])
    program = Program(len(prog), code)
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p, ctypes.c_ulong, ctypes.c_ulong]
    assert libc.prctl(38, 1, None, 0, 0) == 0                      # PR_SET_NO_NEW_PRIVS
    assert libc.prctl(22, 2, ctypes.byref(program), 0, 0) == 0     # SECCOMP_MODE_FILTER
""")


@pytest.mark.skipif(sys.platform != "linux" or platform.machine() not in ("x86_64", "aarch64"),
                    reason="the seccomp program is written for x86-64 and aarch64 Linux")
def test_memory_deny_write_execute_would_break_sounddevice_callbacks():
    try:
        import sounddevice  # noqa: F401
    except OSError as exc:
        pytest.skip(f"sounddevice cannot load PortAudio here: {exc}")
    probe = _MDWE + textwrap.dedent("""
        import mmap
        try:
            mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
            print("filter-inactive")
        except OSError:
            pass
        import sounddevice
        try:
            sounddevice._ffi.callback("PaStreamCallback", lambda *args: 0)
            print("callback-ok")
        except MemoryError:
            print("callback-refused")
    """)
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "filter-inactive" not in done.stdout
    # If this starts printing callback-ok, cffi no longer needs W+X memory: turn
    # MemoryDenyWriteExecute=yes on in systemd/assistant.service.
    assert done.stdout.strip() == "callback-refused"
