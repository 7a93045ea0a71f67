"""Status LEDs on gpiozero's mock pins: pin levels per state, the error blink, errors."""

from __future__ import annotations

import threading
import warnings

import pytest
from gpiozero import Device
from gpiozero.exc import BadPinFactory, PinFactoryFallback
from gpiozero.pins.mock import MockFactory, MockPWMPin

from assistant.config.gpio_settings import ButtonSettings, LedSettings
from assistant.config.pins import check_pin_conflicts
from assistant.config.settings import Settings
from assistant.core.errors import ConfigError, GpioError
from assistant.gpio.leds import COLOURS, NullLeds, StatusLeds, make_leds

SINGLE = {"idle": 5, "listening": 6, "thinking": 13, "speaking": 19, "error": 26}
RGB = (17, 27, 22)
BLINK_S = 0.01


class WatchedPin(MockPWMPin):
    """A mock PWM pin that wakes waiters whenever its level changes."""

    changed = threading.Condition()

    def _change_state(self, value):
        with WatchedPin.changed:
            result = super()._change_state(value)
            WatchedPin.changed.notify_all()
        return result


def wait_for_changes(pin, count: int, timeout: float = 5.0) -> None:
    """Block until the pin has changed level ``count`` more times."""
    target = len(pin.states) + count
    with WatchedPin.changed:
        assert WatchedPin.changed.wait_for(lambda: len(pin.states) >= target, timeout), pin.states


@pytest.fixture
def factory():
    factory = MockFactory(pin_class=WatchedPin)
    yield factory
    factory.reset()


def single(**overrides) -> LedSettings:
    return LedSettings(kind="single", **{**SINGLE, **overrides})


def levels(factory, pins) -> list[float]:
    return [round(float(factory.pin(p).state), 3) for p in pins]


@pytest.mark.parametrize("state", ["idle", "listening", "thinking", "speaking"])
def test_single_lights_only_the_state_led(factory, state):
    leds = make_leds(single(), pin_factory=factory)
    leds.show(state)
    assert levels(factory, SINGLE.values()) == [float(name == state) for name in SINGLE]
    leds.close()


def test_single_active_low_inverts_the_pins(factory):
    leds = make_leds(single(active_high=False), pin_factory=factory)
    leds.show("thinking")
    assert levels(factory, SINGLE.values()) == [0.0 if name == "thinking" else 1.0 for name in SINGLE]
    leds.close()


def test_single_error_blinks_the_error_led_until_the_state_changes(factory):
    leds = StatusLeds(single(), pin_factory=factory, blink_s=BLINK_S)
    leds.show("error")
    error = factory.pin(SINGLE["error"])
    wait_for_changes(error, 4)  # on, off, on, off: it blinks on its own
    assert levels(factory, [SINGLE["idle"], SINGLE["listening"]]) == [0.0, 0.0]
    leds.show("idle")  # stops (and joins) gpiozero's blink thread
    assert levels(factory, [SINGLE["error"], SINGLE["idle"]]) == [0.0, 1.0]
    leds.close()


def test_single_without_an_error_pin_blinks_every_led(factory):
    leds = StatusLeds(LedSettings(kind="single", idle=5, listening=6), pin_factory=factory, blink_s=BLINK_S)
    leds.show("error")
    wait_for_changes(factory.pin(5), 2)
    wait_for_changes(factory.pin(6), 2)
    leds.close()


def test_unconfigured_state_leaves_everything_dark(factory):
    leds = make_leds(LedSettings(kind="single", listening=6), pin_factory=factory)
    leds.show("listening")
    leds.show("speaking")
    assert levels(factory, [6]) == [0.0]
    leds.close()


@pytest.mark.parametrize("state", ["idle", "listening", "thinking", "speaking", "off"])
def test_rgb_colour_per_state_scaled_by_brightness(factory, state):
    leds = make_leds(LedSettings(kind="rgb", rgb_pins=RGB, brightness=0.5), pin_factory=factory)
    leds.show(state)
    assert levels(factory, RGB) == [round(0.5 * c, 3) for c in COLOURS[state]]
    leds.close()


def test_rgb_states_are_distinct_colours():
    assert len({COLOURS[s] for s in ("idle", "listening", "thinking", "speaking", "error")}) == 5


