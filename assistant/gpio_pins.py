"""GPIO pins: cross-field config checks, and claiming pins with one clear error line.

Per-field ranges are checked by ``assistant.config``; these checks need several
fields at once, so config calls ``check_pin_conflicts`` after building Settings.
"""

from __future__ import annotations

import logging
import warnings
from typing import Callable, TypeVar

from .errors import ConfigError, GpioError
from .settings import LedSettings, Settings

log = logging.getLogger(__name__)
T = TypeVar("T")

LED_STATES = ("idle", "listening", "thinking", "speaking", "error")


def led_pins(leds: LedSettings) -> list[tuple[str, int]]:
    """(config key, BCM pin) of every LED pin the configured kind uses."""
    if leds.kind == "single":
        return [(f"leds.{s}", getattr(leds, s)) for s in LED_STATES if getattr(leds, s) is not None]
    if leds.kind == "rgb":
        return [(f"leds.rgb_pins[{i}]", pin) for i, pin in enumerate(leds.rgb_pins)]
    return []


def check_led_pins(leds: LedSettings) -> None:
    """ConfigError unless kind rgb has exactly 3 rgb_pins and kind single at least one pin."""
    if leds.kind == "rgb" and len(leds.rgb_pins) != 3:
        raise ConfigError(f"leds.rgb_pins: kind rgb needs exactly 3 pins (red, green, blue), "
                          f"got {len(leds.rgb_pins)}; e.g. rgb_pins: [17, 27, 22]")
    if leds.kind == "single" and not led_pins(leds):
        raise ConfigError("leds.kind: single needs at least one pin; set leds.idle, leds.listening, "
                          "leds.thinking, leds.speaking or leds.error (or kind: none)")


def used_pins(settings: Settings) -> list[tuple[str, int]]:
    """(config key, BCM pin) of every pin the assistant will claim."""
    pins = [("button.pin", settings.button.pin)] if settings.button.pin is not None else []
    return pins + led_pins(settings.leds)


def check_pin_conflicts(settings: Settings) -> None:
    """ConfigError naming both keys when one pin is configured twice; also check_led_pins."""
    check_led_pins(settings.leds)
    seen: dict[int, str] = {}
    for key, pin in used_pins(settings):
        if pin in seen:
            raise ConfigError(f"{key}: GPIO {pin} is already used by {seen[pin]}; "
                              f"give each a different pin")
        seen[pin] = key


def claim(build: Callable[[], T], key: str, pins: str, fix: str) -> T:
    """Run ``build()`` (which creates gpiozero devices); GpioError naming ``key`` if it fails.

    Call it from the main thread at start-up: it records warnings while it runs.
    """
    from gpiozero.exc import BadPinFactory, GPIOPinInUse, GPIOZeroError

    caught: list[warnings.WarningMessage] = []
    try:
        return _recording_fallbacks(build, caught)
    except BadPinFactory:
        reasons = "; ".join(str(w.message).replace("Falling back from ", "") for w in caught)
        raise GpioError(f"{key}: no GPIO is available on this machine for GPIO {pins} "
                        f"({reasons or 'no pin factory'}); run on a Raspberry Pi as a user "
                        f"in group gpio, or {fix}") from None
    except GPIOPinInUse as exc:
        raise GpioError(f"{key}: GPIO {pins} is already in use ({exc}); "
                        f"stop the other program or choose another pin") from None
    except (GPIOZeroError, OSError) as exc:
        raise GpioError(f"{key}: cannot use GPIO {pins} ({exc}); check the wiring "
                        f"and that the user is in group gpio, or {fix}") from None


def _recording_fallbacks(build: Callable[[], T], fallbacks: list) -> T:
    # gpiozero warns once per pin factory it could not load; they belong in the error
    # line (or the debug log), not on stderr.
    from gpiozero.exc import PinFactoryFallback

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", PinFactoryFallback)
        try:
            device = build()
        finally:
            fallbacks.extend(w for w in caught if issubclass(w.category, PinFactoryFallback))
            others = [w for w in caught if not issubclass(w.category, PinFactoryFallback)]
    for w in others:
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    for w in fallbacks:
        log.debug("gpiozero: %s", w.message)
    return device
