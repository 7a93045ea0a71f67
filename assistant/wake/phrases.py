"""Wake phrases as text: normalising, checking, and finding one in a transcript."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional, Sequence

from assistant.core.errors import ConfigError

_NON_WORD = re.compile(r"[^\w']+|_")


def normalise(text: str) -> str:
    """Lower-case words, single spaces, no punctuation: "Hey, Computer!" -> "hey computer"."""
    words = _NON_WORD.sub(" ", text.lower()).replace("'", "").split()
    return " ".join(words)


def check_phrases(phrases: Sequence[str]) -> tuple[str, ...]:
    """Normalised, non-empty, distinct phrases; ConfigError otherwise."""
    result = tuple(dict.fromkeys(normalise(p) for p in phrases))
    if not phrases or "" in result:
        raise ConfigError("wake.phrases: give at least one phrase of letters, e.g. [\"hey computer\"]")
    return result


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance between two strings (phrases are short: O(len a * len b) is fine)."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def similarity(heard: str, phrase: str) -> float:
    """1 - edit distance / phrase length, floored at 0; both already normalised."""
    return max(0.0, 1.0 - edit_distance(heard, phrase) / max(len(phrase), 1))


def required_similarity(threshold: float) -> float:
    """Similarity a transcript window needs: 0.7 (lenient) .. 1.0 (exact) over threshold 0..1.

    At the default 0.5 (0.85) "hey computer", "hey, computers", "hay computer" pass and
    "the computer" (0.83), "he computed" (0.83) and "a computer" (0.75) do not.
    """
    return 0.7 + 0.3 * threshold


@dataclass(frozen=True)
class PhraseMatch:
    """Where a phrase was found in a transcript."""

    phrase: str
    """The configured phrase."""
    score: float
    """Similarity of the best transcript window to the phrase, 0..1."""
    first_word: int
    """Index of the window's first word in the normalised transcript."""
    last_word: int
    """Index of the window's last word (inclusive)."""


def find_phrase(transcript: str, phrases: Sequence[str], required: float) -> Optional[PhraseMatch]:
    """Best window of the transcript matching a phrase with at least ``required`` similarity.

    Windows span the phrase's word count plus or minus one, because whisper splits and
    joins words ("heycomputer", "hey com puter").
    """
    words = normalise(transcript).split()
    best: Optional[PhraseMatch] = None
    for phrase in phrases:
        n = len(phrase.split())
        for start in range(len(words)):
            for size in (n - 1, n, n + 1):
                if size < 1 or start + size > len(words):
                    continue
                score = similarity(" ".join(words[start:start + size]), phrase)
                if score >= required and (best is None or score > best.score):
                    best = PhraseMatch(phrase, score, start, start + size - 1)
    return best