def test_rgb_common_anode_inverts(factory):
    leds = make_leds(LedSettings(kind="rgb", rgb_pins=RGB, active_high=False), pin_factory=factory)
    leds.show("listening")
    assert levels(factory, RGB) == [1.0, 0.0, 1.0]
    leds.close()


def test_rgb_error_blinks_red(factory):
    leds = StatusLeds(LedSettings(kind="rgb", rgb_pins=RGB), pin_factory=factory, blink_s=BLINK_S)
    leds.show("error")
    red = factory.pin(RGB[0])
    wait_for_changes(red, 4)
    assert {round(s.state, 3) for s in red.states[1:]} == {0.0, 1.0}
    assert levels(factory, RGB[1:]) == [0.0, 0.0]
    leds.show("listening")
    assert levels(factory, RGB) == [0.0, 1.0, 0.0]
    leds.close()


def test_close_turns_off_and_releases_the_pins(factory):
    leds = make_leds(LedSettings(kind="rgb", rgb_pins=RGB), pin_factory=factory)
    leds.show("speaking")
    leds.close()
    assert levels(factory, RGB) == [0.0, 0.0, 0.0]
    again = make_leds(LedSettings(kind="rgb", rgb_pins=RGB), pin_factory=factory)  # pins are free
    again.close()


def test_unknown_state_is_a_programming_error(factory):
    leds = make_leds(single(), pin_factory=factory)
    with pytest.raises(ValueError, match="unknown LED state"):
        leds.show("dancing")
    leds.close()


def test_kind_none_is_null_leds():
    leds = make_leds(LedSettings())
    assert isinstance(leds, NullLeds)
    leds.show("listening")
    leds.close()


def test_rgb_needs_three_pins(factory):
    with pytest.raises(ConfigError, match=r"leds\.rgb_pins: kind rgb needs exactly 3 pins"):
        make_leds(LedSettings(kind="rgb", rgb_pins=(17, 27)), pin_factory=factory)


def test_single_needs_a_pin(factory):
    with pytest.raises(ConfigError, match=r"leds\.kind: single needs at least one pin"):
        make_leds(LedSettings(kind="single"), pin_factory=factory)


def test_pin_in_use_names_the_key(factory):
    first = make_leds(single(), pin_factory=factory)
    with pytest.raises(GpioError, match=r"leds\.idle: GPIO 5 is already in use") as info:
        make_leds(single(), pin_factory=factory)
    assert info.value.exit_code == 78
    first.close()


def test_no_gpio_hardware_is_one_error_line(monkeypatch):
    def no_factory():
        warnings.warn(PinFactoryFallback("Falling back from lgpio: No module named 'lgpio'"))
        raise BadPinFactory("Unable to load any default pin factory!")

    monkeypatch.setattr(Device, "pin_factory", None)
    monkeypatch.setattr(Device, "_default_pin_factory", staticmethod(no_factory))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the fallback warning must not leak to stderr
        with pytest.raises(GpioError) as info:
            make_leds(single())
    message = str(info.value)
    assert message.startswith("leds.idle: no GPIO is available on this machine")
    assert "lgpio: No module named 'lgpio'" in message and "leds.kind: none" in message
    assert "\n" not in message and info.value.exit_code == 78


def test_pin_conflicts_name_both_keys():
    settings = Settings(button=ButtonSettings(pin=6), leds=single())
    with pytest.raises(ConfigError, match=r"leds\.listening: GPIO 6 is already used by button\.pin"):
        check_pin_conflicts(settings)
    rgb = Settings(leds=LedSettings(kind="rgb", rgb_pins=(17, 17, 22)))
    with pytest.raises(ConfigError, match=r"leds\.rgb_pins\[1\]: GPIO 17 is already used by leds\.rgb_pins\[0\]"):
        check_pin_conflicts(rgb)
    dup = Settings(leds=LedSettings(kind="single", idle=5, error=5))
    with pytest.raises(ConfigError, match=r"leds\.error: GPIO 5 is already used by leds\.idle"):
        check_pin_conflicts(dup)


def test_pins_of_unused_kinds_do_not_conflict():
    # kind rgb ignores the single-LED pins, so they may repeat the button's.
    settings = Settings(button=ButtonSettings(pin=5), leds=LedSettings(kind="rgb", idle=5, rgb_pins=RGB))
    check_pin_conflicts(settings)
    check_pin_conflicts(Settings())
