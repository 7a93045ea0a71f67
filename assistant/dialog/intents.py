"""Local intents: requests answered on the Pi before (and instead of) the LLM.

A fixed table of (name, pattern, handler). Patterns must match the WHOLE normalised
transcript, so "what time is it" is answered here but "what time is it in Tokyo"
(another time zone, which this table cannot answer) and "tell me a story about a
timer" go to the LLM. Only the user's transcript is matched: nothing the LLM says is
ever turned into an action. Extend by adding an Intent to INTENTS.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Optional, Sequence

from assistant.config.settings import IntentSettings
from assistant.dialog.spoken_numbers import duration_adjective, duration_words, parse_duration

MAX_TIMER_S = 24 * 3600
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")


@dataclass(frozen=True)
class IntentResult:
    """What a local intent says and does."""

    name: str
    """Which intent matched: stop, time, date, volume_up, volume_down, timer, timer_help, cancel_timer."""
    reply: str
    """Text to speak; empty to say nothing (stop)."""
    action: Optional[str] = None
    """What the daemon does: stop, volume, timer, cancel_timer, or None for an answer only."""
    value: Optional[float] = None
    """The action's amount: volume change (+/-), timer length in seconds."""


@dataclass(frozen=True)
class IntentContext:
    """What handlers may use besides the match."""

    settings: IntentSettings
    """The intents section of the config."""
    now: Callable[[], datetime]
    """The local wall clock (injected for tests)."""


Handler = Callable[[re.Match, IntentContext], Optional[IntentResult]]


@dataclass(frozen=True)
class Intent:
    """One row of the table."""

    name: str
    """Name reported in IntentResult and the event log."""
    pattern: re.Pattern
    """Matched against the whole normalised transcript."""
    handler: Handler
    """Builds the result; may return None to let the LLM answer after all."""


def normalise(text: str) -> str:
    """Lower case, no punctuation, contractions and hyphens spelled out, fillers dropped."""
    text = text.lower().replace("\u2019", "'")
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)       # 1,000 -> 1000
    text = re.sub(r"(?<!\d)\.|\.(?!\d)", " ", text)         # keep decimal points only
    for short, full in _CONTRACTIONS.items():
        text = re.sub(rf"\b{short}\b", full, text)
    text = re.sub(r"[^a-z0-9.' ]+", " ", text).replace("'", "")
    words = text.split()
    while words and words[0] in _LEADING_FILLERS:
        words.pop(0)
    text = " ".join(words)
    text = _POLITE_START.sub("", text)
    return _POLITE_END.sub("", text).strip()


_CONTRACTIONS = {"what's": "what is", "it's": "it is", "that's": "that is", "whats": "what is"}
_LEADING_FILLERS = {"ok", "okay", "hey", "um", "uh", "so", "well", "please", "and", "oh", "alright"}
_POLITE_START = re.compile(r"^(?:(?:can|could|would|will) you (?:please )?|please |"
                           r"i (?:want|need|would like) (?:you )?to )")
_POLITE_END = re.compile(r"(?: (?:please|thanks|thank you|for me|right now))+$")


def _stop(m: re.Match, ctx: IntentContext) -> IntentResult:
    return IntentResult("stop", "", "stop")


def _time(m: re.Match, ctx: IntentContext) -> IntentResult:
    now = ctx.now()
    hour = now.hour % 12 or 12
    return IntentResult("time", f"It's {hour}:{now.minute:02d} {'AM' if now.hour < 12 else 'PM'}.")


def _date(m: re.Match, ctx: IntentContext) -> IntentResult:
    now = ctx.now()
    return IntentResult("date", f"Today is {DAYS[now.weekday()]}, {MONTHS[now.month - 1]} {now.day}.")


def _volume_up(m: re.Match, ctx: IntentContext) -> IntentResult:
    return IntentResult("volume_up", "Volume up.", "volume", ctx.settings.volume_step)


def _volume_down(m: re.Match, ctx: IntentContext) -> IntentResult:
    return IntentResult("volume_down", "Volume down.", "volume", -ctx.settings.volume_step)


