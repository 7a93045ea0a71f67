"""The daemon in a simulated room: echo cancellation and barge-in by voice, for the bench and the tests.

The file microphone and the recording speaker share one clock through a seeded room
(assistant/audio/room.py): what the assistant says comes back into its microphone. The
replies are fixed texts spoken through the daemon's own path for unasked speech (the one
timer announcements take), so the same long audio plays on every run and no LLM time is spent.
"""

from __future__ import annotations

import asyncio
import dataclasses
import statistics
import time
from pathlib import Path

import numpy as np

from assistant.audio.format import ENGINE_RATE, Clip
from assistant.audio.room import USER_DBFS, RoomParams
from assistant.config.loader import Config, settings_from_mapping
from assistant_tools.driver import DaemonDriver
from assistant_tools.speech import at_level, piper_clip

REPLIES = (
    "Here is the weather for tomorrow. It will be mostly sunny with a few clouds in the afternoon, "
    "and the temperature will reach twenty two degrees.",
    "To wake me, just say hey mycroft, and then ask your question. You can say stop at any time.",
    "The capital of France is Paris. It is on the river Seine and is known for the Eiffel Tower, "
    "its museums and its cafes.",
    "A spider has eight legs. Most spiders also have eight eyes, although many of them see poorly.",
    "If you want me to be quiet, say stop or cancel, and I will stop talking at once.",
    "Water boils at one hundred degrees Celsius at sea level, and at a lower temperature in the mountains.",
    "Romeo and Juliet was written by William Shakespeare, probably in the middle of the fifteen nineties.",
    "Hey Mycroft is the phrase I listen for. When you say it, I play a short tone and listen.",
    "Bananas are yellow when they are ripe. They start green and turn brown when they are old.",
    "The sky is blue on a clear day because air scatters blue light more than red light.",
    "Your timer for five minutes is done. Would you like me to set another one?",
    "The moon goes around the earth about once a month, and always shows us the same side.",
)
"""A dozen long replies; some say the wake phrase or a stop phrase, as help texts do."""

COMMANDS = ("Stop.", "Hey Mycroft.", "Be quiet.")
"""What the user says over a reply to interrupt it."""

INTO_REPLY_S = 2.5
"""How far into a reply the user interrupts (the canceller has converged by then)."""


def room_config(config: Config, echo: bool) -> Config:
    """``config`` with echo cancellation on, or off with the detectors forced on while speaking;
    no tones, no follow-ups, piper's variation off (the same audio every run)."""
    data = dataclasses.asdict(config.settings)
    data["audio"]["echo_cancel"] = echo
    data["wake"]["during_speech"] = not echo
    data["tts"]["variation"] = False
    data["sounds"].update(wake=False, error=False)
    data["conversation"]["followup_window_s"] = 0
    return Config(settings_from_mapping(data), config.path)


def user_says(engines, text: str, louder_db: float = 0.0) -> tuple[Clip, int]:
    """The user's phrase (piper, slowly) at the rig's level (``louder_db`` above it), and where
    its speech ends in the clip."""
    clip = at_level(piper_clip(engines.tts, text, length_scale=1.3), USER_DBFS + louder_db)
    loud = np.flatnonzero(np.abs(clip.samples) > 0.01)
    return clip, int(loud[-1]) + 1


async def speak_all(driver: DaemonDriver, texts) -> int:
    """The daemon speaks each text in turn; the index of the first event of it all."""
    first = len(driver.events)
    for text in texts:
        after = len(driver.events)
        driver.daemon.runner.speak(text)
        await driver.wait_for("speaking", after, timeout_s=120)
        await driver.wait_for("idle", after, timeout_s=300)
    return first


async def into_reply(driver: DaemonDriver, after: int, seconds: float) -> None:
    """Wait until the reply begun after event ``after`` has played ``seconds`` (in the mic's samples)."""
    await driver.wait_for("speaking", after, timeout_s=120)
    start = driver.mic.position
    while driver.mic.position - start < seconds * ENGINE_RATE:
        await asyncio.sleep(0.03)


