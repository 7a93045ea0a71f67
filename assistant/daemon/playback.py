"""What the speaker has played of the current reply, and when the first of it was heard."""

from __future__ import annotations

import asyncio

from assistant.core.events import EventLog
from assistant.daemon.reply import SpokenReply


class Playback:
    """Follows the speaker's progress on the loop (its thread reports through ``on_played``)."""

    def __init__(self, speaker, events: EventLog) -> None:
        self.speaker = speaker
        self.events = events
        self.reply: SpokenReply | None = None
        """The reply being played, whose first audio is reported."""
        self.speech_end_at = 0.0
        """Monotonic time the user's question ended: the first audio's latency counts from it."""
        self.underruns_at = 0
        """The speaker's underrun count when the current turn began."""
        self._played = asyncio.Event()

    def on_played(self, samples: int, loud_at: float | None) -> None:
        """The speaker took ``samples``; the first audible one played at ``loud_at`` (None: silence)."""
        reply = self.reply
        if reply is not None and reply.pieces and reply.first_audio_at is None and loud_at is not None:
            reply.first_audio_at = loud_at
            latency = round(loud_at - self.speech_end_at, 3) if self.speech_end_at else None
            self.events.emit("first_audio", latency_s=latency, at=round(loud_at, 4))
        self._played.set()

    async def wait(self, reply: SpokenReply) -> None:
        """Until the speaker has played the reply's last piece (or was flushed past it)."""
        target = reply.pieces[-1][1] if reply.pieces else 0
        while self.speaker.played_total < min(target, self.speaker.pushed_total):
            self._played.clear()
            await self._played.wait()

    def spoken(self, reply: SpokenReply) -> str:
        """The pieces of ``reply`` whose audio was played to the end."""
        return reply.spoken(self.speaker.played_total)
