"""The always-on pipeline: one asyncio loop owns the state; engines run in worker threads.

    mic -> wake word / button -> question recorder -> STT -> intent or LLM (streamed)
        -> sentences -> TTS -> speaker

Audio and GPIO threads only hand data to the loop (``call_soon_threadsafe``). The parts
that route audio (``router``), listen (``listening``), answer (``turn``), watch the devices
(``supervisor``) and show the state (``feedback``) get what they need passed in, never the
daemon itself.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
from datetime import datetime

from assistant.audio.tones import error_tone
from assistant.config.reload import changed_keys, needs_restart
from assistant.core.errors import EX_SOFTWARE, EX_TEMPFAIL, AudioDeviceError, SttError
from assistant.core.heap import release_free_memory
from assistant.core.workers import StagePool
from assistant.daemon.barge_in import VoiceBargeIn
from assistant.daemon.early_start import EarlyStarts
from assistant.daemon.feedback import StatusFeedback
from assistant.daemon.listening import Listening
from assistant.daemon.phases import Phase, PhaseMachine
from assistant.daemon.playback import Playback
from assistant.daemon.read_ahead import ReadAhead
from assistant.daemon.router import AudioRouter
from assistant.daemon.sdnotify import watchdog_interval_s
from assistant.daemon.supervisor import DEVICE_ERRORS, DeviceEvents, DeviceSupervisor
from assistant.daemon.timers import Timers, apply_intent
from assistant.daemon.turn import Chat, TurnRunner
from assistant.llm.fallback import FallbackLlm
from assistant.wake.factory import stop_phrases, wake_phrases

log = logging.getLogger(__name__)


class Daemon:
    """Owns the loop's state: start-up, shutdown, errors, devices and reloads."""

    def __init__(self, settings, engines, mic, speaker, events, wake, vad, responder,
                 leds, notifier, clock, turns: int | None = None, echo=None, spotter=None) -> None:
        """``echo`` cleans the microphone (EchoCanceller); ``spotter`` hears stop phrases over a reply."""
        self.settings, self.mic, self.speaker, self.events = settings, mic, speaker, events
        self.echo = echo
        self._echo_mark = None  # the canceller's figures when the current reply began
        self.wake, self.responder, self.notifier, self.clock = wake, responder, notifier, clock
        self.llm, self.turns_left = engines.llm, turns
        self.phases = PhaseMachine()
        # In this order: whoever hears of the new phase from the event log sees it on the LEDs too.
        self.phases.subscribe(self._entered)
        self.feedback = StatusFeedback(leds, notifier, self.phases, events)
        self.phases.subscribe(lambda phase, data: events.emit(phase.value, **data))
        self.heap_trim: asyncio.Future | None = None
        """Freed memory being given back since the daemon last became idle."""
        self.stt_pool = StagePool("stt", SttError)
        self.stop_requested = asyncio.Event()
        self.exit_code = 0
        self.playback = Playback(speaker, events)
        self.chat = Chat(settings, engines.llm, responder, clock)
        # Whatever wakes it (the detector's phrases: a model's own, or wake.phrases) is dropped
        # from the start of a question before intents are matched.
        strip = wake_phrases(wake, settings.wake)
        self.early = EarlyStarts(engines.stt, self.stt_pool, responder, events, settings, self.chat.generate,
                                 datetime.now, strip)
        self.read_ahead = ReadAhead(settings.endpoint.read_ahead_s, engines.stt, self.stt_pool, engines.llm, events)
        self.listening = Listening(settings, vad, StagePool("audio", AudioDeviceError), events, self.early,
                                   self.read_ahead, self.chat.chat_now)
        self.runner = TurnRunner(settings, engines.stt, responder, self.playback, self.phases, events,
                                 self.chat, self.stt_pool, self.early, host=self)
        cancelled = echo is not None and echo.echo_cancel
        voice = VoiceBargeIn(cancelled or settings.wake.during_speech, wake, spotter, stop_phrases(settings.wake),
                             speaker, settings.wake.duck_db if cancelled else 0.0)
        self.router = AudioRouter(settings, self.phases, self.listening, self.runner, self.read_ahead, wake,
                                  speaker, events, self.fail, echo, voice, clock.now)
        self.timers = Timers(self.router.timer_due)
        self.supervisor = DeviceSupervisor(mic, speaker, clock, notifier, DeviceEvents(
            lost=self._device_lost, restored=self._device_restored, gave_up=self._device_gone), wake=wake)

    @property
    def phase(self) -> Phase | None:
        """What the assistant is doing now."""
        return self.phases.phase

    # ----- life cycle

    async def run(self) -> int:
        """Start the audio, report ready, serve until stopped or the turns are done."""
        self._attach(asyncio.get_running_loop())
        for which in list(self.supervisor.devices):
            try:
                await self.supervisor.open(which)
            except DEVICE_ERRORS as exc:  # e.g. the USB mic is not plugged in yet
                self.supervisor.lost(which, str(exc))
        self.router.mic_rate(self.mic.rate)
        tasks = [self._task(self.supervisor.watch(), "devices")]
        try:
            if await self.router.blocks.first(self.stop_requested):  # audio is flowing: only now are we ready
                self.events.emit("ready", wake=getattr(self.wake, "name", "none"),
                                 speaker_latency_s=self.speaker.latency_s)
                self.notifier.ready("ready")
                self.phases.enter(Phase.IDLE)
                tasks += [self._task(self.router.run(), "audio"),
                          self._task(self.supervisor.watchdog(watchdog_interval_s()), "watchdog")]
                await self.stop_requested.wait()
        finally:
            await self._shutdown(tasks)
        return self.exit_code

    def _attach(self, loop: asyncio.AbstractEventLoop) -> None:
        supervisor, blocks = self.supervisor, self.router.blocks

        def block(samples, at: float) -> None:
            supervisor.audio_arrived(at)  # audio is arriving, however busy the analysis is
            blocks.put(samples, at)

        self.loop = loop
        self.mic.on_block = lambda b, at: loop.call_soon_threadsafe(block, b, at)
        self.mic.on_error = lambda msg: loop.call_soon_threadsafe(supervisor.lost, "mic", msg)
        self.speaker.on_error = lambda msg: loop.call_soon_threadsafe(supervisor.lost, "speaker", msg)
        self.speaker.on_played = lambda n, loud_at: loop.call_soon_threadsafe(self.playback.on_played, n, loud_at)
        if "wake" in supervisor.devices:
            self.wake.on_error = lambda msg: loop.call_soon_threadsafe(supervisor.lost, "wake", msg)
        if isinstance(self.llm, FallbackLlm):  # llm_fallback / llm_remote_back, from the model's thread
            self.llm.watch(lambda kind, data: loop.call_soon_threadsafe(
                functools.partial(self.events.emit, kind, **data)))
        echo = self.echo
        if echo is not None and echo.echo_cancel:  # every block the device takes is the reference
            self.speaker.on_block = lambda b, at: loop.call_soon_threadsafe(echo.reference, b, at)

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

    def request_stop(self, reason: str = "signal") -> None:
        """Ask the daemon to stop (signal handlers, --turns)."""
        if not self.stop_requested.is_set():
            self.supervisor.closed = True  # losses from here on are the shutdown's own
            self.events.emit("stopping", reason=reason)
            self.notifier.stopping()
            self.speaker.flush()
            self.stop_requested.set()

    def stopping(self) -> bool:
        """True once a stop was requested."""
        return self.stop_requested.is_set()

    async def _shutdown(self, tasks) -> None:
        self.speaker.flush()
        await self.router.cancel_turn()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self.feedback.off()
        for device in reversed(self.supervisor.devices.values()):  # wake, mic, speaker
            device.close()
        self.speaker.save()
        self.responder.close()
        if isinstance(self.llm, FallbackLlm):
            self.llm.watch(None)  # this loop ends; the model may outlive it (tests, the bench)
        self.stt_pool.close()
        self.listening.audio_pool.close()

    # ----- what the parts report back

    def _entered(self, phase: Phase, data: dict) -> None:
        self._echo_report(phase)
        if phase is Phase.IDLE:
            if self.wake is not None:
                self.wake.reset()
            self.heap_trim = asyncio.get_running_loop().run_in_executor(None, release_free_memory)

    def _echo_report(self, phase: Phase) -> None:
        """Leaving a reply: how much of its echo the canceller removed (the ``echo`` event)."""
        if self.echo is None or not self.echo.echo_cancel:
            return
        if phase is Phase.SPEAKING:
            self._echo_mark = dataclasses.replace(self.echo.stats)
        elif self._echo_mark is not None:
            self.events.emit("echo", **self.echo.stats.summary(since=self._echo_mark))
            self._echo_mark = None

    def fail(self, message: str, stage: str = "pipeline", tone: bool = True) -> None:
        """Report an error: log line and event (the LEDs follow it), and the error tone."""
        log.error("%s", message)
        self.events.emit("error", stage=stage, message=message)
        if tone and self.settings.sounds.error:
            self.speaker.play(error_tone(self.speaker.rate))

    def turn_finished(self) -> None:
        """Count a finished turn; stop when --turns is reached."""
        if self.turns_left is not None:
            self.turns_left -= 1
            if self.turns_left <= 0:
                self.request_stop("turns")

    async def listen(self, source: str, followup: bool = False) -> None:
        """Start listening for a question (the turn runner's follow-up)."""
        await self.router.listen(source, followup=followup)

    async def on_button(self, kind: str) -> None:
        """Push-to-talk: the button's press or release, on the loop."""
        await self.router.on_button(kind)

    def on_intent(self, intent) -> None:
        """A local intent's action: volume and timers."""
        apply_intent(intent, self.speaker, self.timers)

    # ----- devices and configuration

    def _device_lost(self, which: str, message: str) -> None:
        """Drop what depended on a lost device: the question being heard, or the reply."""
        self.fail(f"{message}; trying to re-open it", stage=which, tone=which != "speaker")
        if which == "mic" and self.phases.is_(Phase.LISTENING):
            self.listening.drop()
            self.phases.enter(Phase.IDLE)
        elif which == "speaker":
            self.speaker.flush()
            self.loop.create_task(self.runner.end_turn_now())

    def _device_restored(self, which: str) -> None:
        if which == "mic":
            self.router.mic_rate(self.mic.rate)
        elif self.echo is not None and self.echo.echo_cancel:
            self.echo.restart_speaker()
        self.events.emit("recovered", device=which)

    def _device_gone(self, which: str) -> None:
        self.exit_code = EX_TEMPFAIL
        what = "wake-word server" if which == "wake" else which
        self.fail(f"the {what} did not come back; exiting so systemd restarts the assistant", stage=which)
        self.request_stop(f"{which} lost")

    def apply_settings(self, new) -> None:
        """Use a reloaded config: live where possible, else restart through systemd (exit 75)."""
        changed = changed_keys(self.settings, new)
        restart = [k for k in changed if needs_restart(k)]
        if restart:
            log.warning("config reload: %s need a restart; restarting", ", ".join(restart))
            self.exit_code = EX_TEMPFAIL
            self.request_stop("reload")
            return
        for part in (self, self.listening, self.early, self.runner, self.router):
            part.settings = new
        self.chat.conversation.configure(new.llm.system_prompt, new.llm.context, new.llm.max_tokens,
                                         new.conversation.keep_history_s)
        self.read_ahead.configure(new.endpoint.read_ahead_s)
        self.responder.configure(new.timeouts, new.llm.timeout_s)
        self.llm.settings = new.llm
        self.events.emit("reloaded", keys=changed)
        log.info("config reloaded: %s", ", ".join(changed) or "no changes")