def _timer(m: re.Match, ctx: IntentContext) -> Optional[IntentResult]:
    said = m.group("d")
    seconds = parse_duration(said)
    if seconds is None and said.split()[0] in ("a", "an"):
        seconds = parse_duration(said.split(" ", 1)[-1])  # "a 5 minute timer"
    if seconds is None:
        return None  # "set a story timer": not a duration, let the LLM answer
    seconds = float(round(seconds))
    if seconds < 1:
        return IntentResult("timer_help", "A timer needs at least one second.")
    if seconds > MAX_TIMER_S:
        return IntentResult("timer_help", "Timers can be at most 24 hours long.")
    return IntentResult("timer", f"Timer set for {duration_words(seconds)}.", "timer", seconds)


def _timer_help(m: re.Match, ctx: IntentContext) -> IntentResult:
    return IntentResult("timer_help", "For how long? Say, for example: set a timer for five minutes.")


def _cancel_timer(m: re.Match, ctx: IntentContext) -> IntentResult:
    # The daemon knows whether a timer runs and may replace the reply.
    return IntentResult("cancel_timer", "Timer cancelled.", "cancel_timer")


def _re(pattern: str) -> re.Pattern:
    return re.compile(pattern)


_VERB = r"(?:(?:set|start|create|make|put on|add)(?: me| up)? )?"
_SET = _VERB + r"(?:a |an |the |my )?"
_TIMER = r"(?:timer|countdown)"
_BIT = r"(?:a bit |a little )?"
_BIT_AFTER = r"(?: a bit| a little)?"

INTENTS: tuple[Intent, ...] = (
    Intent("cancel_timer", _re(r"(?:cancel|stop|delete|remove|clear|turn off|end)"
                               rf" (?:the |my |all |all the |all my )?{_TIMER}s?(?: now)?"), _cancel_timer),
    Intent("stop", _re(r"(?:(?:stop|cancel|never ?mind|be quiet|quiet|shut up|silence|enough|"
                       r"stop talking|stop it|cancel that|forget it|that is enough|that is all)"
                       r" ?)+"), _stop),
    Intent("time", _re(r"(?:what time is it|what is the time|what is the current time|"
                       r"tell me the time|tell me what time it is|do you know what time it is|"
                       r"what time it is|the time|current time|time)(?: now| right now)?"), _time),
    Intent("date", _re(r"(?:what is (?:the date|todays date|the date today|today)|"
                       r"what day is (?:it|today)|which day is it|what is the day(?: today)?|"
                       r"tell me the date|what date is it|todays date|the date|date)(?: today)?"), _date),
    Intent("volume_up", _re(rf"(?:volume up|speak up|turn (?:it |the volume )?up(?: the volume)?|"
                            rf"(?:increase|raise) (?:the )?volume|(?:speak )?{_BIT}louder){_BIT_AFTER}"),
           _volume_up),
    Intent("volume_down", _re(rf"(?:volume down|turn (?:it |the volume )?down(?: the volume)?|"
                              rf"(?:decrease|lower|reduce) (?:the )?volume|"
                              rf"(?:speak )?{_BIT}(?:quieter|softer|more quietly)){_BIT_AFTER}"),
           _volume_down),
    Intent("timer", _re(rf"{_SET}{_TIMER} (?:for|of) (?P<d>.+)"), _timer),
    # No article here: "an hour and a half timer" needs its "an".
    Intent("timer", _re(rf"{_VERB}(?:the |my )?(?P<d>.+?) {_TIMER}"), _timer),
    Intent("timer_help", _re(rf"(?:set|start|create|make)(?: me)? (?:a |an |the )?{_TIMER}"), _timer_help),
)


def match_intent(text: str, settings: IntentSettings,
                 now: Callable[[], datetime] = datetime.now,
                 strip: Sequence[str] = ()) -> IntentResult | None:
    """The local answer to a transcript, or None to ask the LLM.

    ``strip``: phrases dropped from the start first (the wake phrases, when the wake
    engine leaves them in the transcript).
    """
    if not settings.enabled:
        return None
    said = normalise(text)
    for phrase in strip:
        phrase = normalise(phrase)
        if phrase and (said == phrase or said.startswith(phrase + " ")):
            said = normalise(said[len(phrase):])
            break
    if not said:
        return None
    ctx = IntentContext(settings=settings, now=now)
    for intent in INTENTS:
        found = intent.pattern.fullmatch(said)
        if found:
            result = intent.handler(found, ctx)
            if result is not None:
                return result
    return None


def timer_phrase(seconds: float) -> str:
    """What is spoken when a timer ends: "Your 5 minute timer is done." """
    return f"Your {duration_adjective(seconds)} timer is done."
