"""What a person and systemd see: the LEDs and the STATUS line follow the phases and the
error and recovery events, and nothing else drives them."""

from __future__ import annotations

from assistant.core.events import Event, EventLog
from assistant.daemon.phases import Phase, PhaseMachine


class StatusFeedback:
    """Shows the phase on the LEDs and in systemd's STATUS line; errors blink until the next phase."""

    def __init__(self, leds, notifier, phases: PhaseMachine, events: EventLog) -> None:
        self.leds = leds
        self.notifier = notifier
        self.phases = phases
        phases.subscribe(self._phase_changed)
        events.subscribe(self._event)

    def _phase_changed(self, phase: Phase, data: dict) -> None:
        self.leds.show(phase.value)
        self.notifier.status(phase.value)

    def _event(self, event: Event) -> None:
        if event.type == "error":
            self.leds.show("error")
        elif event.type == "recovered" and self.phases.phase is not None:
            self.leds.show(self.phases.phase.value)

    def off(self) -> None:
        """Shutting down: every LED off."""
        self.leds.show("off")
