"""The real daemon in a simulated room: what it says comes back into its microphone.

The file microphone and the recording speaker share one clock through a seeded room
(assistant/audio/room.py: the echo at about -35 dBFS, the user at -29 dBFS: a USB speaker
half a metre from the microphone at a low volume, the user about 1 m away speaking up).
With audio.echo_cancel on, the assistant does not hear itself and is stopped by voice;
with it off and the detectors forced on while it speaks, it fails: so the cancellation is
what fixes it.

Most replies are fixed texts spoken through the daemon's own path for unasked speech (the
one timer announcements take: piper, the speaker, the phases): the same long audio on every
run, and no LLM time. One test asks the real LLM.
"""

from __future__ import annotations

import asyncio

import numpy as np
import pytest
from support.daemon import make_config

from assistant.audio.format import ENGINE_RATE
from assistant.audio.room import USER_DBFS, RoomParams
from assistant_tools.driver import DaemonDriver
from assistant_tools.speech import at_level, concat, espeak_clip, piper_clip, silence

REPLIES = (
    "Here is the weather for tomorrow. It will be mostly sunny with a few clouds in the afternoon, "
    "and the temperature will reach twenty two degrees.",
    "To wake me, just say hey computer, and then ask your question. You can say stop at any time.",
    "The capital of France is Paris. It is on the river Seine and is known for the Eiffel Tower, "
    "its museums and its cafes.",
    "A spider has eight legs. Most spiders also have eight eyes, although many of them see poorly.",
    "If you want me to be quiet, say stop or cancel, and I will stop talking at once.",
    "Water boils at one hundred degrees Celsius at sea level, and at a lower temperature in the mountains.",
    "Romeo and Juliet was written by William Shakespeare, probably in the middle of the fifteen nineties.",
    "Hey computer is the phrase I listen for. When you say it, I play a short tone and listen.",
    "Bananas are yellow when they are ripe. They start green and turn brown when they are old.",
    "The sky is blue on a clear day because air scatters blue light more than red light.",
    "Your timer for five minutes is done. Would you like me to set another one?",
    "The moon goes around the earth about once a month, and always shows us the same side.",
)
"""A dozen long replies; some say the wake phrase or a stop phrase, as help texts do."""

LIMIT_S = 0.3
"""A phrase said over a reply stops it within this much audio after the phrase's end."""


def room_config(echo: bool):
    """Echo cancellation on, or off with the detectors forced on while speaking."""
    return make_config(audio={"echo_cancel": echo}, wake={"during_speech": not echo},
                       tts={"variation": False}, sounds={"wake": False, "error": False},
                       conversation={"followup_window_s": 0})


def user_says(engines, text: str) -> tuple:
    """The user's phrase at the rig's level, and where its speech ends in the clip."""
    clip = at_level(concat(piper_clip(engines.tts, text, length_scale=1.3)), USER_DBFS)
    loud = np.flatnonzero(np.abs(clip.samples) > 0.01)
    return clip, int(loud[-1]) + 1


async def into_reply(driver, after: int, seconds: float) -> None:
    """Wait until the reply begun after event ``after`` has played ``seconds`` (in the mic's samples)."""
    await driver.wait_for("speaking", after, timeout_s=120)
    start = driver.mic.position
    while driver.mic.position - start < seconds * ENGINE_RATE:
        await asyncio.sleep(0.03)


async def speak_all(driver, texts) -> int:
    """The daemon speaks each text in turn; the index of the first event of it all."""
    first = len(driver.events)
    for text in texts:
        after = len(driver.events)
        driver.daemon.runner.speak(text)
        await driver.wait_for("speaking", after, timeout_s=120)
        await driver.wait_for("idle", after, timeout_s=300)
    return first


def run(config, engines, tmp_path, body, seed: int = 0):
    """Start the daemon in the room, run ``body(driver)``, stop it; body's result."""
    async def main():
        driver = DaemonDriver(config, engines, tmp_path / "speaker.wav", tmp_path / "events.jsonl",
                              room=RoomParams(seed=seed))
        await driver.start()
        try:
            return driver, await body(driver)
        finally:
            await driver.stop()

    loaded, engines.llm.settings = engines.llm.settings, config.settings.llm
    try:
        return asyncio.run(main())
    finally:
        engines.llm.settings = loaded


