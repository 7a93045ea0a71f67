"""One turn of the daemon: transcript, intent or LLM answer, speech, and what follows it."""

from __future__ import annotations

import asyncio
import logging
import threading
from datetime import datetime
from typing import Protocol

import numpy as np

from assistant.core.errors import AssistantError
from assistant.core.workers import StagePool
from assistant.daemon.early_start import EarlyStart, EarlyStarts
from assistant.daemon.listening import Heard
from assistant.daemon.phases import Phase, PhaseMachine
from assistant.daemon.playback import Playback
from assistant.daemon.reply import SpokenReply
from assistant.dialog.conversation import Conversation
from assistant.dialog.intents import match_intent, timer_phrase

log = logging.getLogger(__name__)

NO_ANSWER = "Sorry, I have no answer to that."
"""Said when the model wrote nothing speakable."""


class TurnHost(Protocol):
    """What a turn needs from the daemon that runs it."""

    def fail(self, message: str, stage: str) -> None:
        """Report an error (event, log, LEDs, tone)."""

    def turn_finished(self) -> None:
        """Count a finished turn (the daemon may stop after N)."""

    def stopping(self) -> bool:
        """True once the daemon is shutting down."""

    async def listen(self, source: str, followup: bool = False) -> None:
        """Start listening for a question."""

    def on_intent(self, intent) -> None:
        """Carry out a local intent's action (volume, timers)."""


class Chat:
    """The conversation as the model sees it: history, the next prompt, and answers begun on it."""

    def __init__(self, settings, llm, responder, clock) -> None:
        s = settings
        self.conversation = Conversation(s.llm.system_prompt, s.llm.context, s.llm.max_tokens,
                                         llm.count_tokens, s.conversation.keep_history_s)
        self.responder, self.clock = responder, clock

    def generate(self, question: str, followup: bool, speculate: bool = False):
        """Start the LLM on a question: (generation, number of past turns sent with it)."""
        messages = self.conversation.messages(question, self.clock.now(), followup)
        return self.responder.start(messages, speculate), (len(messages) - 2) // 2

    def chat_now(self, followup: bool) -> list[dict]:
        """The chat the model would get for a question asked now (the question left empty)."""
        return self.conversation.messages("", self.clock.now(), followup)

    def remember(self, question: str, spoken: str) -> None:
        """Keep a finished exchange: the question and what was actually played of the answer."""
        if question:
            self.conversation.add(question, spoken, self.clock.now())


