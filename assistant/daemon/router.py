"""Where each microphone block goes: to the question being recorded, or to the wake-word
detector; and what starts, ends or interrupts a question (wake word, button, timers)."""

from __future__ import annotations

import logging
from typing import Callable

import numpy as np

from assistant.audio.endpoint import Outcome
from assistant.audio.format import ENGINE_RATE
from assistant.audio.resample import StreamResampler
from assistant.audio.ring import StreamRing
from assistant.audio.tones import wake_tone
from assistant.core.errors import AssistantError
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
                 read_ahead: ReadAhead, wake, speaker, events, fail: Callable[..., None]) -> None:
        self.settings = settings
        """The daemon's settings (a reload replaces them)."""
        self.phases, self.listening, self.runner, self.read_ahead = phases, listening, runner, read_ahead
        self.wake, self.speaker, self.events, self.fail = wake, speaker, events, fail
        self.audio_pool = listening.audio_pool
        self.blocks = MicQueue()
        self.ring = StreamRing(RING_S, ENGINE_RATE)
        self.resampler = StreamResampler(ENGINE_RATE, ENGINE_RATE)

    def mic_rate(self, rate: int) -> None:
        """The microphone (re)opened at ``rate``: resample from it."""
        self.resampler = StreamResampler(rate, ENGINE_RATE)

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

    async def _analyse(self, block: np.ndarray, at: float) -> None:
        run = self.audio_pool.submit
        if not self.resampler.passthrough:
            block = await run(self.resampler.process, block)
        if self.phases.is_(Phase.LISTENING) and self.listening.current is not None:
            outcome = await self.listening.feed(block, at)
            if outcome is not None:
                self.question_over(outcome)
        elif self.wake is not None and (self.phases.is_(Phase.IDLE) or self.settings.wake.during_speech):
            hit = await run(self.wake.accept, block)
            self.ring.add(block)
            if hit is not None:
                await self.listen(hit.phrase, preroll=self.ring.since(hit.end_sample))

    def question_over(self, outcome: Outcome) -> None:
        """Listening ended: start the turn, or go back to idle when nothing was said."""
        heard = self.listening.finish(outcome)
        if heard is None:
            self.runner.back_to_idle()
        else:
            self.runner.start(heard)

    async def listen(self, source: str, preroll: np.ndarray | None = None, followup: bool = False) -> None:
        """Record a question: after a wake word, a button press or as a follow-up."""
        if self.runner.active():
            await self.barge_in(source)
        if not followup:
            self.events.emit("wake", phrase=source)
        held = source == "button" and self.settings.button.mode == "hold"
        await self.listening.begin(preroll, followup, held)
        self.phases.enter(Phase.LISTENING, followup=followup)
        if self.settings.sounds.wake and not followup:
            self.speaker.play(wake_tone(self.speaker.rate))

    async def barge_in(self, source: str) -> None:
        """Stop speaking and thinking at once."""
        dropped = self.speaker.flush()
        await self.cancel_turn()
        self.events.emit("barge_in", source=source, dropped_s=round(dropped / self.speaker.rate, 3))

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
