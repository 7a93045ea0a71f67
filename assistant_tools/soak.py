"""`make soak`: hundreds of turns through the real daemon, watching memory, files and threads.

    python -m assistant_tools.soak [--turns 300] [--json]

Mixes questions for the LLM, local intents, wake words with nothing after them,
silence, noise and barge-ins (push-to-talk on gpiozero's mock pins), then reports
turns, errors and resident memory, open files and threads at the start and end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from assistant.audio.format import ENGINE_RATE, Clip
from assistant.config.loader import Config, load_config, settings_from_mapping
from assistant.models.loading import load_engines
from assistant_tools.bench import median_p90
from assistant_tools.driver import DaemonDriver
from assistant_tools.speech import concat, piper_clip, silence, wake_words

LLM_QUESTIONS = ("What is the capital of Italy?", "Name a color.", "What do bees make?")
INTENT_QUESTIONS = ("What time is it?", "What is the date today?", "Volume up.", "Volume down.")
LONG_QUESTION = "Tell me a long story about a fox and a crow."
WARM_UP_TURNS = 20  # allocator and caches settle before the start figures are taken


def process_figures() -> dict:
    """Resident memory (MB), open file descriptors and threads of this process now."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        rss_pages = int(statm.read().split()[1])
    return {"rss_mb": round(rss_pages * os.sysconf("SC_PAGE_SIZE") / 2**20, 1),
            "fds": len(os.listdir("/proc/self/fd")),
            "threads": threading.active_count()}


def soak_config(config: Config) -> Config:
    import dataclasses

    data = dataclasses.asdict(config.settings)
    data["button"].update(pin=17, bounce_s=0.02)
    data["conversation"].update(followup_window_s=0)
    data["endpoint"].update(no_speech_timeout_s=2.0)
    data["llm"].update(max_tokens=48)
    return Config(settings_from_mapping(data), config.path)


class Soak:
    """Drives one daemon through a seeded mix of interactions."""

    def __init__(self, config: Config, engines, workdir: Path, seed: int = 7) -> None:
        from gpiozero.pins.mock import MockFactory

        self.factory = MockFactory()
        self.pin = self.factory.pin(17)
        self.driver = DaemonDriver(config, engines, workdir / "speaker.wav", pin_factory=self.factory)
        self.tts = engines.tts
        self.wake = wake_words(self.driver.daemon.wake)
        """The wake phrase as spoken."""
        self.rng = random.Random(seed)
        self.speech: dict[str, Clip] = {}
        self.counts = {"turns": 0, "barge_ins": 0, "wake_only": 0, "silence": 0, "noise": 0, "failed": 0}
        self.llm_latency: list[tuple[float, int]] = []
        """(first audio after the end of speech, history turns in the prompt) of each LLM answer."""

    def say(self, text: str) -> Clip:
        if text not in self.speech:
            self.speech[text] = piper_clip(self.tts, text)
        return self.speech[text]

    def question(self, text: str) -> Clip:
        return concat(silence(0.3), self.say(self.wake), silence(0.6), self.say(text), silence(0.2))

    async def interaction(self) -> None:
        kind = self.rng.choices(["llm", "intent", "wake_only", "silence", "noise", "barge_in"],
                                weights=[3, 4, 1, 1, 1, 1])[0]
        d = self.driver
        if kind in ("silence", "noise"):
            noise = np.random.default_rng(self.rng.randrange(1 << 30)).normal(0, 0.02, ENGINE_RATE)
            d.say(silence(1.5) if kind == "silence" else Clip(noise.astype(np.float32), ENGINE_RATE))
            await asyncio.sleep(1.6)
            self.counts[kind] += 1
            return
        before = d.say(self.question(self.rng.choice(LLM_QUESTIONS)) if kind == "llm" else
                       self.question(self.rng.choice(INTENT_QUESTIONS)) if kind == "intent" else
                       self.question(LONG_QUESTION) if kind == "barge_in" else
                       concat(silence(0.3), self.say(self.wake), silence(0.3)))
        if kind == "barge_in":
            await d.wait_for("speaking", before)
            self.pin.drive_low()
            await d.wait_for("barge_in", before)
            self.pin.drive_high()
            await d.wait_for("no_speech", before)  # the press started listening; nobody spoke
            self.counts["barge_ins"] += 1
        elif kind == "wake_only":
            await d.wait_for("no_speech", before)
            self.counts["wake_only"] += 1
        else:
            await d.wait_for("turn_done", before)
            self.counts["turns"] += 1
        await d.wait_for("idle", before)
        if kind == "llm":
            self._note_latency(d.events[before:])

    def _note_latency(self, events) -> None:
        latency = [e.data.get("latency_s") for e in events if e.type == "first_audio"]
        history = [e.data["history_turns"] for e in events if e.type == "llm"]
        if latency and latency[0] is not None and history:
            self.llm_latency.append((latency[0], history[-1]))

    async def idle_figures(self) -> dict:
        """Process figures once the idle daemon has given its freed memory back."""
        if self.driver.daemon.heap_trim is not None:
            await self.driver.daemon.heap_trim
        return process_figures()

    async def run(self, interactions: int) -> dict:
        await self.driver.start()
        start = None
        began = time.monotonic()
        for i in range(interactions):
            if i == WARM_UP_TURNS:
                start = await self.idle_figures()
            try:
                await self.interaction()
            except RuntimeError as exc:  # an interaction went wrong: count it, carry on from idle
                self.counts["failed"] += 1
                print(f"interaction {i}: {exc}", file=sys.stderr)
                await self.driver.wait_for("idle", max(0, len(self.driver.events) - 1))
        end = await self.idle_figures()
        code = await self.driver.stop()
        errors = [e.data for e in self.driver.events if e.type == "error"]
        return {"interactions": interactions, **self.counts, "errors": len(errors),
                "error_messages": errors[:10], "start": start or end, "end": end,
                "rss_growth": round(end["rss_mb"] / (start or end)["rss_mb"] - 1, 4),
                "exit_code": code, "minutes": round((time.monotonic() - began) / 60, 1),
                "llm_first_audio_s": latency_figures([s for s, _ in self.llm_latency]),
                "history_turns_max": max((h for _, h in self.llm_latency), default=0)}


def latency_figures(seconds: list[float]) -> dict:
    """Median, 90th percentile and worst of a list of latencies."""
    return {**median_p90(seconds), "max": round(max(seconds), 3) if seconds else None}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m assistant_tools.soak", description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=300, help="interactions (default 300)")
    parser.add_argument("--config", help="configuration file")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    config = soak_config(load_config(args.config))
    engines = load_engines(config)
    with tempfile.TemporaryDirectory(prefix="soak-") as tmp:
        result = asyncio.run(Soak(config, engines, Path(tmp)).run(args.turns))
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:<16}{value}")
    ok = result["errors"] == 0 and not result["failed"] and result["rss_growth"] < 0.05 and result["exit_code"] == 0 \
        and result["end"]["fds"] <= result["start"]["fds"] and result["end"]["threads"] <= result["start"]["threads"]
    print("soak:", "passed" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