def long_reply(i: int) -> str:
    """Three of the replies, one after the other (about 18 s): the phrase said over it is still
    heard over it when a loaded machine analyses the microphone many seconds late."""
    return " ".join(REPLIES[(i + k) % len(REPLIES)] for k in range(3))


async def analysed(driver: DaemonDriver, seconds: float) -> None:
    """Wait until ``seconds`` more of microphone audio were captured and the daemon has analysed
    everything captured: a loaded machine analyses seconds late."""
    until = driver.mic.position + int(seconds * ENGINE_RATE)
    while driver.mic.position < until or driver.daemon.router.blocks.pending():
        await asyncio.sleep(0.03)


async def interrupt(driver: DaemonDriver, said, first: int = 2, cut_short: bool = False) -> list[tuple[object, int]]:
    """Each (clip, end) said ``INTO_REPLY_S`` into a long reply: (the barge_in event or None,
    the microphone position where the phrase's speech ended). With ``cut_short``, a reply the
    phrase did not interrupt is stopped once the phrase was analysed, not played to its end."""
    found = []
    for i, (clip, end) in enumerate(said):
        after = len(driver.events)
        driver.daemon.runner.speak(long_reply(first + 3 * i))
        await into_reply(driver, after, INTO_REPLY_S)
        driver.say(clip)
        await analysed(driver, clip.seconds + 0.5)
        if cut_short and not any(e.type == "barge_in" for e in driver.events[after:]):
            await driver.daemon.router.stop("bench")
        await driver.wait_for("idle", after, timeout_s=300)
        barge = next((e for e in driver.events[after:] if e.type == "barge_in" and e.data["source"] == "voice"), None)
        found.append((barge, driver.mic.clip_starts[-1] + end))
    return found


def decided_after_s(driver: DaemonDriver, barge, end: int) -> float:
    """Audio heard after the phrase's end before the daemon decided, in the microphone's samples."""
    decided = (barge.data["phrase_end_at"] + barge.data["heard_s"] - driver.mic.started_at) * ENGINE_RATE
    return round((decided - end) / ENGINE_RATE, 3)


def run_in_room(config: Config, engines, workdir: Path, body, seed: int = 0):
    """Start the daemon in the room, run ``body(driver)``, stop it: (driver, body's result)."""
    async def main():
        driver = DaemonDriver(config, engines, workdir / "room-speaker.wav", workdir / "room-events.jsonl",
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


def room_figures(config: Config, engines, workdir: Path, rounds: int = 2) -> dict:
    """ERLE over ``6 * rounds`` echoed replies (a dozen by default), the canceller's CPU, and
    barge-in by voice ``rounds`` times per command: how often it worked and how late, in audio
    and in wall time."""
    said = [user_says(engines, text) for text in COMMANDS] * rounds

    async def body(driver):
        cpu, wall = time.process_time(), time.monotonic()
        await speak_all(driver, REPLIES[:6 * rounds])
        cores = (time.process_time() - cpu) / (time.monotonic() - wall)
        echoed = dataclasses.replace(driver.daemon.echo.stats)
        return echoed, cores, await interrupt(driver, said)

    driver, (echoed, cores, found) = run_in_room(room_config(config, echo=True), engines, workdir, body)
    hits = [(b, end) for b, end in found if b is not None]
    audio = [decided_after_s(driver, b, end) for b, end in hits]
    wall = [b.data["latency_s"] for b, _ in hits]
    spoken = sum(1 for e in driver.events if e.type == "barge_in")
    return {
        "erle_db": echoed.erle_db(), "echo_late_reference": echoed.late_reference,
        "echo_cpu_per_audio_s": round(echoed.cpu_s / max(echoed.processed_s, 1e-9), 4),
        "cpu_cores_speaking": round(cores, 3),
        "voice_barge_in": {
            "detected": f"{len(hits)}/{len(said)}", "barge_ins": spoken,
            "heard": [b.data["phrase"] for b, _ in hits],
            "after_end_audio_s": _median_max(audio), "latency_wall_s": _median_max(wall)},
    }


def _median_max(values) -> dict:
    return {"median": round(statistics.median(values), 3), "max": round(max(values), 3)} if values else {}
