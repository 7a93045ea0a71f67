"""The always-on pipeline: one asyncio loop owns the phase; engines run in worker threads.

    mic -> wake word / button -> question recorder -> STT -> intent or LLM (streamed)
        -> sentences -> piper -> speaker

Audio and GPIO threads only hand data to the loop (``call_soon_threadsafe``).
The turn itself (transcribe, answer, speak) is in ``daemon_turn``.
"""

from __future__ import annotations

import asyncio
import collections
import logging
from enum import Enum

import numpy as np

from .audio_format import ENGINE_RATE
from .device_supervisor import DeviceSupervisor
from .endpoint import Outcome, QuestionRecorder
from .errors import EX_SOFTWARE, AssistantError, AudioDeviceError
from .heap import release_free_memory
from .resample_stream import StreamResampler
from .stage_pool import StagePool

log = logging.getLogger(__name__)

MAX_QUEUED_BLOCKS = 400  # about 12 s of 30 ms blocks; older audio is dropped if the loop stalls
RING_S = 3.0  # audio kept from before a wake hit, to start the question at the phrase's end


class Phase(str, Enum):
    """What the assistant is doing; LEDs and systemd STATUS follow it."""

    IDLE = "idle"
    LISTENING = "listening"
    THINKING = "thinking"
    SPEAKING = "speaking"


