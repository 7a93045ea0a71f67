"""Keeps the microphone and speaker working: notices a lost device, re-opens it with back-off.

A USB microphone that is pulled, a sound card that stops, a Wyoming wake-word server that
went away: the daemon says so once, shows the error LEDs, and tries again after 0.5, 1, 2,
4 and 8 s. If the device is still gone, it exits with EX_TEMPFAIL (75) so systemd restarts
it with a fresh PortAudio device list (PortAudio only sees new devices when it starts). It
also feeds systemd's watchdog, but only while microphone audio keeps arriving.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Callable

from assistant.core.errors import AudioDeviceError, WakeError
from assistant.wake.base import is_remote

log = logging.getLogger(__name__)

REOPEN_DELAYS_S = (0.5, 1.0, 2.0, 4.0, 8.0)
MIC_STALL_S = 5.0  # no microphone block for this long: the stream is dead (callbacks report most losses sooner)
SPEAKER_STALL_S = 2.0  # queued audio not taken for this long: the output is dead
DEVICE_ERRORS = (AudioDeviceError, WakeError)
"""What a device that cannot be opened raises."""


@dataclass(frozen=True)
class DeviceEvents:
    """What the supervisor tells the daemon; each runs on the event loop."""

    lost: Callable[[str, str], None]
    """lost(which, message): a device failed; drop what depended on it."""
    restored: Callable[[str], None]
    """restored(which): the device works again."""
    gave_up: Callable[[str], None]
    """gave_up(which): it never came back; the daemon exits for systemd to restart it."""


class DeviceSupervisor:
    """Watches the audio devices, restores them, and feeds the watchdog while audio flows."""

    def __init__(self, mic, speaker, clock, notifier, tell: DeviceEvents,
                 delays: tuple[float, ...] = REOPEN_DELAYS_S, wake=None) -> None:
        self.devices = {"speaker": speaker, "mic": mic}
        if is_remote(wake):  # a wake-word server is watched like a device
            self.devices["wake"] = wake
        self.clock, self.notifier, self.tell, self.delays = clock, notifier, tell, delays
        self.recovering: set[str] = set()
        self.closed = False
        """Shutting down: losses are no longer reported."""
        self.last_audio_at = clock.now()
        """When the latest microphone block arrived."""
        self._speaker_mark = (0, clock.now())  # (played_total, when it last moved)

    async def open(self, which: str) -> None:
        """Start a device; a wake-word server is connected to off the loop (it may take a while)."""
        device = self.devices[which]
        if which == "wake":
            await asyncio.get_running_loop().run_in_executor(None, device.start)
        else:
            device.start()

    def audio_arrived(self, at: float) -> None:
        """A microphone block arrived: the microphone is alive, however busy the analysis is."""
        self.last_audio_at = at

    def lost(self, which: str, message: str) -> None:
        """A device failed: report once, let the daemon drop what depended on it, re-open it."""
        if which in self.recovering or self.closed:
            return
        self.recovering.add(which)
        self.tell.lost(which, message)
        asyncio.get_running_loop().create_task(self._recover(which), name=f"recover-{which}")

    async def _recover(self, which: str) -> None:
        device = self.devices[which]
        for attempt, delay in enumerate(self.delays, 1):
            self.notifier.extend_timeout(delay + 10)  # still starting up: systemd must wait
            await asyncio.sleep(delay)
            device.close()
            try:
                await self.open(which)
            except DEVICE_ERRORS as exc:
                log.warning("%s (attempt %d of %d)", exc, attempt, len(self.delays))
                continue
            self.recovering.discard(which)
            self.last_audio_at = self.clock.now()
            self._speaker_mark = (self.devices["speaker"].played_total, self.clock.now())
            log.info("%s re-opened", which)
            self.tell.restored(which)
            return
        self.tell.gave_up(which)

    async def watch(self, period_s: float = 0.5) -> None:
        """Notice devices that died without saying so (no callback, just silence)."""
        while True:
            await asyncio.sleep(period_s)
            now = self.clock.now()
            if "mic" not in self.recovering and now - self.last_audio_at > MIC_STALL_S:
                self.lost("mic", f"audio.input_device: no audio for {MIC_STALL_S:g} s")
            self._watch_speaker(now)

    def _watch_speaker(self, now: float) -> None:
        speaker = self.devices["speaker"]
        played, since = self._speaker_mark
        if speaker.played_total != played or speaker.queued() == 0:
            self._speaker_mark = (speaker.played_total, now)
        elif "speaker" not in self.recovering and now - since > SPEAKER_STALL_S:
            self.lost("speaker", f"audio.output_device: playback stalled for {SPEAKER_STALL_S:g} s")

    async def watchdog(self, interval_s: float | None) -> None:
        """Ping systemd's watchdog at half its interval, only while microphone audio arrives:
        a dead microphone must trip it."""
        if not interval_s:
            return
        while True:
            await asyncio.sleep(interval_s / 2)
            if self.clock.now() - self.last_audio_at < max(interval_s / 2, 2.0):
                self.notifier.watchdog()
