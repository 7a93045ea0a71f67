"""`assistant run`: build the daemon from the config and serve until stopped."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from assistant.app.serve import open_server, services_for
from assistant.audio.echo import make_echo_canceller
from assistant.audio.format import read_wav
from assistant.audio.mic import FileMicrophone, SoundDeviceMicrophone
from assistant.audio.room import RoomParams, room_pair
from assistant.audio.speaker import FileSpeaker, SoundDeviceSpeaker
from assistant.audio.vad import VoiceActivity
from assistant.config.loader import Config, load_config
from assistant.core.clock import Clock
from assistant.core.errors import ConfigError
from assistant.core.events import EventLog
from assistant.daemon.core import Daemon
from assistant.daemon.debug_recording import subscribe_recorder
from assistant.daemon.responder import Responder
from assistant.daemon.sdnotify import Notifier
from assistant.dialog.conversation import chat_messages
from assistant.gpio.button import make_button
from assistant.gpio.leds import make_leds
from assistant.models.loading import load_engines, wake_factory
from assistant.wake.factory import make_command_spotter, wake_phrases

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunOptions:
    """Command-line options of `assistant run`."""

    mic: str | None = None
    """WAV file played as the microphone in real time (then silence)."""
    speaker: str | None = None
    """WAV file that records what would have been played."""
    turns: int | None = None
    """Exit after this many finished turns."""
    events: str | None = None
    """JSON-lines file of pipeline events."""
    room: int | None = None
    """With mic and speaker files: join them through a simulated room with this seed."""


def warm_up(engines, system_prompt: str) -> None:
    """Prefill the system prompt and run piper once, so the first turn is as fast as later ones."""
    engines.llm.reply(chat_messages(system_prompt, [], "Hello"), max_tokens=1)
    engines.tts.synthesize("Ready.")


def build_daemon(config: Config, options: RunOptions, *, mic=None, speaker=None, events=None,
                 clock=None, pin_factory=None, engines=None, new_wake=None):
    """Everything `run` needs, wired together (tests pass their own mic, clock, pins or engines;
    ``new_wake`` makes the wake detector, as `wake_factory`)."""
    s = config.settings
    clock = clock or Clock()
    engines = engines or load_engines(config)
    warm_up(engines, s.llm.system_prompt)
    rate = s.audio.output_rate or engines.tts.rate
    if options.room is not None and mic is None and speaker is None:
        mic, speaker = room_pair([read_wav(options.mic)], Path(options.speaker), rate, clock,
                                 RoomParams(seed=options.room))
    if mic is None:
        mic = (FileMicrophone([read_wav(options.mic)], clock) if options.mic
               else SoundDeviceMicrophone(s.audio.input_device, s.audio.input_rate, s.audio.block_ms))
    if speaker is None:
        speaker = (FileSpeaker(Path(options.speaker), rate, clock) if options.speaker
                   else SoundDeviceSpeaker(s.audio.output_device, rate, buffer_s=s.audio.output_buffer_ms / 1000))
    events = events or EventLog(options.events, clock=clock.now)
    if s.debug.record_dir:  # opt-in: otherwise nothing that was said is written to disk
        subscribe_recorder(config, events)
    responder = Responder(engines, speaker, events, s.timeouts, s.llm.timeout_s, s.tts.first_piece_chars)
    wake = (new_wake or wake_factory(config, engines.stt))()
    echo = make_echo_canceller(s.audio, speaker.rate)
    over_reply = s.audio.echo_cancel or s.wake.during_speech
    spotter = (make_command_spotter(s.wake, engines.stt, wake_phrases(wake, s.wake),
                                    vad_threshold=s.endpoint.vad_threshold) if over_reply else None)
    return Daemon(s, engines, mic, speaker, events, wake,
                  VoiceActivity(s.endpoint.vad_threshold), responder,
                  make_leds(s.leds, pin_factory), Notifier(), clock, turns=options.turns, echo=echo, spotter=spotter)


def reload_config(daemon, path) -> None:
    """SIGHUP: apply a changed config file, or keep the running one if the new one is invalid."""
    try:
        new = load_config(path)
    except ConfigError as exc:
        daemon.fail(f"config reload refused, keeping the running configuration: {exc}", stage="config")
        return
    daemon.apply_settings(new.settings)


async def serve(daemon, pin_factory=None, config_path=None, wyoming=None) -> int:
    """Run the daemon with signal handling and the push-to-talk button; with ``wyoming``
    ((uri, Services)) it also serves the Wyoming services on its loop."""
    loop = asyncio.get_running_loop()
    server = await open_server(*wyoming) if wyoming else None
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, daemon.request_stop, signal.Signals(sig).name)
    if config_path is not None:
        loop.add_signal_handler(signal.SIGHUP, reload_config, daemon, config_path)
    button = make_button(daemon.settings.button, loop,
                         lambda kind: loop.create_task(daemon.on_button(kind)), pin_factory=pin_factory)
    if button is None and daemon.wake is None:
        log.warning("no wake word and no button: the assistant can never be woken")
    try:
        return await daemon.run()
    finally:
        if server is not None:
            await server.stop()
        if button is not None:
            button.close()
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            loop.remove_signal_handler(sig)


EXIT_WAIT_S = 1.0
"""How long an exiting daemon waits for its idle worker threads to end."""


def busy_threads(timeout_s: float) -> list[str]:
    """Worker threads still alive after ``timeout_s`` in all: busy in a native call."""
    deadline = time.monotonic() + timeout_s
    busy = []
    for thread in threading.enumerate():
        if thread is threading.main_thread() or thread.daemon:
            continue
        thread.join(max(0.0, deadline - time.monotonic()))
        if thread.is_alive():
            busy.append(thread.name)
    return busy


def cmd_run(config: Config, options: RunOptions) -> int:
    """Entry point of `assistant run`."""
    engines = load_engines(config)
    new_wake = wake_factory(config, engines.stt)
    daemon = build_daemon(config, options, engines=engines, new_wake=new_wake)
    uri = config.settings.server.wyoming_uri
    wyoming = (uri, services_for(config, engines, new_wake)) if uri else None  # opt-in
    code = asyncio.run(serve(daemon, config_path=config.path, wyoming=wyoming))
    engines.llm.close()
    if wyoming:
        wyoming[1].close()
    stuck = busy_threads(EXIT_WAIT_S)
    if stuck:  # an abandoned native call must not hold the exit (systemd waits only 5 s)
        log.warning("exiting with worker threads still busy: %s", ", ".join(stuck))
        logging.shutdown()
        os._exit(code)
    return code
