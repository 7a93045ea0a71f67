"""No network at run time: `assistant run` opens no INET socket and works without any network."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from support import ROOT
from support.sockets import socket_families, socket_inodes


# /proc/<pid>/net tables and the column holding the socket inode.
def test_socket_classification_sees_an_inet_socket():
    # Guards the guard: this process's own TCP socket must be found as tcp.
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        assert "tcp" in socket_families(os.getpid()).values()
    left, right = socket.socketpair()
    with left, right:
        assert "unix" in socket_families(os.getpid()).values()


def test_a_socket_closed_while_reading_the_tables_is_not_unknown(monkeypatch):
    # The race CI once hit: an fd listed as a socket, closed before the tables were read.
    import socket

    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as kept:
        real = socket_inodes(os.getpid())
        listings = iter([real | {999_999_999}, real, real, real])
        monkeypatch.setattr(sys.modules[__name__], "socket_inodes", lambda pid: next(listings))
        families = socket_families(os.getpid())
        assert 999_999_999 not in families and kept.fileno() >= 0
        assert "unknown" not in families.values(), families


def test_whisper_forces_the_hub_offline(monkeypatch, tmp_path):
    from assistant.core.errors import ModelError
    from assistant.stt.whisper import WhisperTranscriber

    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    with pytest.raises(ModelError):
        WhisperTranscriber(tmp_path)  # not a model: it fails after setting the environment
    assert os.environ["HF_HUB_OFFLINE"] == "1"


ORT_SESSION = """
import sys
if sys.argv[1] == "assistant":
    import assistant  # noqa: F401  (sets the offline environment)
import onnxruntime
from faster_whisper.utils import get_assets_path
onnxruntime.InferenceSession(get_assets_path() + "/silero_vad_v6.onnx", providers=["CPUExecutionProvider"])
"""


def _files_left_by_onnxruntime(tmp_path: Path, mode: str) -> list[Path]:
    home, tmp = tmp_path / mode / "home", tmp_path / mode / "tmp"
    home.mkdir(parents=True)
    tmp.mkdir()
    env = {**os.environ, "HOME": str(home), "TMPDIR": str(tmp)}
    env.pop("ORT_DISABLE_TELEMETRY", None)
    subprocess.run([sys.executable, "-c", ORT_SESSION, mode], env=env, cwd=ROOT, check=True, timeout=120)
    return sorted(p for p in (tmp_path / mode).rglob("*") if p.is_file())


def test_onnxruntime_telemetry_is_off_in_every_assistant_process(tmp_path):
    """onnxruntime >= 1.29 on Linux writes a device id and an event database under ~/.cache and
    looks up Microsoft's collector unless ORT_DISABLE_TELEMETRY is set before it starts."""
    assert _files_left_by_onnxruntime(tmp_path, "assistant") == []
    bare = _files_left_by_onnxruntime(tmp_path, "bare")  # guards the guard, where ORT has telemetry
    if bare:
        assert any("Microsoft" in str(p) or p.name == ".ses" for p in bare), bare