def test_a_dozen_long_replies_and_a_real_answer_wake_nothing(engines, tmp_path):
    async def body(driver):
        first = await speak_all(driver, REPLIES)
        ask = concat(silence(0.3), user_says(engines, "Hey computer.")[0], silence(0.5),
                     user_says(engines, "Tell me about the moon.")[0])
        after = driver.say(ask)
        _, done = await driver.wait_for("turn_done", after, timeout_s=300)
        await driver.wait_for("idle", after, timeout_s=120)
        return first, done

    driver, (first, done) = run(room_config(echo=True), engines, tmp_path, body)
    types = [e.type for e in driver.events[first:]]
    stats = driver.daemon.echo.stats
    print(f"\nechoed replies: {len(REPLIES)} fixed + 1 LLM ({done.data['spoken']!r}); echo {stats}")
    assert types.count("wake") == 1 and "barge_in" not in types, types  # only the user's own wake word
    assert done.data["spoken"] and types.count("turn_done") == 1
    assert stats.erle_db() >= 25 and stats.late_reference == 0 and stats.reanchors == 0


def interrupt(engines, tmp_path, phrases, echo: bool):
    """Each phrase said 2.5 s into a long fixed reply: (barge-in events, positions, driver)."""
    said = [user_says(engines, p) for p in phrases]

    async def body(driver):
        found = []
        await speak_all(driver, REPLIES[:1])  # the canceller has heard a reply before
        for i, (clip, end) in enumerate(said):
            after = len(driver.events)
            driver.daemon.runner.speak(REPLIES[2 + i])
            await into_reply(driver, after, 2.5)
            driver.say(clip)
            await driver.wait_for("no_speech" if echo and "computer" in phrases[i] else "idle", after,
                                  timeout_s=300)
            barge = next((e for e in driver.events[after:] if e.type == "barge_in"), None)
            found.append((barge, driver.mic.clip_starts[-1] + end))
        return found

    return run(room_config(echo), engines, tmp_path, body)


def test_the_wake_word_and_stop_said_over_a_reply_interrupt_it_at_once(engines, tmp_path):
    phrases = ["Stop.", "Hey computer.", "Be quiet."]
    driver, found = interrupt(engines, tmp_path, phrases, echo=True)
    mic = driver.mic
    for phrase, (barge, end) in zip(phrases, found):
        assert barge is not None, phrase
        decided = round((barge.data["phrase_end_at"] + barge.data["heard_s"] - mic.started_at) * ENGINE_RATE)
        print(f"\n{phrase!r}: heard as {barge.data['phrase']!r}; decided {(decided - end) / ENGINE_RATE:+.3f} s "
              f"after the phrase's end (audio); reply stopped {barge.data['latency_s']:.3f} s after it (wall)")
        assert decided - end <= LIMIT_S * ENGINE_RATE, barge.data
    stops = [b.data["phrase"] for b, _ in found]
    assert stops == ["stop", "hey computer", "be quiet"]
    types = driver.events
    assert any(e.type == "wake" and e.data["phrase"] == "hey computer" for e in types)


def test_without_echo_cancellation_the_assistant_hears_itself(engines, tmp_path):
    async def body(driver):
        first = await speak_all(driver, [REPLIES[1], REPLIES[4], REPLIES[7]])
        return first

    driver, first = run(room_config(echo=False), engines, tmp_path, body)
    heard = [e for e in driver.events[first:] if e.type in ("wake", "barge_in")]
    print(f"\nwithout echo cancellation, from its own voice: {[(e.type, e.data) for e in heard]}")
    assert heard, "the assistant never heard itself: the room is not echoing"


def test_without_echo_cancellation_stop_is_missed(engines, tmp_path):
    driver, found = interrupt(engines, tmp_path, ["Stop."], echo=False)
    barge, _ = found[0]
    print(f"\nwithout echo cancellation, 'stop' over a reply: {barge and barge.data}")
    assert barge is None or barge.data.get("phrase") != "stop"
