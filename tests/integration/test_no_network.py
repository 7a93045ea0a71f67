"""No network at run time: `assistant run` opens no INET socket and works without any network."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support import ASSISTANT, WAKE
from support.sockets import socket_families


# /proc/<pid>/net tables and the column holding the socket inode.
def _mic(tmp_path: Path, tts) -> Path:
    from support.daemon import silence, spoken

    from assistant.audio.format import write_wav
    from assistant_tools.speech import concat

    return write_wav(tmp_path / "mic.wav", concat(silence(0.8), spoken(tts, WAKE), silence(0.7),
                                                  spoken(tts, "What is the capital of France?"), silence(0.5)))


def _run_and_sample(tmp_path: Path, tts, prefix: list[str], sample: bool = True):
    """Run one turn as a subprocess, sampling its sockets the whole time.

    HOME and TMPDIR point at empty folders, to see what the run leaves there. Returns
    (exit status, events, sockets seen by table, samples taken after READY, stderr).
    """
    mic, speaker, events_file = _mic(tmp_path, tts), tmp_path / "speaker.wav", tmp_path / "events.jsonl"
    for folder in ("home", "tmp"):
        (tmp_path / folder).mkdir()
    env = {**os.environ, "HOME": str(tmp_path / "home"), "TMPDIR": str(tmp_path / "tmp"),
           "HF_HUB_OFFLINE": "0"}  # the assistant must force it back on
    for name in ("NOTIFY_SOCKET", "ORT_DISABLE_TELEMETRY", "HF_HUB_DISABLE_TELEMETRY"):
        env.pop(name, None)
    cmd = prefix + ASSISTANT + ["run", "--mic", str(mic), "--speaker", str(speaker), "--turns", "1",
                                "--events", str(events_file)]
    # Its own session, so a hung run is killed with everything it started (strace's child too).
    proc = subprocess.Popen(cmd, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    seen: dict[str, int] = {}
    after_ready = 0
    deadline = time.monotonic() + 180
    try:
        while proc.poll() is None and time.monotonic() < deadline:
            if sample:
                for family in socket_families(proc.pid).values():
                    seen[family] = seen.get(family, 0) + 1
                if events_file.exists() and '"ready"' in events_file.read_text():
                    after_ready += 1
            time.sleep(0.05)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    _, stderr = proc.communicate(timeout=30)
    events = [json.loads(line) for line in events_file.read_text().splitlines()] if events_file.exists() else []
    return proc.returncode, events, seen, after_ready, stderr


@pytest.mark.slow
def test_run_opens_no_inet_socket_during_a_turn(tmp_path, tts):
    code, events, seen, after_ready, stderr = _run_and_sample(tmp_path, tts, [])
    types = [e["type"] for e in events]
    assert code == 0 and "turn_done" in types, (code, events, stderr[-2000:])
    assert after_ready >= 20, after_ready  # sampled through the whole turn, not just start-up
    assert set(seen) <= {"unix"}, seen  # no tcp/udp/raw, nor netlink or packet sockets
    # Nothing left in HOME or TMPDIR: no telemetry database or device id (onnxruntime's 1DS
    # SDK writes ~/.cache/Microsoft/... unless ORT_DISABLE_TELEMETRY is set), no transcripts.
    left = [p for p in (tmp_path / "home").rglob("*")] + [p for p in (tmp_path / "tmp").rglob("*")]
    assert left == []


def _tool_works(*cmd: str) -> bool:
    if shutil.which(cmd[0]) is None:
        return False
    return subprocess.run(list(cmd), capture_output=True).returncode == 0


STRACE = ["strace", "--seccomp-bpf", "-f", "-qq", "-e", "trace=socket,socketpair,connect"]


_FAMILY = re.compile(r"(?:socket|socketpair)\((AF_\w+)|connect\(\d+, \{sa_family=(AF_\w+)")


def socket_calls(trace: Path) -> list[str]:
    """Address families of every socket, socketpair and connect call in an strace log."""
    return [a or b for a, b in _FAMILY.findall(trace.read_text())]


@pytest.mark.slow
@pytest.mark.skipif(not _tool_works("unshare", "--net", "true"), reason="needs `unshare --net` (root)")
@pytest.mark.skipif(not _tool_works(*STRACE[:2], "true"), reason="needs strace with --seccomp-bpf")
def test_a_turn_works_without_network_and_never_tries_it(tmp_path, tts):
    """In a fresh network namespace (only a loopback, and that down) the whole turn works, and
    strace sees no socket but AF_UNIX ever created: no DNS lookup, no connection attempt."""
    guard = tmp_path / "guard.trace"
    subprocess.run([*STRACE, "-o", str(guard), sys.executable, "-c",
                    "import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).close()"], check=True)
    assert "AF_INET" in socket_calls(guard)  # guards the guard
    trace = tmp_path / "run.trace"
    code, events, _, _, stderr = _run_and_sample(
        tmp_path, tts, [shutil.which("unshare"), "--net", "--", *STRACE, "-o", str(trace)], sample=False)
    types = [e["type"] for e in events]
    assert code == 0 and "turn_done" in types, (code, events, stderr[-2000:])
    transcript = next(e["text"] for e in events if e["type"] == "transcript")
    assert "france" in transcript.lower()
    assert set(socket_calls(trace)) <= {"AF_UNIX"}, socket_calls(trace)
