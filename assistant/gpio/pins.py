"""Claiming GPIO pins through gpiozero, with one clear error line when it fails."""

from __future__ import annotations

import logging
import warnings
from typing import Callable, TypeVar

from assistant.core.errors import GpioError

log = logging.getLogger(__name__)
T = TypeVar("T")


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
