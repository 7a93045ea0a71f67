"""GPIO pins in the config: checks that need several fields at once.

Per-field ranges are checked by ``assistant.config.loader``; these checks need several
fields at once, so config calls ``check_pin_conflicts`` after building Settings.
"""

from __future__ import annotations

from assistant.config.gpio_settings import LedSettings
from assistant.config.settings import Settings
from assistant.core.errors import ConfigError

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