class TurnRunner:
    """Runs one turn at a time: from the question's audio to the end of the spoken answer."""

    def __init__(self, settings, stt, responder, playback: Playback, phases: PhaseMachine, events,
                 chat: Chat, stt_pool: StagePool, early_starts: EarlyStarts, host: TurnHost,
                 now=datetime.now) -> None:
        self.settings, self.stt, self.responder, self.playback = settings, stt, responder, playback
        self.early_starts = early_starts
        self.phases, self.events, self.chat, self.stt_pool, self.host = phases, events, chat, stt_pool, host
        self.now = now
        self.task: asyncio.Task | None = None
        self.cancel_flag = threading.Event()
        self.generation = None
        self.due_timers: list[float] = []
        """Timers that fired while the assistant was busy, announced when it is idle again."""

    def start(self, heard: Heard) -> None:
        """Begin the turn for a question that was heard."""
        self.playback.speech_end_at = heard.speech_end_at
        self.playback.underruns_at = self.playback.speaker.underruns
        self.task = asyncio.create_task(self._turn(heard.audio, heard.followup, heard.early), name="turn")

    async def _turn(self, audio: np.ndarray, followup: bool, early: EarlyStart | None) -> None:
        self.cancel_flag = threading.Event()
        reply = self.playback.reply = SpokenReply()
        question = ""
        try:
            self.phases.enter(Phase.THINKING)
            question = await self._transcribe(audio, early.transcript if early else None)
            self.events.emit("transcript", text=question)
            if not question:
                self.events.emit("no_speech")
                self.back_to_idle()
                return
            prepared = early.prepared if early and early.text == question else None
            await self._respond(question, reply, followup, prepared)
            await self.playback.wait(reply)
        except asyncio.CancelledError:
            if early:
                self.early_starts.stop_answer(early)
            self.chat.remember(question, self.playback.spoken(reply))
            self.host.turn_finished()
            raise
        except AssistantError as exc:
            self.host.fail(str(exc), stage=type(exc).__name__)
            await self.playback.wait(reply)
            self.chat.remember(question, self.playback.spoken(reply))
            self.back_to_idle()
            self.host.turn_finished()
            return
        self.chat.remember(question, self.playback.spoken(reply))
        self._report(reply)
        self.playback.reply = None
        self.task = None  # this turn is over; what follows may be interrupted on its own
        self.host.turn_finished()
        if not self.host.stopping():
            await self._after_turn()

    def _report(self, reply: SpokenReply) -> None:
        speed, wall, step = reply.tokens_per_s(), reply.tokens_per_s(wall=True), reply.token_ms()
        self.events.emit("turn_done", reply=reply.text, spoken=self.playback.spoken(reply),
                         tokens=len(reply.token_times), tokens_per_s=round(speed, 2) if speed else None,
                         tokens_per_s_wall=round(wall, 2) if wall else None,
                         token_ms=round(step, 2) if step else None,
                         underruns=self.playback.speaker.underruns - self.playback.underruns_at)

    async def _transcribe(self, audio: np.ndarray, early=None) -> str:
        """The transcript: the one started when silence began if no speech came after, else a new one."""
        job = early or self.stt_pool.submit(self.stt.transcript, audio, False)
        heard = await self.stt_pool.wait(job, self.settings.timeouts.stt_s)
        return heard.text.strip()

    async def _respond(self, question: str, reply: SpokenReply, followup: bool, prepared=None) -> None:
        s = self.settings
        intent = match_intent(question, s.intents, self.now, strip=self.early_starts.strip)

        def speaking() -> None:  # the phase turns to speaking when the first piece reaches the speaker
            if self.phases.is_(Phase.THINKING):
                self.phases.enter(Phase.SPEAKING)

        self.responder.on_first_piece = speaking
        if intent is not None:
            self.events.emit("intent", name=intent.name, value=intent.value)
            self.host.on_intent(intent)
            if intent.reply:
                await self.responder.say(intent.reply, reply)
            return
        gen, history_turns = prepared if prepared else self.chat.generate(question, followup)
        self.generation = gen
        self.events.emit("llm", history_turns=history_turns, early=bool(prepared))
        await self.responder.answer(gen, reply)
        if not reply.pieces and not self.cancel_flag.is_set():
            await self.responder.say(NO_ANSWER, reply)

    async def _after_turn(self) -> None:
        if not self.due_timers and self.settings.conversation.followup_window_s > 0:
            await self.host.listen("followup", followup=True)
        else:
            self.back_to_idle()

    def back_to_idle(self) -> None:
        """Go back to waiting for the wake word; a timer that fired meanwhile is spoken now."""
        self.playback.reply = None
        self.phases.enter(Phase.IDLE)
        if self.due_timers:
            self.announce(self.due_timers.pop(0))

    def announce(self, seconds: float) -> None:
        """Say now that a timer of ``seconds`` is done."""
        self.events.emit("timer_fired", seconds=seconds)
        self.speak(timer_phrase(seconds))

    def speak(self, text: str) -> None:
        """Say ``text`` now, unasked (a timer; tests of what the assistant hears of itself)."""
        self.task = asyncio.create_task(self._say(text))

    async def _say(self, text: str) -> None:
        reply = self.playback.reply = SpokenReply()
        self.phases.enter(Phase.SPEAKING)
        try:
            await self.responder.say(text, reply)
            await self.playback.wait(reply)
        except AssistantError as exc:
            self.host.fail(str(exc), stage=type(exc).__name__)
        self.back_to_idle()

    def active(self) -> bool:
        """True while another task is answering or speaking."""
        task = self.task
        return task is not None and not task.done() and task is not asyncio.current_task()

    async def end_turn_now(self) -> None:
        """The speaker died: end the turn cleanly and go back to waiting for the wake word."""
        if self.active():
            await self.cancel()
            self.back_to_idle()

    async def cancel(self) -> None:
        """Cancel the running turn (barge-in, shutdown) and wait until it has let go."""
        self.cancel_flag.set()
        if self.generation is not None:
            self.generation.cancel.set()
        if not self.active():
            return
        task, self.task = self.task, None
        if task is not None and not task.done():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        self.playback.reply = None
