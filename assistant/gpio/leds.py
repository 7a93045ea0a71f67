"""Status LEDs that follow the assistant's state, through gpiozero.

kind single: one LED per state pin, the current state's LED lit. kind rgb: one RGB LED
(PWM) with a colour per state. The error state blinks, using gpiozero's own background
blink thread. Call ``show`` and ``close`` from the event loop thread; they only set pin
values, which is quick.
"""

from __future__ import annotations

import logging

from assistant.config.gpio_settings import LedSettings
from assistant.config.pins import LED_STATES, check_led_pins, led_pins
from assistant.gpio.pins import claim

log = logging.getLogger(__name__)

STATES = LED_STATES + ("off",)
# (red, green, blue) at full brightness; scaled by leds.brightness.
COLOURS = {
    "idle": (0.0, 0.0, 0.12),       # dim blue: alive, not listening
    "listening": (0.0, 1.0, 0.0),   # green
    "thinking": (1.0, 0.55, 0.0),   # amber
    "speaking": (0.0, 0.6, 1.0),    # cyan-blue
    "error": (1.0, 0.0, 0.0),       # red, blinking
    "off": (0.0, 0.0, 0.0),
}
BLINK_S = 0.4
"""Half period of the error blink (on for this long, then off for this long)."""
_FIX = "set leds.kind: none"


def _check_state(state: str) -> None:
    if state not in STATES:
        raise ValueError(f"unknown LED state {state!r}; expected one of {', '.join(STATES)}")


class NullLeds:
    """No LEDs (kind none): the same methods, doing nothing."""

    state = "off"

    def show(self, state: str) -> None:
        """Accept a state and show nothing."""
        _check_state(state)
        self.state = state

    def close(self) -> None:
        """Nothing to release."""


class StatusLeds:
    """LEDs driven by gpiozero devices; build with make_leds()."""

    def __init__(self, settings: LedSettings, pin_factory=None, blink_s: float = BLINK_S):
        check_led_pins(settings)
        self.settings = settings
        self.blink_s = blink_s
        self.state: str | None = None
        self._singles: dict[str, object] = {}
        self._rgb = None
        if settings.kind == "rgb":
            self._rgb = _open_rgb(settings, pin_factory)
        elif settings.kind == "single":
            self._singles = _open_singles(settings, pin_factory)
        else:
            raise ValueError("StatusLeds needs leds.kind single or rgb; use make_leds()")
        self.show("off")

    def show(self, state: str) -> None:
        """Light the LEDs for idle, listening, thinking, speaking, error (blinking) or off."""
        _check_state(state)
        if state == self.state:
            return  # restarting a blink would make it stutter
        self.state = state
        if self._rgb is not None:
            self._show_rgb(state)
        else:
            self._show_single(state)

    def close(self) -> None:
        """Turn everything off and release the pins."""
        devices = list(self._singles.values()) + ([self._rgb] if self._rgb is not None else [])
        for device in devices:
            device.off()
            device.close()
        self._singles, self._rgb = {}, None
        self.state = "off"

    def _show_rgb(self, state: str) -> None:
        level = self.settings.brightness
        colour = tuple(level * c for c in COLOURS[state])
        if state == "error":
            self._rgb.blink(on_time=self.blink_s, off_time=self.blink_s, on_color=colour,
                            off_color=(0, 0, 0), background=True)
        else:
            self._rgb.value = colour

    def _show_single(self, state: str) -> None:
        blinking: list[str] = []
        if state == "error":
            # Without an error LED, the error blink uses every LED there is.
            blinking = ["error"] if "error" in self._singles else list(self._singles)
        for name, led in self._singles.items():
            if name in blinking:
                led.blink(on_time=self.blink_s, off_time=self.blink_s, background=True)
            elif name == state:
                led.on()
            else:
                led.off()


def _open_singles(settings: LedSettings, pin_factory) -> dict[str, object]:
    from gpiozero import LED

    leds: dict[str, object] = {}
    try:
        for key, pin in led_pins(settings):
            state = key.split(".", 1)[1]
            leds[state] = claim(lambda: LED(pin, active_high=settings.active_high,
                                            pin_factory=pin_factory), key, str(pin), _FIX)
    except BaseException:
        for led in leds.values():
            led.close()
        raise
    return leds


def _open_rgb(settings: LedSettings, pin_factory):
    from gpiozero import RGBLED

    red, green, blue = settings.rgb_pins
    return claim(lambda: RGBLED(red, green, blue, active_high=settings.active_high, pwm=True,
                                pin_factory=pin_factory),
                 "leds.rgb_pins", f"{red}, {green}, {blue}", _FIX)


def make_leds(settings: LedSettings, pin_factory=None) -> NullLeds | StatusLeds:
    """NullLeds for kind none; otherwise StatusLeds, or GpioError (exit 78) naming the
    leds key when the pins cannot be used, e.g. on a machine without GPIO.

    Configured pins are never silently ignored: a user who wired LEDs wants to hear
    why they stay dark, and systemd must not restart a service that cannot work.
    """
    if settings.kind == "none":
        return NullLeds()
    leds = StatusLeds(settings, pin_factory=pin_factory)
    log.info("status LEDs: %s on GPIO %s", settings.kind, ", ".join(str(p) for _, p in led_pins(settings)))
    return leds
