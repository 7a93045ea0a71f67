"""What was said reaches the disk only when debug.record_dir asks for it, then privately and bounded."""

from __future__ import annotations

import json
import logging
import os
import stat
from pathlib import Path

import pytest
from support import ROOT, runtime_modules

from assistant.config.loader import load_config
from assistant.core.events import EventLog
from assistant.daemon.debug_recording import CURRENT, RECORDED, ROTATED, DebugRecorder, record_dir


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def emit_turn(events: EventLog, n: int = 0) -> None:
    events.emit("wake", phrase="hey computer")
    events.emit("transcript", text=f"question number {n} about the garden")
    events.emit("llm", history_turns=0)
    events.emit("reply", text=f"Answer {n}: water the roses.", part=0)
    events.emit("turn_done", reply=f"Answer {n}: water the roses.", spoken="", tokens=8, tokens_per_s=None)


def test_records_only_what_was_said_and_errors_with_private_modes(tmp_path):
    folder = tmp_path / "deep" / "debug"
    events = EventLog()
    events.subscribe(DebugRecorder(folder, 1.0, wall_clock=lambda: 1700000000.0))
    old = os.umask(0)  # even a permissive umask must not widen the modes
    try:
        emit_turn(events)
        events.emit("intent", name="time", value=None)
        events.emit("error", stage="TtsError", message="piper failed")
    finally:
        os.umask(old)
    lines = [json.loads(line) for line in (folder / CURRENT).read_text().splitlines()]
    assert [line["type"] for line in lines] == ["transcript", "reply", "turn_done", "intent", "error"]
    assert set(line["type"] for line in lines) <= set(RECORDED)
    assert lines[0]["text"] == "question number 0 about the garden" and lines[0]["time"] == 1700000000.0
    assert mode(folder) == 0o700 and mode(folder / CURRENT) == 0o600


def test_an_existing_file_is_narrowed_to_0600(tmp_path):
    tmp_path.joinpath(CURRENT).write_text("")
    os.chmod(tmp_path / CURRENT, 0o644)
    events = EventLog()
    events.subscribe(DebugRecorder(tmp_path, 1.0))
    emit_turn(events)
    assert mode(tmp_path / CURRENT) == 0o600


def test_rotation_keeps_the_total_under_the_cap(tmp_path):
    events = EventLog()
    recorder = DebugRecorder(tmp_path, 0.1)  # 100 kB for both files
    events.subscribe(recorder)
    for n in range(2000):  # about 500 kB of records
        emit_turn(events, n)
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == [ROTATED, CURRENT]
    assert sum(p.stat().st_size for p in tmp_path.iterdir()) <= 100_000
    assert mode(tmp_path / ROTATED) == 0o600
    newest = json.loads((tmp_path / CURRENT).read_text().splitlines()[-1])
    assert newest["type"] == "turn_done" and newest["reply"].startswith("Answer 1999")
    oldest_kept = json.loads((tmp_path / ROTATED).read_text().splitlines()[0])
    assert oldest_kept["type"] in RECORDED


def test_a_record_bigger_than_the_cap_is_replaced_by_a_note(tmp_path):
    events = EventLog()
    events.subscribe(DebugRecorder(tmp_path, 0.1))
    events.emit("reply", text="x" * 200_000, part=0)
    [line] = (tmp_path / CURRENT).read_text().splitlines()
    assert json.loads(line)["dropped_bytes"] > 200_000


def test_a_failing_disk_is_logged_once_and_never_reaches_the_daemon(tmp_path, caplog):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder should be")
    events = EventLog()
    recorder = DebugRecorder(blocker / "debug", 1.0)
    events.subscribe(recorder)
    with caplog.at_level(logging.WARNING, logger="assistant.daemon.debug_recording"):
        for n in range(3):
            emit_turn(events, n)  # must not raise
    assert recorder.failed
    assert len([r for r in caplog.records if r.name == "assistant.daemon.debug_recording"]) == 1
    assert blocker.read_text() == "a file where the folder should be"


def test_a_planted_symlink_is_not_followed(tmp_path):
    target = tmp_path / "elsewhere.txt"
    target.write_text("keep me")
    folder = tmp_path / "debug"
    folder.mkdir(mode=0o700)
    (folder / CURRENT).symlink_to(target)
    events = EventLog()
    recorder = DebugRecorder(folder, 1.0)
    events.subscribe(recorder)
    emit_turn(events)
    assert target.read_text() == "keep me" and recorder.failed


def test_record_dir_is_off_by_default_and_relative_to_the_config(tmp_path):
    assert record_dir(load_config(ROOT / "config.yaml")) is None
    config = tmp_path / "c.yaml"
    config.write_text("debug:\n  record_dir: rec\n  record_max_mb: 2\n")
    loaded = load_config(config)
    assert record_dir(loaded) == (tmp_path / "rec").resolve()
    assert loaded.settings.debug.record_max_mb == 2.0


@pytest.mark.parametrize("text, key", [
    ("debug:\n  record_max_mb: 0\n", "debug.record_max_mb"),
    ("debug:\n  record: yes\n", "debug.record"),
])
def test_bad_debug_settings_name_the_key(tmp_path, text, key):
    from assistant.core.errors import ConfigError

    config = tmp_path / "c.yaml"
    config.write_text(text)
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        load_config(config)


def test_only_known_modules_write_files():
    """Anything new that writes to disk must be looked at for transcripts: update this list then."""
    import re

    writers = set()
    pattern = re.compile(r"write_text|write_bytes|os\.open\(|mkstemp|open\([^)]*[\"'](?:[wax]b?\+?|r\+b?|rb\+)[\"']")
    for module, path in runtime_modules():
        if pattern.search(path.read_text(encoding="utf-8")):
            writers.add(module)
    # audio.format: WAVs the user named; debug_recording: opt-in; models.download and
    # models.fetch: models; core.events: the opt-in --events file; cli.install_service: the
    # unit; wake.pocketsphinx: the wake phrases (config, not speech).
    assert writers == {"assistant.audio.format", "assistant.daemon.debug_recording", "assistant.models.download",
                       "assistant.core.events", "assistant.cli.install_service", "assistant.models.fetch",
                       "assistant.wake.pocketsphinx"}
