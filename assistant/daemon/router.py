"""Where each microphone block goes: to the question being recorded, or to the wake-word
detector; and what starts, ends or interrupts a question (wake word, button, timers)."""

from __future__ import annotations

import logging
import time
from typing import Callable

import numpy as np

from assistant.audio.endpoint import Outcome
from assistant.audio.format import ENGINE_RATE
from assistant.audio.resample import StreamResampler
from assistant.audio.ring import StreamRing
from assistant.audio.tones import wake_tone
from assistant.core.errors import AssistantError
from assistant.daemon.barge_in import VoiceBargeIn, VoiceCommand
from assistant.daemon.listening import Listening
from assistant.daemon.mic_queue import MicQueue
from assistant.daemon.phases import Phase, PhaseMachine
from assistant.daemon.read_ahead import ReadAhead
from assistant.daemon.turn import TurnRunner

log = logging.getLogger(__name__)

RING_S = 3.0  # audio kept from before a wake hit, to start the question at the phrase's end


class AudioRouter:
    """Moves microphone audio to whoever listens in the current phase; starts and interrupts turns."""

    def __init__(self, settings, phases: PhaseMachine, listening: Listening, runner: TurnRunner,
                 read_ahead: ReadAhead, wake, speaker, events, fail: Callable[..., None],
                 echo=None, voice: VoiceBargeIn | None = None, now: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        """The daemon's settings (a reload replaces them)."""
        self.phases, self.listening, self.runner, self.read_ahead = phases, listening, runner, read_ahead
        self.wake, self.speaker, self.events, self.fail = wake, speaker, events, fail
        self.audio_pool = listening.audio_pool
        self.blocks = MicQueue()
        self.ring = StreamRing(RING_S, ENGINE_RATE)
        self.resampler = StreamResampler(ENGINE_RATE, ENGINE_RATE)
        self.rate = ENGINE_RATE
        self.now = now
        """The daemon's clock, the one the microphone's blocks are stamped with."""
        self.echo = echo
        """The echo canceller (and noise suppression), or None."""
        self.voice = voice or VoiceBargeIn(False, None, None, (), speaker, 0.0)

    def mic_rate(self, rate: int) -> None:
        """The microphone (re)opened at ``rate``: resample from it."""
        self.resampler = StreamResampler(rate, ENGINE_RATE)
        self.rate = rate
        if self.echo is not None:
            self.echo.restart_mic()

    async def run(self) -> None:
        """Analyse microphone blocks as they arrive, for as long as the daemon runs."""
        while True:
            block, at = await self.blocks.get()
            try:
                await self._analyse(block, at)
            except AssistantError as exc:  # e.g. whisper failed on a wake-word segment
                self.fail(str(exc), stage="audio")
                if self.phases.is_(Phase.LISTENING):
                    self.listening.drop()
                    self.phases.enter(Phase.IDLE)

    def _clean(self, block: np.ndarray, at: float) -> np.ndarray:
        """On the audio worker: the block at 16 kHz, echo-cancelled. ``at`` is the callback
        time, when the block's capture ended."""
        captured_at = at - len(block) / self.rate
        if not self.resampler.passthrough:
            block = self.resampler.process(block)
        if self.echo is not None:
            block = self.echo.process(block, captured_at)
        return block

    async def _analyse(self, block: np.ndarray, at: float) -> None:
        run = self.audio_pool.submit
        if not self.resampler.passthrough or self.echo is not None:
            block = await run(self._clean, block, at)
        over_reply = self.phases.is_(Phase.THINKING, Phase.SPEAKING) and self.voice.enabled
        if not over_reply:
            self.voice.idle()
        if self.phases.is_(Phase.LISTENING) and self.listening.current is not None:
            outcome = await self.listening.feed(block, at)
            if outcome is not None:
                self.question_over(outcome)
        elif over_reply:
            command = await run(self.voice.detect, block, at)
            self.ring.add(block)
            self.voice.duck_while_spoken()
            if command is not None:
                await self.voice_command(command)
        elif self.wake is not None and self.phases.is_(Phase.IDLE):
            hit = await run(self.wake.accept, block)
            self.ring.add(block)
            if hit is not None:
                await self.listen(hit.phrase, preroll=self.ring.since(hit.end_sample))

    async def voice_command(self, command: VoiceCommand) -> None:
        """A stop phrase or the wake phrase was heard over a reply: interrupt it."""
        if command.stop:
            await self.stop("voice", command)
        else:
            preroll = self.ring.since(self.ring.fed - command.after)
            await self.listen(command.hit.phrase, preroll=preroll, voice=command)

    def question_over(self, outcome: Outcome) -> None:
        """Listening ended: start the turn, or go back to idle when nothing was said."""
        heard = self.listening.finish(outcome)
        if heard is None:
            self.runner.back_to_idle()
        else:
            self.runner.start(heard)

    async def listen(self, source: str, preroll: np.ndarray | None = None, followup: bool = False,
                     voice: VoiceCommand | None = None) -> None:
        """Record a question: after a wake word, a button press or as a follow-up."""
        if self.runner.active():
            await self.barge_in("voice" if voice else source, voice)
        if not followup:
            self.events.emit("wake", phrase=source)
        held = source == "button" and self.settings.button.mode == "hold"
        await self.listening.begin(preroll, followup, held)
        self.phases.enter(Phase.LISTENING, followup=followup)
        if self.settings.sounds.wake and not followup:
            self.speaker.play(wake_tone(self.speaker.rate))

    async def stop(self, source: str, voice: VoiceCommand | None = None) -> None:
        """Interrupt the reply and go back to waiting for the wake word (a stop phrase)."""
        await self.barge_in(source, voice)
        self.runner.back_to_idle()

    async def barge_in(self, source: str, voice: VoiceCommand | None = None) -> None:
        """Stop speaking and thinking at once."""
        dropped = self.speaker.flush()
        flushed_at = self.now()
        self.voice.idle()
        heard = {}
        if voice is not None:  # how long after the end of the phrase the reply stopped
            heard = {"phrase": voice.hit.phrase, "engine": voice.hit.engine, "at": round(flushed_at, 4),
                     "latency_s": round(flushed_at - voice.phrase_end_at, 3),
                     "heard_s": round(voice.after / ENGINE_RATE, 3), "phrase_end_at": round(voice.phrase_end_at, 4)}
        # Reported before the turn lets go: a cancelled turn may be the last one (run --turns).
        self.events.emit("barge_in", source=source, dropped_s=round(dropped / self.speaker.rate, 3), **heard)
        await self.cancel_turn()

    async def cancel_turn(self) -> None:
        """Stop the turn and the model's reading ahead; wait until both let go."""
        self.read_ahead.stop()
        await self.runner.cancel()

    async def on_button(self, kind: str) -> None:
        """Push-to-talk: press starts (or interrupts), release ends a held question."""
        if kind == "pressed":
            if self.phases.is_(Phase.LISTENING) and self.settings.button.mode == "press":
                return
            await self.listen("button")
        elif kind == "released" and self.settings.button.mode == "hold":
            if self.phases.is_(Phase.LISTENING) and self.listening.current is not None:
                self.question_over(Outcome.RELEASED)

    def timer_due(self, seconds: float) -> None:
        """A timer fired: say so now if nobody is talking, else when the assistant is idle again."""
        waiting = self.phases.is_(Phase.LISTENING) and self.listening.waiting()
        if waiting:  # nobody is talking yet: the timer goes first
            self.listening.drop()
        if (self.phases.is_(Phase.IDLE) or waiting) and not self.runner.active():
            self.runner.announce(seconds)
        else:
            self.runner.due_timers.append(seconds)
