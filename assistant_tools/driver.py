"""Drive the real daemon in-process: speak into its file microphone, wait for its events.

The benchmark, the soak test and the daemon tests use it; it runs the same code as
`assistant run`.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from assistant.app.run import RunOptions, build_daemon, serve
from assistant.audio.format import Clip
from assistant.audio.mic import FileMicrophone
from assistant.audio.room import RoomParams, room_pair
from assistant.core.clock import Clock
from assistant.core.events import Event, EventLog


class DaemonDriver:
    """A daemon with a file microphone and a recording speaker, run as a task of this loop."""

    def __init__(self, config, engines, speaker_path: Path, events_path: Path | None = None,
                 pin_factory=None, clips: tuple[Clip, ...] = (), turns: int | None = None,
                 room: RoomParams | None = None, wyoming=None) -> None:
        """``room``: the speaker's sound comes back into the microphone through this room."""
        self.clock = Clock()
        self.events: list[Event] = []
        self.log = EventLog(events_path, clock=self.clock.now)
        speaker = None
        if room is None:
            self.mic = FileMicrophone(list(clips), self.clock)
        else:
            rate = config.settings.audio.output_rate or engines.tts.rate
            self.mic, speaker = room_pair(list(clips), speaker_path, rate, self.clock, room)
        self.daemon = build_daemon(config, RunOptions(speaker=str(speaker_path), turns=turns), mic=self.mic,
                                   speaker=speaker, events=self.log, clock=self.clock, engines=engines,
                                   pin_factory=pin_factory)
        self.pin_factory = pin_factory
        self.wyoming = wyoming
        """(uri, Services) to serve beside the daemon, as `run` does with server.wyoming_uri."""
        self._changed = asyncio.Event()
        self.log.subscribe(self._on_event)
        self.task: asyncio.Task | None = None

    def _on_event(self, event: Event) -> None:
        self.events.append(event)
        self._changed.set()

    async def run(self, timeout_s: float) -> int:
        """Serve until the daemon stops by itself (turns done, a stop request); its exit status."""
        try:
            return await asyncio.wait_for(serve(self.daemon, pin_factory=self.pin_factory, wyoming=self.wyoming),
                                          timeout_s)
        finally:
            self.log.close()

    async def start(self) -> None:
        """Start the daemon and wait until it is ready."""
        self.task = asyncio.create_task(serve(self.daemon, pin_factory=self.pin_factory, wyoming=self.wyoming))
        await self.wait_for("ready")

    async def wait_for(self, type_: str, after: int = 0, timeout_s: float = 120.0) -> tuple[int, Event]:
        """The first event of ``type_`` at index ``after`` or later."""
        async def find():
            while True:
                for i in range(after, len(self.events)):
                    if self.events[i].type == type_:
                        return i, self.events[i]
                if self.task is not None and self.task.done():
                    raise RuntimeError(f"the daemon stopped before {type_!r}: {self.task.result()}")
                self._changed.clear()
                await self._changed.wait()

        try:
            return await asyncio.wait_for(find(), timeout_s)
        except asyncio.TimeoutError:
            seen = [e.type for e in self.events[after:]]
            raise RuntimeError(f"no {type_!r} event within {timeout_s:g} s; saw {seen}") from None

    def say(self, clip: Clip) -> int:
        """Queue speech into the microphone; return the index of the next event."""
        self.mic.say(clip)
        return len(self.events)

    async def stop(self) -> int:
        """Stop the daemon and return its exit status."""
        self.daemon.request_stop("driver")
        code = await self.task
        self.log.close()
        return code
