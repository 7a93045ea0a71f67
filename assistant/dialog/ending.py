"""The end of a question, as text: whether an early transcript reads as a finished sentence,
and how much less silence that earns."""

from __future__ import annotations

import re

from assistant.config.settings import EndpointSettings

TRAILING_WORDS = frozenset(
    "and or but so because if than then the a an of to for with from in on at about into by as "
    "is are was my your his her their our this that which what who when where how like um uh er".split())
"""Words a sentence does not end on: whisper may still write a full stop after them."""


def sounds_complete(text: str) -> bool:
    """Whether a transcript reads as a finished sentence: whisper closed it with . ? or !,
    it does not trail off ("..."), and its last word is not one that needs more after it."""
    text = text.strip()
    if not text or text[-1] not in ".?!" or text.endswith(("..", "\u2026")):
        return False
    words = re.findall(r"[\w']+", text.lower())
    return bool(words) and words[-1] not in TRAILING_WORDS


def sooner_silence(text: str, confidence: float | None, settings: EndpointSettings) -> float | None:
    """The shorter silence an early transcript earns, None if none: confident_silence_s for a
    finished sentence whose closing mark the recognizer was confident of (a clause said
    with a voice that goes on gets a doubtful full stop), complete_silence_s for one that
    only reads as finished. complete_silence_s at silence_s turns both off."""
    if not sounds_complete(text) or settings.complete_silence_s >= settings.silence_s:
        return None
    if confidence is not None and confidence >= settings.confident_probability:
        return min(settings.confident_silence_s, settings.complete_silence_s)
    return settings.complete_silence_s
