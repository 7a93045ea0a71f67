"""What the assistant is doing, and the only changes allowed between those phases.

Everything that shows the phase (the event log, the LEDs, the systemd STATUS line) and
everything that acts on entering one (the wake detector's reset, handing freed memory
back) subscribes here; nothing else sets a phase.
"""

from __future__ import annotations

from enum import Enum
from typing import Callable


class Phase(str, Enum):
    """What the assistant is doing."""

    IDLE = "idle"
    LISTENING = "listening"
    THINKING = "thinking"
    SPEAKING = "speaking"


TRANSITIONS: dict[Phase | None, frozenset[Phase]] = {
    None: frozenset({Phase.IDLE}),  # start-up, once audio flows
    # a wake word or button starts listening; a timer that fires is spoken at once
    Phase.IDLE: frozenset({Phase.IDLE, Phase.LISTENING, Phase.SPEAKING}),
    # a question ends (thinking), nobody spoke or the mic was lost (idle), the button was
    # pressed again (listening), a timer fired before anyone spoke (speaking)
    Phase.LISTENING: frozenset({Phase.LISTENING, Phase.THINKING, Phase.IDLE, Phase.SPEAKING}),
    # the first piece is played (speaking), nothing to say or an error (idle), barge-in (listening)
    Phase.THINKING: frozenset({Phase.SPEAKING, Phase.IDLE, Phase.LISTENING}),
    # done (idle, or listening for a follow-up), barge-in (listening)
    Phase.SPEAKING: frozenset({Phase.IDLE, Phase.LISTENING}),
}
"""For each phase, the phases that may follow it."""

PhaseListener = Callable[[Phase, dict], None]


class PhaseError(RuntimeError):
    """A change the table does not allow: a bug in the daemon, never the user's doing."""


class PhaseMachine:
    """Holds the current phase and tells its listeners of every change, in subscription order."""

    def __init__(self) -> None:
        self.phase: Phase | None = None
        """The current phase (None before start-up finished)."""
        self.history: list[Phase] = []
        """Every phase entered, in order (kept short: the last 100)."""
        self._listeners: list[PhaseListener] = []

    def subscribe(self, listener: PhaseListener) -> None:
        """Call ``listener(phase, data)`` on every later change."""
        self._listeners.append(listener)

    def enter(self, phase: Phase, **data) -> None:
        """Change to ``phase`` (``data`` goes to the listeners); PhaseError if not allowed."""
        if phase not in TRANSITIONS[self.phase]:
            raise PhaseError(f"phase {self.phase and self.phase.value} cannot change to {phase.value}")
        self.phase = phase
        self.history = (self.history + [phase])[-100:]
        for listener in list(self._listeners):
            listener(phase, data)

    def is_(self, *phases: Phase) -> bool:
        """True when the current phase is one of ``phases``."""
        return self.phase in phases
