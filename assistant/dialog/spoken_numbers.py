"""Numbers and durations as people say them (and as speech-to-text writes them).

"twenty five minutes", "25 minutes", "one and a half hours", "an hour and a half",
"half a minute", "1 hour and 30 minutes", "a hundred and twenty seconds". Input is
already normalised: lower case, words separated by single spaces, no punctuation
except a decimal point.
"""

from __future__ import annotations

import re

ONES = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
        "eighty": 80, "ninety": 90}
UNITS = {
    "second": 1, "seconds": 1, "sec": 1, "secs": 1,
    "minute": 60, "minutes": 60, "min": 60, "mins": 60,
    "hour": 3600, "hours": 3600, "hr": 3600, "hrs": 3600,
}
_DIGITS = re.compile(r"\d+(?:\.\d+)?")
_HALF = ["and", "a", "half"]


def parse_number(words: list[str], i: int = 0) -> tuple[float, int] | None:
    """The number starting at words[i] and the index after it, or None.

    Digits ("25", "1.5"), "a"/"an" (one), and words up to the hundreds
    ("ninety", "twenty five", "a hundred and twenty").
    """
    if i >= len(words):
        return None
    if _DIGITS.fullmatch(words[i]):
        return float(words[i]), i + 1
    if words[i] in ("a", "an"):
        if i + 1 < len(words) and words[i + 1] == "hundred":
            return _below_hundred_after(100, words, i + 2)
        return 1.0, i + 1
    small = _below_hundred(words, i)
    if small is None:
        return None
    value, j = small
    if j < len(words) and words[j] == "hundred":
        return _below_hundred_after(value * 100, words, j + 1)
    return float(value), j


def _below_hundred(words: list[str], i: int) -> tuple[int, int] | None:
    if i >= len(words):
        return None
    word = words[i]
    if word in ONES:
        return ONES[word], i + 1
    if word in TENS:
        nxt = words[i + 1] if i + 1 < len(words) else ""
        if ONES.get(nxt, 0) in range(1, 10):
            return TENS[word] + ONES[nxt], i + 2
        return TENS[word], i + 1
    return None


def _below_hundred_after(base: int, words: list[str], i: int) -> tuple[float, int]:
    # "a hundred and twenty": the "and" belongs to the number only before a number word.
    j = i + 1 if i < len(words) and words[i] == "and" else i
    rest = _below_hundred(words, j)
    if rest is None:
        return float(base), i
    return float(base + rest[0]), rest[1]


def parse_duration(text: str) -> float | None:
    """Seconds in a spoken duration that makes up the whole text, or None."""
    words = text.split()
    total, i, parts = 0.0, 0, 0
    while i < len(words):
        if parts and words[i] == "and":
            i += 1
        part = _duration_part(words, i)
        if part is None:
            return None
        seconds, i = part
        total += seconds
        parts += 1
    return total if parts else None


def _duration_part(words: list[str], i: int) -> tuple[float, int] | None:
    """One "<number> <unit>" group, with the ways of saying a half around it."""
    if words[i:i + 1] == ["half"] and words[i + 1:i + 2] in (["a"], ["an"]):
        unit = UNITS.get(words[i + 2]) if i + 2 < len(words) else None
        return (unit / 2, i + 3) if unit else None
    number = parse_number(words, i)
    if number is None:
        return None
    value, j = number
    if words[j:j + 3] == _HALF:  # "one and a half minutes"
        value, j = value + 0.5, j + 3
    unit = UNITS.get(words[j]) if j < len(words) else None
    if unit is None:
        return None
    j += 1
    if words[j:j + 3] == _HALF:  # "an hour and a half"
        value, j = value + 0.5, j + 3
    return value * unit, j


def duration_words(seconds: float) -> str:
    """ "5 minutes", "1 hour and 30 minutes", "90 seconds" (under two minutes, odd seconds
    stay seconds, as people say them)."""
    total = int(round(seconds))
    if total < 120 and total % 60:
        return _plural(total, "second")
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [_plural(n, unit) for n, unit in ((hours, "hour"), (minutes, "minute"), (secs, "second")) if n]
    return " and ".join(parts) if parts else "0 seconds"


def duration_adjective(seconds: float) -> str:
    """ "5 minute", "1 hour 30 minute", "90 second": the form before a noun ("timer")."""
    total = int(round(seconds))
    if total < 120 and total % 60:
        return f"{total} second"
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{n} {unit}" for n, unit in ((hours, "hour"), (minutes, "minute"), (secs, "second")) if n]
    return " ".join(parts) if parts else "0 second"


def _plural(n: int, unit: str) -> str:
    return f"{n} {unit}" + ("" if n == 1 else "s")
