"""Keeps the microphone and speaker working: notices a lost device, re-opens it with back-off.

A USB microphone that is pulled, a sound card that stops: the daemon says so once,
shows the error LEDs, and tries again after 0.5, 1, 2, 4 and 8 s. If the device is
still gone, it exits with EX_TEMPFAIL (75) so systemd restarts it with a fresh
PortAudio device list (PortAudio only sees new devices when it starts).
"""

from __future__ import annotations

import asyncio
import logging

from .errors import EX_TEMPFAIL, AudioDeviceError

log = logging.getLogger(__name__)

REOPEN_DELAYS_S = (0.5, 1.0, 2.0, 4.0, 8.0)
MIC_STALL_S = 5.0  # no microphone block for this long: the stream is dead (callbacks report most losses sooner)
SPEAKER_STALL_S = 2.0  # queued audio not taken for this long: the output is dead


class DeviceSupervisor:
    """Watches the daemon's audio devices and restores them."""

    def __init__(self, daemon, delays: tuple[float, ...] = REOPEN_DELAYS_S) -> None:
        self.d = daemon
        self.delays = delays
        self.recovering: set[str] = set()
        self._speaker_mark = (0, 0.0)  # (played_total, when it last moved)

    def lost(self, which: str, message: str) -> None:
        """A device failed: report once, stop what depended on it, start re-opening it."""
        if which in self.recovering or self.d.stop_requested.is_set():
            return
        self.recovering.add(which)
        self.d.fail(f"{message}; trying to re-open it", stage=which, tone=which != "speaker")
        asyncio.get_running_loop().create_task(self._recover(which), name=f"recover-{which}")
        self.d.device_lost(which)

    async def _recover(self, which: str) -> None:
        device = self.d.mic if which == "mic" else self.d.speaker
        for attempt, delay in enumerate(self.delays, 1):
            self.d.notifier.extend_timeout(delay + 10)  # still starting up: systemd must wait
            await asyncio.sleep(delay)
            device.close()
            try:
                device.start()
            except AudioDeviceError as exc:
                log.warning("%s (attempt %d of %d)", exc, attempt, len(self.delays))
                continue
            self.recovering.discard(which)
            self.d.last_block_at = self.d.clock.now()
            self._speaker_mark = (self.d.speaker.played_total, self.d.clock.now())
            log.info("%s re-opened", which)
            self.d.device_restored(which)
            return
        self.d.exit_code = EX_TEMPFAIL
        self.d.fail(f"the {which} did not come back; exiting so systemd restarts the assistant", stage=which)
        self.d.request_stop(f"{which} lost")

    async def watch(self, period_s: float = 0.5) -> None:
        """Notice devices that died without saying so (no callback, just silence)."""
        while True:
            await asyncio.sleep(period_s)
            now = self.d.clock.now()
            if "mic" not in self.recovering and now - self.d.last_block_at > MIC_STALL_S:
                self.lost("mic", f"audio.input_device: no audio for {MIC_STALL_S:g} s")
            self._watch_speaker(now)

    def _watch_speaker(self, now: float) -> None:
        speaker = self.d.speaker
        played, since = self._speaker_mark
        if speaker.played_total != played or speaker.queue.queued() == 0:
            self._speaker_mark = (speaker.played_total, now)
        elif "speaker" not in self.recovering and now - since > SPEAKER_STALL_S:
            self.lost("speaker", f"audio.output_device: playback stalled for {SPEAKER_STALL_S:g} s")
