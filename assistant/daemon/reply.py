"""A reply being written and spoken: what it said, how far it got, how fast the model wrote it."""

from __future__ import annotations

import asyncio
import statistics
import threading
from dataclasses import dataclass, field


@dataclass
class SpokenReply:
    """What one reply said and how far it got."""

    text: str = ""
    """Everything the model (or intent) produced."""
    pieces: list[tuple[str, int]] = field(default_factory=list)
    """Each piece handed to the speaker with the speaker offset where its audio ends."""
    first_audio_at: float | None = None
    """Monotonic time the first reply sample reached the speaker."""
    token_times: list[float] = field(default_factory=list)
    """Monotonic time each LLM token arrived (for tokens/s)."""
    token_pauses: list[float] = field(default_factory=list)
    """Seconds the model had paused for synthesis before each token (a running total)."""

    def tokens_per_s(self, wall: bool = False) -> float | None:
        """Decoding speed from the first to the last token, without the pauses for
        synthesis unless ``wall``."""
        times = self.token_times
        if len(times) <= 2:
            return None
        span = times[-1] - times[0] if wall else sum(self.token_steps())
        return (len(times) - 1) / span if span > 0 else None

    def token_steps(self) -> list[float]:
        """Seconds each token after the first took, without the pauses for synthesis."""
        times, pauses = self.token_times, self.token_pauses
        return [times[i] - times[i - 1] - (pauses[i] - pauses[i - 1]) for i in range(1, len(times))]

    def token_ms(self) -> float | None:
        """Median milliseconds of one token: not moved by a few slow ones."""
        steps = self.token_steps()
        return 1000 * statistics.median(steps) if steps else None

    def spoken(self, played_total: int) -> str:
        """The pieces whose audio was played to the end."""
        return " ".join(p for p, end in self.pieces if end <= played_total)


@dataclass(frozen=True)
class Written:
    """What the model wrote since the last hand-over, and the pieces it completed."""

    tokens: tuple[tuple[str, float, float], ...]
    """(text, arrival time, seconds paused for synthesis so far) of each token."""
    pieces: tuple[str, ...]
    """Speakable pieces those tokens completed, in order."""


@dataclass
class Generation:
    """An LLM answer being generated on the model's thread."""

    tokens: asyncio.Queue
    """Written items, then _END or an LlmError."""
    producer: asyncio.Future | None
    """The job on the model's thread."""
    cancel: threading.Event
    """Set to stop generating at the next token."""
    deadline: float
    """Loop time by which the answer must be complete (llm.timeout_s)."""
    seen: list = field(default_factory=list)
    """Items already taken from ``tokens`` to find the first piece early, in order."""
    ready: dict[str, asyncio.Task] = field(default_factory=dict)
    """Synthesis begun before the answer was confirmed, by piece text."""
    warm: asyncio.Task | None = None
    """Finds and synthesizes the first piece while the question may still go on."""
