"""Frozen settings of the GPIO wiring: the push-to-talk button and the status LEDs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from assistant.config.fields import limit


@dataclass(frozen=True)
class ButtonSettings:
    pin: Optional[int] = limit(None, lo=0, hi=27)
    """BCM pin of the push-to-talk button (to ground, internal pull-up); empty for none."""
    mode: str = limit("press", choices=("press", "hold"))
    """press: a press starts listening; hold: listen while held, stop on release."""
    bounce_s: float = limit(0.05, lo=0.0, hi=1.0)
    """Debounce time for the button contacts."""


@dataclass(frozen=True)
class LedSettings:
    kind: str = limit("none", choices=("none", "single", "rgb"))
    """none, one LED per state (single), or one RGB LED with a colour per state."""
    idle: Optional[int] = limit(None, lo=0, hi=27)
    """BCM pin of the idle LED (kind single)."""
    listening: Optional[int] = limit(None, lo=0, hi=27)
    """BCM pin of the listening LED (kind single)."""
    thinking: Optional[int] = limit(None, lo=0, hi=27)
    """BCM pin of the thinking LED (kind single)."""
    speaking: Optional[int] = limit(None, lo=0, hi=27)
    """BCM pin of the speaking LED (kind single)."""
    error: Optional[int] = limit(None, lo=0, hi=27)
    """BCM pin of the error LED (kind single)."""
    rgb_pins: tuple[int, ...] = limit((), lo=0, hi=27)
    """BCM pins of the red, green and blue legs (kind rgb)."""
    active_high: bool = True
    """True when a high pin lights the LED (false for common-anode RGB LEDs)."""
    brightness: float = limit(1.0, lo=0.0, hi=1.0)
    """Brightness of the RGB colours."""
