"""One turn of the daemon: the question's end, transcript, intent or LLM answer, speech.

Also the things a turn leaves behind: conversation history, timers, volume.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from datetime import datetime

import numpy as np

from .audio_format import ENGINE_RATE
from .conversation import Conversation
from .early_start import EarlyStart, EarlyStarts
from .endpoint import Outcome
from .errors import AssistantError, SttError
from .intents import match_intent, timer_phrase
from .read_ahead import ReadAhead
from .responder import SpokenReply
from .stage_pool import StagePool

log = logging.getLogger(__name__)


class TurnRunner:
    """Runs turns for the daemon and tracks what the speaker has played."""

    def __init__(self, daemon, engines, now=datetime.now) -> None:
        self.d = daemon
        self.engines = engines
        self.now = now
        s = daemon.settings
        self.conversation = Conversation(
            s.llm.system_prompt, s.llm.context, s.llm.max_tokens,
            engines.llm.count_tokens, s.conversation.keep_history_s)
        self.stt_pool = StagePool("stt", SttError)
        self.read_ahead = ReadAhead(s.endpoint.read_ahead_s, engines.stt, self.stt_pool, engines.llm, daemon.events)
        self.task: asyncio.Task | None = None
        self.cancel_flag = threading.Event()
        self.reply: SpokenReply | None = None
        self.played = asyncio.Event()
        self.speech_end_at = 0.0
        self.early = EarlyStarts(daemon, engines.stt, self.stt_pool, self._generate, now)
        self.generation = None
        self.timers: dict[int, asyncio.TimerHandle] = {}
        self.due_timers: list[float] = []

    # ----- speaker progress (on the loop, from the speaker thread)

    def on_played(self, samples: int, loud_at: float | None) -> None:
        reply = self.reply
        if reply is not None and reply.pieces and reply.first_audio_at is None and loud_at is not None:
            reply.first_audio_at = loud_at
            latency = round(loud_at - self.speech_end_at, 3) if self.speech_end_at else None
            self.d.events.emit("first_audio", latency_s=latency, at=round(loud_at, 4))
        self.played.set()

    async def wait_played(self, reply: SpokenReply) -> None:
        """Until the speaker has played the reply's last piece (or was flushed past it)."""
        target = reply.pieces[-1][1] if reply.pieces else 0
        while self.d.speaker.played_total < min(target, self.d.speaker.pushed_total):
            self.played.clear()
            await self.played.wait()

    # ----- the end of a question

    async def on_progress(self, progress, at: float) -> None:
        recorder = self.d.recorder
        if recorder is not None and recorder.started and recorder.silent_samples == 0:
            self.speech_end_at = at  # the latest block that still held speech
        if progress.speech_resumed:
            self.early.drop()  # the user went on: that transcript is stale
        if recorder is not None and progress.outcome is None:
            self.read_ahead.on_block(recorder, self._chat_now)
        if progress.silence_began and recorder is not None and self.d.settings.endpoint.early_transcript:
            self.early.begin(recorder)
        if progress.outcome is not None:
            await self.finish_question(progress.outcome)

    async def finish_question(self, outcome: Outcome) -> None:
        """Listening is over: start the turn, or go back to idle when nothing was said."""
        recorder, self.d.recorder = self.d.recorder, None
        self.read_ahead.question_over()
        if recorder is None:
            return
        self.d.events.emit("question_end", outcome=outcome.value,
                           silence_s=round(recorder.silent_samples / ENGINE_RATE, 3),
                           needed_s=recorder.silence_setting())
        if outcome is Outcome.NO_SPEECH or not recorder.started:
            self.d.events.emit("no_speech")
            self._back_to_idle()
            return
        if outcome is Outcome.TOO_LONG:
            self.d.events.emit("question_cut", seconds=round(recorder.samples / ENGINE_RATE, 1))
        early = self.early.take(recorder)
        self.task = asyncio.create_task(self._turn(recorder.audio(), self.d.listening_followup, early),
                                        name="turn")

    # ----- the turn

    async def _turn(self, audio: np.ndarray, followup: bool, early: EarlyStart | None = None) -> None:
        from .daemon import Phase

        self.cancel_flag = threading.Event()
        reply = self.reply = SpokenReply()
        question = ""
        try:
            self.d.set_phase(Phase.THINKING)
            question = await self._transcribe(audio, early.transcript if early else None)
            self.d.events.emit("transcript", text=question)
            if not question:
                self.d.events.emit("no_speech")
                self._back_to_idle()
                return
            prepared = early.prepared if early and early.text == question else None
            await self._respond(question, reply, followup, prepared)
            await self.wait_played(reply)
        except asyncio.CancelledError:
            if early:
                self.early.stop_answer(early)
            self._remember(question, reply)
            self.d.turn_finished()
            raise
        except AssistantError as exc:
            self.d.fail(str(exc), stage=type(exc).__name__)
            await self.wait_played(reply)
            self._remember(question, reply)
            self._back_to_idle()
            self.d.turn_finished()
            return
        self._remember(question, reply)
        speed, wall, step = reply.tokens_per_s(), reply.tokens_per_s(wall=True), reply.token_ms()
        self.d.events.emit("turn_done", reply=reply.text, spoken=reply.spoken(self.d.speaker.played_total),
                           tokens=len(reply.token_times), tokens_per_s=round(speed, 2) if speed else None,
                           tokens_per_s_wall=round(wall, 2) if wall else None,
                           token_ms=round(step, 2) if step else None)
        self.reply = None
        self.task = None  # this turn is over; what follows may be interrupted on its own
        self.d.turn_finished()
        if self.d.stop_requested.is_set():
            return
        await self._after_turn()

    async def _transcribe(self, audio: np.ndarray, early=None) -> str:
        """The transcript: the one started when silence began if no speech came after, else a new one."""
        job = early or self.stt_pool.submit(self.engines.stt.transcribe_ending, audio, False)
        text, _confidence = await self.stt_pool.wait(job, self.d.settings.timeouts.stt_s)
        return text.strip()

    def _generate(self, question: str, followup: bool, speculate: bool = False):
        """Start the LLM on a question: (generation, number of past turns sent with it)."""
        messages = self.conversation.messages(question, self.d.clock.now(), followup)
        return self.d.responder.start(messages, speculate), (len(messages) - 2) // 2

    def _chat_now(self) -> list[dict]:
        """The chat the model would get for a question asked now (the question left empty)."""
        return self.conversation.messages("", self.d.clock.now(), self.d.listening_followup)

    async def _respond(self, question: str, reply: SpokenReply, followup: bool, prepared=None) -> None:
        s = self.d.settings
        intent = match_intent(question, s.intents, self.now, strip=s.wake.phrases)
        self._on_speech_start()
        if intent is not None:
            self.d.events.emit("intent", name=intent.name, value=intent.value)
            self._apply(intent)
            if intent.reply:
                await self.d.responder.say(intent.reply, reply)
            return
        gen, history_turns = prepared if prepared else self._generate(question, followup)
        self.generation = gen
        self.d.events.emit("llm", history_turns=history_turns, early=bool(prepared))
        await self.d.responder.answer(gen, reply)
        if not reply.pieces and not self.cancel_flag.is_set():
            await self.d.responder.say("Sorry, I have no answer to that.", reply)

    def _on_speech_start(self) -> None:
        from .daemon import Phase

        # The phase turns to speaking when the first piece reaches the speaker.
        def hook() -> None:
            if self.d.phase is Phase.THINKING:
                self.d.set_phase(Phase.SPEAKING)

        self.d.responder.on_first_piece = hook

    def _remember(self, question: str, reply: SpokenReply) -> None:
        if question:
            self.conversation.add(question, reply.spoken(self.d.speaker.played_total), self.d.clock.now())

    async def _after_turn(self) -> None:
        if self.due_timers:
            self._back_to_idle()
            return
        if self.d.settings.conversation.followup_window_s > 0:
            await self.d.start_listening("followup", followup=True)
        else:
            self._back_to_idle()

    def _back_to_idle(self) -> None:
        from .daemon import Phase

        self.reply = None
        self.d.set_phase(Phase.IDLE)
        if self.due_timers:
            self.task = asyncio.create_task(self._announce_timer(self.due_timers.pop(0)))

    def apply_settings(self, new) -> None:
        """A reloaded config: the model's sampling settings, the system prompt, reading ahead."""
        self.engines.llm.settings = new.llm
        self.conversation.configure(new.llm.system_prompt, new.llm.context, new.llm.max_tokens,
                                    new.conversation.keep_history_s)
        self.read_ahead.configure(new.endpoint.read_ahead_s)

    async def end_turn_now(self) -> None:
        """The speaker died: end the turn cleanly and go back to waiting for the wake word."""
        if self.active():
            await self.cancel()
            self._back_to_idle()

    def active(self) -> bool:
        """True while another task is answering or speaking."""
        task = self.task
        return task is not None and not task.done() and task is not asyncio.current_task()

    def close(self) -> None:
        """Let the recognizer's thread end (a running pass finishes first)."""
        self.stt_pool.close()

    async def cancel(self) -> None:
        """Cancel the running turn (barge-in, shutdown) and wait until it has let go."""
        self.cancel_flag.set()
        self.read_ahead.stop()
        if self.generation is not None:
            self.generation.cancel.set()
        if not self.active():
            return
        task, self.task = self.task, None
        if task is not None and not task.done():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        self.reply = None

    # ----- intents' side effects

    def _apply(self, intent) -> None:
        if intent.action == "volume":
            q = self.d.speaker.queue
            q.gain = float(min(2.0, max(0.1, q.gain + intent.value)))
        elif intent.action == "timer":
            self._start_timer(intent.value)
        elif intent.action == "cancel_timer":
            for handle in self.timers.values():
                handle.cancel()
            self.timers.clear()

    def _start_timer(self, seconds: float) -> None:
        key = max(self.timers, default=0) + 1
        self.timers[key] = asyncio.get_running_loop().call_later(seconds, self._timer_due, key, seconds)

    def _timer_due(self, key: int, seconds: float) -> None:
        from .daemon import Phase

        self.timers.pop(key, None)
        recorder = self.d.recorder
        waiting = self.d.phase is Phase.LISTENING and recorder is not None and not recorder.started
        if waiting:  # nobody is talking yet: the timer goes first
            self.d.recorder = None
        if (self.d.phase is Phase.IDLE or waiting) and (self.task is None or self.task.done()):
            self.task = asyncio.create_task(self._announce_timer(seconds))
        else:
            self.due_timers.append(seconds)

    async def _announce_timer(self, seconds: float) -> None:
        from .daemon import Phase

        self.d.events.emit("timer_fired", seconds=seconds)
        reply = self.reply = SpokenReply()
        self.d.set_phase(Phase.SPEAKING)
        try:
            await self.d.responder.say(timer_phrase(seconds), reply)
            await self.wait_played(reply)
        except AssistantError as exc:
            self.d.fail(str(exc), stage=type(exc).__name__)
        self._back_to_idle()
