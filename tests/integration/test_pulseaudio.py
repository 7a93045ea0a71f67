"""The real sounddevice path: the daemon hears and speaks through a PulseAudio null sink.

The test starts its own PulseAudio server (no sound card needed): what is played into
the sink `vsink` is what the daemon's microphone (`vsink.monitor`) hears.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest
from support import ASSISTANT, ROOT, WAKE, words
from support.daemon import silence, spoken
from support.events_file import EventsFile

from assistant.audio.format import read_wav, rms, write_wav
from assistant_tools.pulse_room import PulseServer
from assistant_tools.speech import concat

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(shutil.which("pulseaudio") is None, reason="pulseaudio not installed")]


@pytest.fixture
def pulse(tmp_path):
    """A private PulseAudio server with a null sink; yields the environment to reach it."""
    with PulseServer(tmp_path) as server:
        loaded = server.pactl("load-module", "module-null-sink", "sink_name=vsink")
        assert loaded.returncode == 0, loaded.stderr
        yield dict(server.env, PULSE_SINK="vsink", PULSE_SOURCE="vsink.monitor")


def test_daemon_through_pulseaudio(tmp_path, pulse, tts):
    question = tmp_path / "question.wav"
    write_wav(question, concat(silence(0.5), spoken(tts, WAKE), silence(0.7),
                               spoken(tts, "What is the capital of France?"), silence(0.5)))
    events = EventsFile(tmp_path / "events.jsonl")
    daemon = subprocess.Popen(ASSISTANT + ["run", "--turns", "1", "--events", str(events.path)],
                              env=pulse, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    recorder = None
    try:
        events.wait("ready")
        recorder = subprocess.Popen(["parecord", "--device=vsink.monitor", "--file-format=wav",
                                     str(tmp_path / "heard.wav")], env=pulse)
        subprocess.run(["paplay", "--device=vsink", str(question)], env=pulse, check=True, timeout=30)
        _, err = daemon.communicate(timeout=180)
    finally:
        daemon.kill() if daemon.poll() is None else None
        if recorder is not None:
            recorder.terminate()
            recorder.wait(timeout=5)
    assert daemon.returncode == 0, err
    types = [e["type"] for e in events.all()]
    for wanted in ("ready", "wake", "transcript", "reply", "speaking", "first_audio", "turn_done"):
        assert wanted in types, types
    transcript = events.all("transcript")[0]["text"]
    assert {"capital", "france"} <= words(transcript)
    # The reply really went out through PulseAudio: the sink carried sound after the question.
    heard = read_wav(tmp_path / "heard.wav")
    tail = heard.samples[int(question_seconds(question) * heard.rate):]
    assert rms(tail) > 0.005


def question_seconds(path) -> float:
    return read_wav(path).seconds