class Daemon:
    """Owns the phase and moves audio between the mic, the engines and the speaker."""

    def __init__(self, settings, engines, mic, speaker, events, wake, vad, responder,
                 leds, notifier, clock, turns: int | None = None) -> None:
        from .daemon_turn import TurnRunner

        self.settings, self.engines = settings, engines
        self.mic, self.speaker, self.events = mic, speaker, events
        self.wake, self.vad, self.responder = wake, vad, responder
        self.leds, self.notifier, self.clock = leds, notifier, clock
        self.turns_left = turns
        self.phase = Phase.IDLE
        self.heap_trim: asyncio.Future | None = None
        """Freed memory being given back since the daemon last became idle."""
        self.recorder: QuestionRecorder | None = None
        self.listening_followup = False
        self.listening_held = False
        """The question is being held to talk: its end is the button's release, not a short pause."""
        self.audio_pool = StagePool("audio", AudioDeviceError)
        self.blocks: collections.deque = collections.deque(maxlen=MAX_QUEUED_BLOCKS)
        self.block_ready = asyncio.Event()
        self.ring: collections.deque = collections.deque()
        self.wake_fed = 0
        self.last_block_at = 0.0
        self.stop_requested = asyncio.Event()
        self.exit_code = 0
        self.runner = TurnRunner(self, engines)
        self.supervisor = DeviceSupervisor(self)
        self.resampler = StreamResampler(ENGINE_RATE, ENGINE_RATE)

    # ----- thread hand-offs: these run on the loop, scheduled from audio threads

    def _enqueue_block(self, block: np.ndarray, at: float) -> None:
        self.blocks.append((block, at))
        self.last_block_at = at  # audio is arriving, however busy the analysis is
        self.block_ready.set()

    def _attach(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.mic.on_block = lambda b, at: loop.call_soon_threadsafe(self._enqueue_block, b, at)
        self.mic.on_error = lambda msg: loop.call_soon_threadsafe(self.supervisor.lost, "mic", msg)
        self.speaker.on_error = lambda msg: loop.call_soon_threadsafe(self.supervisor.lost, "speaker", msg)
        self.speaker.on_played = lambda n, loud_at: loop.call_soon_threadsafe(self.runner.on_played, n, loud_at)

    # ----- life cycle

    async def run(self) -> int:
        """Start the audio, report ready, serve until stopped or the turns are done."""
        self._attach(asyncio.get_running_loop())
        self.last_block_at = self.clock.now()
        for which, device in (("speaker", self.speaker), ("mic", self.mic)):
            try:
                device.start()
            except AudioDeviceError as exc:  # e.g. the USB mic is not plugged in yet
                self.supervisor.lost(which, str(exc))
        self.resampler = StreamResampler(self.mic.rate, ENGINE_RATE)
        tasks = [self._task(self.supervisor.watch(), "devices")]
        try:
            if await self._first_audio():  # audio is flowing: only now are we ready
                self.events.emit("ready", wake=getattr(self.wake, "name", "none"))
                self.notifier.ready("ready")
                self.set_phase(Phase.IDLE)
                tasks += [self._task(self._audio_loop(), "audio"), self._task(self._watchdog(), "watchdog")]
                await self.stop_requested.wait()
        finally:
            await self._shutdown(tasks)
        return self.exit_code

    def _task(self, coro, name: str) -> asyncio.Task:
        """A long-lived task; if it ever dies, the daemon exits for systemd to restart it."""
        task = asyncio.create_task(coro, name=name)

        def died(t: asyncio.Task) -> None:
            if not t.cancelled() and t.exception() is not None:
                log.error("the %s task failed", name, exc_info=t.exception())
                self.exit_code = EX_SOFTWARE
                self.request_stop(f"{name} failed")

        task.add_done_callback(died)
        return task

    async def _first_audio(self) -> bool:
        """Wait for the first microphone block (True) or a stop request (False)."""
        block = asyncio.ensure_future(self._next_block())
        stop = asyncio.ensure_future(self.stop_requested.wait())
        await asyncio.wait({block, stop}, return_when=asyncio.FIRST_COMPLETED)
        for task in (block, stop):
            task.cancel()
        return block.done() and not block.cancelled()

    def request_stop(self, reason: str = "signal") -> None:
        """Ask the daemon to stop (signal handlers, --turns)."""
        if not self.stop_requested.is_set():
            self.events.emit("stopping", reason=reason)
            self.notifier.stopping()
            self.speaker.flush()
            self.stop_requested.set()

    async def _shutdown(self, tasks) -> None:
        self.speaker.flush()
        await self.runner.cancel()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self.leds.show("off")
        self.mic.close()
        self.speaker.close()
        self.speaker.save()
        self.responder.close()
        self.runner.close()
        self.audio_pool.close()

    async def _watchdog(self) -> None:
        from .sdnotify import watchdog_interval_s

        interval = watchdog_interval_s()
        if not interval:
            return
        while True:
            await asyncio.sleep(interval / 2)
            # Only while audio keeps arriving: a dead microphone must trip the watchdog.
            if self.clock.now() - self.last_block_at < max(interval / 2, 2.0):
                self.notifier.watchdog()

    # ----- phase and feedback

    def set_phase(self, phase: Phase, **data) -> None:
        """Enter ``phase``: event, LEDs and systemd status follow."""
        self.phase = phase
        if phase is Phase.IDLE:
            if self.wake is not None:
                self.wake.reset()
            self.heap_trim = asyncio.get_running_loop().run_in_executor(None, release_free_memory)
        self.leds.show(phase.value)
        self.notifier.status(phase.value)
        self.events.emit(phase.value, **data)

    def fail(self, message: str, stage: str = "pipeline", tone: bool = True) -> None:
        """Report an error: event, log line, LED pattern and error tone."""
        log.error("%s", message)
        self.events.emit("error", stage=stage, message=message)
        self.leds.show("error")
        if tone and self.settings.sounds.error:
            from .tones import error_tone

            self.speaker.play(error_tone(self.speaker.rate))

    # ----- audio

    async def _next_block(self):
        while not self.blocks:
            self.block_ready.clear()
            await self.block_ready.wait()
        return self.blocks.popleft()

    async def _audio_loop(self) -> None:
        while True:
            block, at = await self._next_block()
            try:
                await self._analyse(block, at)
            except AssistantError as exc:  # e.g. whisper failed on a wake-word segment
                self.fail(str(exc), stage="audio")
                if self.phase is Phase.LISTENING:
                    self.recorder = None
                    self.set_phase(Phase.IDLE)

    async def _analyse(self, block: np.ndarray, at: float) -> None:
        """Hand one microphone block to whoever listens in this phase."""
        run = self.audio_pool.submit
        if not self.resampler.passthrough:
            block = await run(self.resampler.process, block)
        if self.phase is Phase.LISTENING and self.recorder is not None:
            progress = await run(self.recorder.feed, block)
            await self.runner.on_progress(progress, at)
        elif self._wake_listens():
            hit = await run(self.wake.accept, block)
            self._remember(block)
            if hit is not None:
                await self.start_listening(hit.phrase, preroll=self._since(hit.end_sample))

    def _wake_listens(self) -> bool:
        if self.wake is None:
            return False
        return self.phase is Phase.IDLE or self.settings.wake.during_speech

    def _remember(self, block: np.ndarray) -> None:
        self.ring.append((self.wake_fed, block))
        self.wake_fed += len(block)
        while self.ring and self.wake_fed - self.ring[0][0] > RING_S * ENGINE_RATE:
            self.ring.popleft()

    def _since(self, position: int) -> np.ndarray:
        """Audio fed to the wake detector after stream position ``position``."""
        parts = [b[max(0, position - start):] for start, b in self.ring if start + len(b) > position]
        return np.concatenate(parts) if parts else np.zeros(0, np.float32)

    # ----- listening

    async def start_listening(self, source: str, preroll: np.ndarray | None = None,
                              followup: bool = False) -> None:
        """Record a question: after a wake word, a button press or as a follow-up."""
        if self.runner.active():
            await self.barge_in(source)
        if not followup:
            self.events.emit("wake", phrase=source)
        self.listening_followup = followup
        self.listening_held = source == "button" and self.settings.button.mode == "hold"
        timeout = self.settings.conversation.followup_window_s if followup else None
        self.recorder = await self.audio_pool.submit(
            lambda: QuestionRecorder(self.settings.endpoint, self.vad, timeout, preroll))
        self.set_phase(Phase.LISTENING, followup=followup)
        if self.settings.sounds.wake and not followup:
            from .tones import wake_tone

            self.speaker.play(wake_tone(self.speaker.rate))

    async def barge_in(self, source: str) -> None:
        """Stop speaking and thinking at once."""
        dropped = self.speaker.flush()
        await self.runner.cancel()
        self.events.emit("barge_in", source=source, dropped_s=round(dropped / self.speaker.rate, 3))

    async def on_button(self, kind: str) -> None:
        """Push-to-talk: press starts (or interrupts), release ends a held question."""
        if kind == "pressed":
            if self.phase is Phase.LISTENING and self.settings.button.mode == "press":
                return
            await self.start_listening("button")
        elif kind == "released" and self.settings.button.mode == "hold":
            if self.phase is Phase.LISTENING and self.recorder is not None:
                await self.runner.finish_question(Outcome.RELEASED)

    def device_lost(self, which: str) -> None:
        """Drop what depended on a lost device: the question being heard, or the reply."""
        if which == "mic" and self.phase is Phase.LISTENING:
            self.recorder = None
            self.set_phase(Phase.IDLE)
        elif which == "speaker":
            self.speaker.flush()
            self.loop.create_task(self.runner.end_turn_now())
        self.leds.show("error")

    def device_restored(self, which: str) -> None:
        """A device is back: say so and show the normal state again."""
        self.events.emit("recovered", device=which)
        if which == "mic":
            self.resampler = StreamResampler(self.mic.rate, ENGINE_RATE)
        self.leds.show(self.phase.value)

    def apply_settings(self, new) -> None:
        """Use a reloaded config: live where possible, else restart through systemd (exit 75)."""
        from .errors import EX_TEMPFAIL
        from .settings_reload import changed_keys, needs_restart

        changed = changed_keys(self.settings, new)
        restart = [k for k in changed if needs_restart(k)]
        if restart:
            log.warning("config reload: %s need a restart; restarting", ", ".join(restart))
            self.exit_code = EX_TEMPFAIL
            self.request_stop("reload")
            return
        self.settings = new
        self.runner.apply_settings(new)
        self.responder.timeouts, self.responder.llm_timeout_s = new.timeouts, new.llm.timeout_s
        self.events.emit("reloaded", keys=changed)
        log.info("config reloaded: %s", ", ".join(changed) or "no changes")

    def turn_finished(self) -> None:
        """Count a finished turn; stop when --turns is reached."""
        if self.turns_left is not None:
            self.turns_left -= 1
            if self.turns_left <= 0:
                self.request_stop("turns")

