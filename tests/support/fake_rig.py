"""The real daemon core on fake engines and fake hardware: whole turns in milliseconds.

The daemon, its phases, listening, turns, replies and device supervision are the real
code; only the recognizer, the model, the voice, the wake detector, the VAD model, the
microphone and the speaker are stand-ins (each beside its real engine in the package).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import numpy as np

from assistant.audio.fake import LoudnessModel, ManualSpeaker, PushMicrophone
from assistant.audio.vad import VoiceActivity
from assistant.config.loader import settings_from_mapping
from assistant.core.clock import Clock
from assistant.core.events import Event, EventLog
from assistant.daemon.core import Daemon
from assistant.daemon.responder import Responder
from assistant.gpio.leds import NullLeds
from assistant.llm.fake import FakeLanguageModel
from assistant.models.loading import Engines
from assistant.stt.fake import FakeSpeechToText
from assistant.tts.fake import FakeTextToSpeech
from assistant.wake.fake import FakeWakeDetector

RATE = 16000
FAST = {"sounds": {"wake": False, "error": False}, "conversation": {"followup_window_s": 0},
        "endpoint": {"read_ahead_s": 0}}
"""Settings that keep a fake turn short: no tones, no follow-up window, no reading ahead."""


def tone(seconds: float, level: float = 0.3, freq: float = 300.0) -> np.ndarray:
    """A steady tone: 'speech' to the loudness VAD and the fake recognizer."""
    t = np.arange(int(seconds * RATE)) / RATE
    return (level * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def quiet(seconds: float) -> np.ndarray:
    """Silence."""
    return np.zeros(int(seconds * RATE), np.float32)


WAKE = np.full(int(0.1 * RATE), 0.95, np.float32)
"""A loud burst: the fake wake detector's phrase."""


class RecordingLeds(NullLeds):
    """Accepts LED states like NullLeds and keeps every one shown."""

    def __init__(self) -> None:
        self.shown: list[str] = []

    def show(self, state: str) -> None:
        super().show(state)
        self.shown.append(state)


class NoSystemd:
    """A notifier with no systemd behind it that remembers what it was told."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, object]] = []

    def __getattr__(self, name):
        return lambda *args, **kw: self.sent.append((name, args[0] if args else None)) or False


@dataclass
class Rig:
    """A daemon under test and the handles to drive it."""

    daemon: Daemon
    mic: PushMicrophone
    speaker: ManualSpeaker
    stt: FakeSpeechToText
    llm: FakeLanguageModel
    tts: FakeTextToSpeech
    wake: FakeWakeDetector
    leds: RecordingLeds
    notifier: NoSystemd
    events: list[Event] = field(default_factory=list)
    task: asyncio.Task | None = None

    def types(self, after: int = 0) -> list[str]:
        return [e.type for e in self.events[after:]]

    def of(self, type_: str) -> list[Event]:
        return [e for e in self.events if e.type == type_]

    async def until(self, type_: str, after: int = 0, timeout_s: float = 5.0) -> Event:
        """The first event of ``type_`` at index ``after`` or later, waiting for it."""
        async def find():
            while True:
                for event in self.events[after:]:
                    if event.type == type_:
                        return event
                if self.task is not None and self.task.done():
                    raise AssertionError(f"the daemon stopped before {type_!r}: {self.types()}")
                await asyncio.sleep(0.001)
        try:
            return await asyncio.wait_for(find(), timeout_s)
        except asyncio.TimeoutError:
            raise AssertionError(f"no {type_!r} within {timeout_s} s; saw {self.types(after)}") from None

    async def ask(self, seconds: float = 0.6, silence_s: float = 1.0, wake: bool = True) -> None:
        """Say the wake 'phrase', then a question, then stay quiet."""
        if wake:
            self.mic.push(WAKE)
            self.mic.push(quiet(0.06))
            await self.until("listening", after=len(self.events) - 1 if self.events else 0)
        self.mic.push(tone(seconds))
        self.mic.push(quiet(silence_s))

    async def stop(self) -> int:
        self.daemon.request_stop("test")
        return await asyncio.wait_for(self.task, 5)


async def start_rig(settings: dict | None = None, *, stt=None, llm=None, tts=None, wake=None,
                    autoplay=True, echo=None, spotter=None) -> Rig:
    """A running daemon on fakes, ready (its first audio block arrived); ``wake`` replaces the
    fake detector; ``echo`` and ``spotter`` as the daemon takes them (none by default)."""
    merged = {**FAST, **(settings or {})}
    s = settings_from_mapping(merged)
    clock = Clock()
    stt = stt or FakeSpeechToText()
    llm = llm or FakeLanguageModel(settings=s.llm)
    tts = tts or FakeTextToSpeech(rate=RATE)
    engines = Engines(s, stt=stt, llm=llm, tts=tts)
    mic, speaker = PushMicrophone(clock), ManualSpeaker(RATE, clock, autoplay=autoplay)
    log, leds, notifier = EventLog(clock=clock.now), RecordingLeds(), NoSystemd()
    wake = wake or FakeWakeDetector()
    responder = Responder(engines, speaker, log, s.timeouts, s.llm.timeout_s, s.tts.first_piece_chars)
    vad = VoiceActivity(s.endpoint.vad_threshold, model=LoudnessModel())
    daemon = Daemon(s, engines, mic, speaker, log, wake, vad, responder, leds, notifier, clock,
                    echo=echo, spotter=spotter)
    rig = Rig(daemon, mic, speaker, stt, llm, tts, wake, leds, notifier)
    log.subscribe(rig.events.append)
    rig.task = asyncio.create_task(daemon.run())
    await asyncio.sleep(0)
    mic.push(quiet(0.03))
    await rig.until("ready")
    return rig
