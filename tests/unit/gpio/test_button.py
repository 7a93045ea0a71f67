"""Push-to-talk on a mock pin with a real asyncio loop: thread hand-off and debouncing."""

from __future__ import annotations

import asyncio
import logging
import threading
import warnings

import pytest
from gpiozero import Device
from gpiozero.exc import BadPinFactory, PinFactoryFallback
from gpiozero.pins.mock import MockFactory

from assistant.config.gpio_settings import ButtonSettings
from assistant.core.errors import GpioError
from assistant.gpio.button import PushToTalk, make_button

PIN = 4


@pytest.fixture
def factory():
    factory = MockFactory()
    yield factory
    factory.reset()


class Recorder:
    """Collects (kind, thread id) on the loop and lets a test await a count."""

    def __init__(self):
        self.calls: list[tuple[str, int]] = []
        self.changed = asyncio.Event()

    def __call__(self, kind: str) -> None:
        self.calls.append((kind, threading.get_ident()))
        self.changed.set()

    @property
    def kinds(self) -> list[str]:
        return [kind for kind, _ in self.calls]

    async def wait_for(self, count: int, timeout: float = 5.0) -> None:
        async def until():
            while len(self.calls) < count:
                self.changed.clear()
                await self.changed.wait()
        await asyncio.wait_for(until(), timeout)


async def in_gpio_thread(fn) -> None:
    """Drive the pin from another thread, as gpiozero's own callback thread would."""
    await asyncio.to_thread(fn)


def test_press_and_release_arrive_on_the_loop_thread(factory):
    async def main():
        loop = asyncio.get_running_loop()
        seen = Recorder()
        button = make_button(ButtonSettings(pin=PIN, bounce_s=0.01), loop, seen, pin_factory=factory)
        pin = factory.pin(PIN)
        await in_gpio_thread(pin.drive_low)
        await seen.wait_for(1)
        await in_gpio_thread(pin.drive_high)
        await seen.wait_for(2)
        button.close()
        return seen, threading.get_ident()

    seen, loop_thread = asyncio.run(main())
    assert seen.kinds == ["pressed", "released"]
    assert {thread for _, thread in seen.calls} == {loop_thread}


def test_repeated_presses_are_each_reported(factory):
    async def main():
        loop = asyncio.get_running_loop()
        seen = Recorder()
        button = PushToTalk(ButtonSettings(pin=PIN, bounce_s=0.0), loop, seen, pin_factory=factory)
        pin = factory.pin(PIN)
        for n in range(3):
            await in_gpio_thread(pin.drive_low)
            await seen.wait_for(2 * n + 1)
            await in_gpio_thread(pin.drive_high)
            await seen.wait_for(2 * n + 2)
        button.close()
        return seen

    assert asyncio.run(main()).kinds == ["pressed", "released"] * 3


def test_a_flood_of_fifty_presses_does_not_pile_up(factory):
    async def main():
        loop = asyncio.get_running_loop()
        seen = Recorder()
        # A bounce window far longer than the flood takes, so the result does not
        # depend on how fast this machine drives the pin.
        button = PushToTalk(ButtonSettings(pin=PIN, bounce_s=1.0), loop, seen, pin_factory=factory)
        pin = factory.pin(PIN)

        def flood():
            for _ in range(50):
                pin.drive_low()
                pin.drive_high()

        await in_gpio_thread(flood)
        await seen.wait_for(2)  # the first press, then the settled release
        assert not button.pressed
        button.close()
        return seen

    assert asyncio.run(main()).kinds == ["pressed", "released"]


def test_a_flood_ending_pressed_reports_the_held_state(factory):
    async def main():
        loop = asyncio.get_running_loop()
        seen = Recorder()
        button = PushToTalk(ButtonSettings(pin=PIN, bounce_s=1.0), loop, seen, pin_factory=factory)
        pin = factory.pin(PIN)

        def bouncy_press():
            for _ in range(10):
                pin.drive_low()
                pin.drive_high()
            pin.drive_low()  # contacts settle closed: the button is held

        await in_gpio_thread(bouncy_press)
        await seen.wait_for(1)
        pressed_now = button.pressed
        await in_gpio_thread(pin.drive_high)
        await seen.wait_for(2)
        button.close()
        return seen, pressed_now

    seen, pressed_now = asyncio.run(main())
    assert pressed_now
    assert seen.kinds == ["pressed", "released"]


def test_close_stops_reporting_and_frees_the_pin(factory):
    async def main():
        loop = asyncio.get_running_loop()
        seen = Recorder()
        button = PushToTalk(ButtonSettings(pin=PIN), loop, seen, pin_factory=factory)
        button.close()
        button.close()  # twice is harmless
        again = PushToTalk(ButtonSettings(pin=PIN), loop, seen, pin_factory=factory)
        again.close()
        return seen

    assert asyncio.run(main()).calls == []


def test_no_pin_means_no_button(caplog):
    loop = asyncio.new_event_loop()
    try:
        with caplog.at_level(logging.INFO, logger="assistant.gpio.button"):
            assert make_button(ButtonSettings(), loop, print) is None
    finally:
        loop.close()
    assert [r.message for r in caplog.records] == ["no push-to-talk button configured"]


def test_no_gpio_hardware_names_button_pin(monkeypatch):
    def no_factory():
        warnings.warn(PinFactoryFallback("Falling back from lgpio: No module named 'lgpio'"))
        raise BadPinFactory("Unable to load any default pin factory!")

    monkeypatch.setattr(Device, "pin_factory", None)
    monkeypatch.setattr(Device, "_default_pin_factory", staticmethod(no_factory))
    loop = asyncio.new_event_loop()
    try:
        with pytest.raises(GpioError, match=r"^button\.pin: no GPIO is available .*leave button\.pin empty$") as info:
            make_button(ButtonSettings(pin=PIN), loop, print)
    finally:
        loop.close()
    assert info.value.exit_code == 78
