"""EventLog: JSON lines flushed at once, listeners called in order, loop-thread only."""

from __future__ import annotations

import json
import threading

import pytest

from assistant.core.events import Event, EventLog, EventLogError


class FakeClock:
    def __init__(self, t: float = 100.0):
        self.t = t

    def __call__(self) -> float:
        return self.t


def read_lines(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_emit_writes_one_flushed_json_line_per_event(tmp_path):
    clock = FakeClock()
    path = tmp_path / "events.jsonl"
    log = EventLog(path, clock=clock)
    log.emit("ready")
    clock.t += 1.23456
    event = log.emit("transcript", text="What time is it?")
    # Read before close: every line must already be on disk.
    assert read_lines(path) == [
        {"ts": 0.0, "type": "ready"},
        {"ts": 1.235, "type": "transcript", "text": "What time is it?"},
    ]
    assert event == Event(type="transcript", data={"text": "What time is it?"}, ts=pytest.approx(1.23456))
    log.close()


def test_start_time_is_explicit_when_given(tmp_path):
    clock = FakeClock(50.0)
    log = EventLog(tmp_path / "e.jsonl", clock=clock, start=48.0)
    assert log.emit("wake", phrase="hey computer").ts == 2.0
    log.close()


def test_appends_to_an_existing_log_and_keeps_unicode(tmp_path):
    path = tmp_path / "e.jsonl"
    path.write_text('{"ts": 0.0, "type": "ready"}\n', encoding="utf-8")
    log = EventLog(path, clock=FakeClock())
    log.emit("reply", text="Café, 3°C")
    log.close()
    assert read_lines(path)[-1] == {"ts": 0.0, "type": "reply", "text": "Café, 3°C"}


def test_listeners_get_every_event_in_order_without_a_file():
    log = EventLog(clock=FakeClock())
    seen: list[tuple[str, str]] = []
    log.subscribe(lambda e: seen.append(("a", e.type)))
    log.subscribe(lambda e: seen.append(("b", e.type)))
    log.emit("listening")
    log.emit("thinking")
    assert seen == [("a", "listening"), ("b", "listening"), ("a", "thinking"), ("b", "thinking")]


def test_a_failing_listener_does_not_stop_the_others(caplog):
    log = EventLog(clock=FakeClock())
    seen = []

    def broken(event):
        raise RuntimeError("LED gone")

    log.subscribe(broken)
    log.subscribe(seen.append)
    log.emit("speaking")
    log.emit("idle")
    assert [e.type for e in seen] == ["speaking", "idle"]
    assert sum("failed" in r.message for r in caplog.records) == 1  # logged once, not per event


def test_ts_is_a_reserved_key():
    with pytest.raises(ValueError, match="ts"):
        EventLog(clock=FakeClock()).emit("error", ts=1)


def test_emit_from_another_thread_is_refused():
    log = EventLog(clock=FakeClock())
    log.emit("ready")  # binds the log to this (the loop's) thread
    errors = []

    def from_gpio_thread():
        try:
            log.emit("wake", phrase="button")
        except RuntimeError as exc:
            errors.append(exc)

    worker = threading.Thread(target=from_gpio_thread)
    worker.start()
    worker.join(timeout=5)
    assert errors and "call_soon_threadsafe" in str(errors[0])


def test_unwritable_path_is_one_clear_error(tmp_path):
    with pytest.raises(EventLogError, match="cannot open the event log"):
        EventLog(tmp_path / "missing" / "e.jsonl")


def test_closed_log_still_notifies_listeners(tmp_path):
    path = tmp_path / "e.jsonl"
    log = EventLog(path, clock=FakeClock())
    seen = []
    log.subscribe(seen.append)
    log.close()
    log.emit("stopping")
    assert [e.type for e in seen] == ["stopping"]
    assert path.read_text() == ""
