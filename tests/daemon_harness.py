"""Drive the real daemon in-process: real models, file microphone, recording speaker, mock GPIO."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path

from assistant.audio_format import Clip
from assistant.clock import Clock
from assistant.config import Config, settings_from_mapping
from assistant.events import EventLog
from assistant.run_command import RunOptions, build_daemon, serve
from assistant.synthetic_speech import piper_clip, silence  # noqa: F401 (silence is re-exported)
from conftest import ROOT

def make_config(**sections) -> Config:
    """The default config with some sections overridden."""
    return Config(settings_from_mapping(sections), path=ROOT / "config.yaml")

def spoken(tts, text: str) -> Clip:
    """Piper speech at 16 kHz, the same audio on every run."""
    return piper_clip(tts, text)

@dataclass
class Run:
    """What one in-process daemon run produced."""

    events: list = field(default_factory=list)
    daemon: object = None
    exit_code: int | None = None

    def types(self) -> list[str]:
        return [e.type for e in self.events]

    def first(self, type_: str, after: int = 0):
        return next((i, e) for i, e in enumerate(self.events) if i >= after and e.type == type_)

    def all(self, type_: str) -> list:
        return [e for e in self.events if e.type == type_]

def run_daemon(config: Config, engines, clips: list[Clip], *, speaker_path: Path, turns=None,
               on_event=None, pin_factory=None, timeout_s: float = 120.0, events_path=None,
               unplugged: bool = False) -> Run:
    """Run the daemon until it stops (turns done, or ``on_event`` calls run.daemon.request_stop)."""
    from assistant.audio_source import FileMicrophone

    run = Run()
    clock = Clock()

    async def main() -> None:
        events = EventLog(events_path, clock=clock.now)
        mic = FileMicrophone(clips, clock)
        mic.unplugged = unplugged
        daemon = build_daemon(config, RunOptions(speaker=str(speaker_path), turns=turns), mic=mic,
                              events=events, clock=clock, pin_factory=pin_factory, engines=engines)
        run.daemon = daemon

        def listen(event) -> None:
            run.events.append(event)
            if on_event is not None:
                on_event(run, event)

        events.subscribe(listen)
        run.exit_code = await asyncio.wait_for(serve(daemon, pin_factory=pin_factory), timeout_s)
        events.close()

    asyncio.run(main())
    return run
