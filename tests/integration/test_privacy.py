"""What was said reaches the disk only when debug.record_dir asks for it, then privately and bounded."""

from __future__ import annotations

import json
import os
import stat
import tempfile
import time
from pathlib import Path

import pytest
from support import ROOT, WAKE

from assistant.daemon.debug_recording import CURRENT


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _files_with(text: str, roots: list[Path], since: float) -> list[Path]:
    """Files under ``roots`` changed since ``since`` whose bytes contain ``text``."""
    needle = text.encode("utf-8")
    found = []
    for root in roots:
        for folder, dirs, files in os.walk(root):
            dirs[:] = [d for d in dirs if d not in (".git", ".venv", "__pycache__", "proc")]
            for name in files:
                path = Path(folder) / name
                try:
                    info = path.lstat()
                    if not stat.S_ISREG(info.st_mode) or info.st_mtime < since or info.st_size > 50_000_000:
                        continue
                    if needle in path.read_bytes():
                        found.append(path)
                except OSError:
                    continue
    return found


def _question(tts, text: str):
    from support.daemon import silence, spoken

    from assistant_tools.speech import concat

    return concat(silence(0.5), spoken(tts, WAKE), silence(0.6), spoken(tts, text), silence(0.3))


@pytest.mark.slow
def test_debug_recording_holds_the_turn(tmp_path, engines, tts):
    from support.daemon import make_config, run_daemon

    folder = tmp_path / "rec"
    config = make_config(debug={"record_dir": str(folder)}, conversation={"followup_window_s": 0})
    run = run_daemon(config, engines, [_question(tts, "What colour is a ripe banana?")],
                     speaker_path=tmp_path / "spk.wav", turns=1)
    transcript = run.all("transcript")[0].data["text"]
    assert "banana" in transcript.lower()
    lines = [json.loads(line) for line in (folder / CURRENT).read_text().splitlines()]
    assert {"transcript", "reply", "turn_done"} <= {line["type"] for line in lines}
    assert any(line.get("text") == transcript for line in lines)
    assert mode(folder) == 0o700 and mode(folder / CURRENT) == 0o600


@pytest.mark.slow
def test_without_debug_recording_nothing_said_is_written(tmp_path, engines, tts):
    from support.daemon import make_config, run_daemon

    start = time.time() - 1
    config = make_config(conversation={"followup_window_s": 0})
    assert config.settings.debug.record_dir is None
    speaker = tmp_path / "spk.wav"
    # A question no other test asks, so no other test's files can hold its transcript.
    run = run_daemon(config, engines, [_question(tts, "How many legs does a spider have?")],
                     speaker_path=speaker, turns=1)
    transcript = run.all("transcript")[0].data["text"]
    reply = run.all("turn_done")[0].data["reply"]
    assert "spider" in transcript.lower() and reply
    assert [p.name for p in tmp_path.iterdir()] == ["spk.wav"]  # the speaker file only
    roots = [tmp_path, ROOT, Path(tempfile.gettempdir()), Path.home() / ".cache"]
    assert _files_with(transcript, roots, start) == []
    if len(reply) >= 25:  # short replies ("I don't know.") could be anywhere
        assert _files_with(reply, roots, start) == []
