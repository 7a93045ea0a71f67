"""What a local intent does besides speaking: the volume and the timers set by voice."""

from __future__ import annotations

import asyncio
from typing import Callable

from assistant.dialog.intents import IntentResult


class Timers:
    """Timers that fire on the loop; what then happens is ``on_due(seconds)``'s call."""

    def __init__(self, on_due: Callable[[float], None]) -> None:
        self.on_due = on_due
        self.handles: dict[int, asyncio.TimerHandle] = {}

    def start(self, seconds: float) -> None:
        """Fire ``on_due(seconds)`` after ``seconds``."""
        key = max(self.handles, default=0) + 1
        self.handles[key] = asyncio.get_running_loop().call_later(seconds, self._fire, key, seconds)

    def cancel_all(self) -> None:
        """Cancel every timer that has not fired."""
        for handle in self.handles.values():
            handle.cancel()
        self.handles.clear()

    def _fire(self, key: int, seconds: float) -> None:
        self.handles.pop(key, None)
        self.on_due(seconds)


def apply_intent(intent: IntentResult, speaker, timers: Timers) -> None:
    """Carry out an intent's action (its spoken reply is the turn's business)."""
    if intent.action == "volume":
        speaker.change_volume(intent.value)
    elif intent.action == "timer":
        timers.start(intent.value)
    elif intent.action == "cancel_timer":
        timers.cancel_all()
