"""Drive the real daemon in-process: real models, file microphone, recording speaker, mock GPIO."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

from assistant.audio.format import Clip
from assistant.audio.speaker import Speaker
from assistant.config.loader import Config, settings_from_mapping
from assistant.config.settings import TimeoutSettings
from assistant.core.events import EventLog
from assistant.daemon.responder import Responder
from assistant_tools.driver import DaemonDriver
from assistant_tools.speech import piper_clip, silence  # noqa: F401 (silence is re-exported)
from support import ROOT


def make_config(**sections) -> Config:
    """The default config with some sections overridden."""
    return Config(settings_from_mapping(sections), path=ROOT / "config.yaml")


def responder(engines, tts, tts_s: float = 30.0) -> Responder:
    """The daemon's token -> sentence -> speech loop on real engines, outside a daemon."""
    parts = SimpleNamespace(llm=engines.llm, tts=tts)
    return Responder(parts, Speaker(tts.rate), EventLog(), TimeoutSettings(tts_s=tts_s), llm_timeout_s=60.0)


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
    run = Run()

    async def main() -> None:
        driver = DaemonDriver(config, engines, speaker_path, events_path, pin_factory, clips=tuple(clips),
                              turns=turns)
        driver.mic.unplugged = unplugged
        run.daemon, run.events = driver.daemon, driver.events
        if on_event is not None:
            driver.log.subscribe(lambda event: on_event(run, event))
        run.exit_code = await driver.run(timeout_s)

    # The shared model was loaded with another config: its per-call settings (max_tokens,
    # sampling) follow this run's, as they would after a reload.
    loaded, engines.llm.settings = engines.llm.settings, config.settings.llm
    try:
        asyncio.run(main())
    finally:
        engines.llm.settings = loaded
    return run
