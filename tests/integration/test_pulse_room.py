"""The room on PulseAudio: `assistant run` on its real sounddevice streams hears its own replies.

A private PulseAudio server; the daemon plays into one null sink and records another; the
rig (assistant_tools/pulse_room.py) carries what it plays back into its microphone through
the seeded room, with PulseAudio's and ALSA's buffering in the path, and mixes the user's
speech on top. The replies are the real LLM's. With audio.echo_cancel on, a whole reply
wakes nothing, and the wake word and "stop" said over a reply interrupt it; with it off (the
detectors forced on while it speaks), "stop" is lost in its own voice.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess

import pytest
from support import ASSISTANT, ROOT, WAKE, words
from support.events_file import EventsFile

from assistant.audio.format import ENGINE_RATE
from assistant_tools.bench_room import INTO_REPLY_S, user_says
from assistant_tools.pulse_room import PulseRoom, PulseServer, wait_until
from assistant_tools.speech import concat, silence

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(shutil.which("pulseaudio") is None, reason="pulseaudio not installed")]

LIMIT_S = 0.3
"""A phrase said over a reply is decided within this much audio after the phrase's end."""
FIRST, SECOND, THIRD = ("Tell me about the moon and the stars.", "Tell me a story about a dragon.",
                        "Why is the sky blue?")


@contextlib.contextmanager
def daemon_in_room(tmp_path, echo: bool):
    """(room, events) with `assistant run` started in a PulseAudio room and ready."""
    config = tmp_path / "room.yaml"
    config.write_text(f"audio:\n  echo_cancel: {str(echo).lower()}\n"
                      f"wake:\n  during_speech: {str(not echo).lower()}\n"
                      "sounds:\n  wake: false\n  error: false\nconversation:\n  followup_window_s: 0\n")
    events = EventsFile(tmp_path / "events.jsonl")
    with PulseServer(tmp_path / "pulse") as server:
        room = PulseRoom(server.env).start()
        daemon = subprocess.Popen(ASSISTANT + ["--config", str(config), "run", "--events", str(events.path)],
                                  env=room.daemon_env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True)
        try:
            ready = events.wait("ready")
            # audio.output_buffer_ms (100) reached the sound card: the lowest latency ran dry
            # about 15 times per reply here while the LLM generated (docs/performance.md).
            assert ready["speaker_latency_s"] >= 0.09, ready
            yield room, events
        finally:
            daemon.terminate()
            _, err = daemon.communicate(timeout=60)
            room.close()
        assert daemon.returncode == 0, err[-2000:]


def ask(engines, text: str):
    """The wake word, a pause and a question, as the user says them at the rig's level."""
    return concat(silence(0.3), user_says(engines, WAKE)[0], silence(0.5), user_says(engines, text)[0])


def over_reply(room, events, clip, after: int, timeout_s: float = 4.0) -> dict | None:
    """Say ``clip`` over the reply; the barge_in it caused within ``timeout_s`` of audio, or None."""
    assert not events.all("idle", after), "the reply ended before the user spoke over it"
    room.say(clip)
    until = room.position + int((clip.seconds + timeout_s) * ENGINE_RATE)
    wait_until(lambda: events.all("barge_in", after) or room.position >= until, 60, "the phrase to be heard")
    return next(iter(events.all("barge_in", after)), None)


def test_with_echo_cancellation_it_hears_the_wake_word_and_stop_over_a_real_reply_and_not_itself(engines, tmp_path):
    stop = user_says(engines, "Stop.", louder_db=10.0)[0]  # as in test_room: AEC3 quietens a voice not above the echo
    with daemon_in_room(tmp_path, echo=True) as (room, events):
        room.say(ask(engines, FIRST))  # (a) a whole reply echoed, nobody talking over it
        events.wait("echo", timeout_s=180)
        events.wait("idle", events.count() - 1)
        room.say(ask(engines, SECOND))
        n = events.count()
        events.wait("speaking", n)
        room.wait_audible(INTO_REPLY_S)
        n = events.count()
        woken = over_reply(room, events, ask(engines, THIRD), n)  # (b) the wake word, then "stop"
        events.wait("speaking", n)
        room.wait_audible(INTO_REPLY_S)
        for tries in range(1, 4):  # a missed "stop" is said again, as people do
            stopped = over_reply(room, events, stop, events.count())
            if stopped is not None:
                break
        events.wait("idle", events.count() - 1)
    echoes = events.all("echo")
    print(f"\nover PulseAudio: {woken}\n'stop' on try {tries}: {stopped}\nper reply: {echoes}\n"
          f"underruns: {[e['underruns'] for e in events.all('turn_done')]}")
    assert woken is not None and stopped is not None
    assert (woken["phrase"], woken["engine"]) == ("hey mycroft", "micro")
    assert stopped["phrase"] == "stop" and stopped["source"] == "voice"
    assert woken["heard_s"] <= LIMIT_S and stopped["heard_s"] <= LIMIT_S
    assert [e["phrase"] for e in events.all("wake")] == ["hey mycroft"] * 3  # the user's, nothing of its own
    assert len(events.all("barge_in")) == 2
    transcripts = [e["text"] for e in events.all("transcript")]
    assert {"moon", "stars"} <= words(transcripts[0]) and "dragon" in words(transcripts[1]), transcripts
    assert "sky" in words(transcripts[2]), transcripts
    assert len(echoes) == 3 and echoes[0]["erle_db"] >= 20  # the uninterrupted reply (31.6 dB on 2026-12-07)


def test_without_echo_cancellation_stop_is_lost_in_its_own_voice(engines, tmp_path):
    stop = user_says(engines, "Stop.", louder_db=10.0)[0]
    with daemon_in_room(tmp_path, echo=False) as (room, events):
        room.say(ask(engines, FIRST))
        events.wait("speaking")
        room.wait_audible(INTO_REPLY_S)
        n = events.count()
        stopped = [over_reply(room, events, stop, n) for _ in range(2)]
        events.wait("idle", n, timeout_s=180)  # the reply played to its end
    done = events.all("turn_done")[0]
    print(f"\nwithout echo cancellation over PulseAudio: {stopped}; wakes {events.all('wake')}; "
          f"underruns in the reply: {done['underruns']}")
    assert stopped == [None, None] and len(events.all("wake")) == 1
    assert not events.all("echo") and not events.all("barge_in")
