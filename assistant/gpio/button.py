"""Push-to-talk button: gpiozero edges handed to the asyncio loop, debounced there too.

gpiozero calls ``when_pressed``/``when_released`` in its own thread; those handlers do
nothing but ``loop.call_soon_threadsafe``. On the loop, a press or release is reported
at once (no added latency), then the pin is left to settle for ``bounce_s``; edges
arriving meanwhile are not reported one by one: when the window ends the pin's level
is read and, if it changed, reported as one event. A flood of contact bounces or of
presses therefore yields at most one event per ``bounce_s``, always alternating
pressed/released, always ending at the button's real state.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Callable

from assistant.config.gpio_settings import ButtonSettings
from assistant.gpio.pins import claim

log = logging.getLogger(__name__)

ButtonCallback = Callable[[str], None]
"""Called on the loop with "pressed" or "released"."""


class PushToTalk:
    """One button on a BCM pin, wired to ground (internal pull-up)."""

    def __init__(self, settings: ButtonSettings, loop: asyncio.AbstractEventLoop,
                 on_button: ButtonCallback, pin_factory=None):
        from gpiozero import Button

        if settings.pin is None:
            raise ValueError("PushToTalk needs button.pin; use make_button()")
        self.settings = settings
        self._loop = loop
        self._on_button = on_button
        self._pressed = False
        self._settling: asyncio.TimerHandle | None = None
        pin = settings.pin
        self._button = claim(lambda: Button(pin, pull_up=True, bounce_time=settings.bounce_s or None,
                                            pin_factory=pin_factory),
                             "button.pin", str(pin), "leave button.pin empty")
        self._button.when_pressed = lambda: self._edge_from_gpio(True)
        self._button.when_released = lambda: self._edge_from_gpio(False)

    @property
    def pressed(self) -> bool:
        """The state last reported to the callback."""
        return self._pressed

    def close(self) -> None:
        """Stop reporting and release the pin; call on the loop."""
        if self._button is None:
            return
        self._button.when_pressed = None
        self._button.when_released = None
        if self._settling is not None:
            self._settling.cancel()
            self._settling = None
        self._button.close()
        self._button = None

    def _edge_from_gpio(self, pressed: bool) -> None:
        # gpiozero's thread: hand over and return, nothing else.
        try:
            self._loop.call_soon_threadsafe(self._on_edge, pressed)
        except RuntimeError:
            pass  # the loop is closed: the daemon is shutting down

    def _on_edge(self, pressed: bool) -> None:
        if self._button is None or self._settling is not None:
            return  # closed, or the settle timer will read the level
        # The edge itself, not the level now: a tap shorter than the loop's delay still counts.
        self._report_level(pressed)

    def _report_level(self, pressed: bool | None = None) -> None:
        self._settling = None
        if self._button is None:
            return
        if pressed is None:
            pressed = bool(self._button.is_pressed)
        if pressed == self._pressed:
            return
        self._pressed = pressed
        self._settling = self._loop.call_later(self.settings.bounce_s, self._report_level)
        self._on_button("pressed" if pressed else "released")


def make_button(settings: ButtonSettings, loop: asyncio.AbstractEventLoop,
                callback: ButtonCallback, pin_factory=None) -> PushToTalk | None:
    """The push-to-talk button, or None when button.pin is empty.

    GpioError (exit 78) naming button.pin when the pin cannot be used, e.g. on a
    machine without GPIO: a configured button is never silently ignored.
    """
    if settings.pin is None:
        log.info("no push-to-talk button configured")
        return None
    button = PushToTalk(settings, loop, callback, pin_factory=pin_factory)
    log.info("push-to-talk button on GPIO %d (%s mode)", settings.pin, settings.mode)
    return button
