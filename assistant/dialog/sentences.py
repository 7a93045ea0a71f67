"""Cut a stream of LLM tokens into speakable pieces as soon as each is complete."""

from __future__ import annotations

import re
from typing import Callable, Iterable, Iterator, TypeVar

from assistant.config.settings import FIRST_PIECE_CHARS

T = TypeVar("T")

# A sentence ends at . ! ? or … followed by space; a number like 3.5 does not end one.
_END = re.compile(r"(?<=[.!?…])[\"')\]]*\s+|\n+")
_CLAUSE = re.compile(r"(?<=[,;:—])\s+")
_SPACE = re.compile(r"\s+")
_ABBREVIATIONS = {"mr.", "mrs.", "ms.", "dr.", "st.", "vs.", "e.g.", "i.e.", "etc.", "no."}
_SPEAKABLE = re.compile(r"[^\W_]", re.UNICODE)
# A piece cut between words does not end on one of these: "the capital of" would be
# spoken with a full stop's fall on "of".
_WEAK_ENDINGS = frozenset(
    "a an the of to in on at by for from with into about and or but nor so if than as is are was "
    "were be been am has have had do does did will would can could should may might must not no "
    "my your his her its our their this that these those which who whom whose very because while "
    "when where what how most more some each every such also".split())


class SentenceSplitter:
    """Feed tokens, get back whole sentences; long sentences are cut at commas, else between words."""

    def __init__(self, max_chars: int = 120, min_chars: int = 12, first_max_chars: int = FIRST_PIECE_CHARS):
        self.max_chars = max_chars
        self.min_chars = min_chars
        # The first piece is cut at an earlier comma: it decides when speech starts.
        self.first_max_chars = first_max_chars
        self.emitted = 0
        self.buffer = ""

    def feed(self, text: str) -> list[str]:
        """Add text; return the pieces that are now complete."""
        self.buffer += text
        pieces = []
        while True:
            limit = self.max_chars if self.emitted else self.first_max_chars
            # No punctuation within the limit: cut between words rather than keep the listener waiting.
            # A comma a little past the limit still beats a cut between two words.
            piece = (self._take_sentence() or self._cut(_CLAUSE, limit, reach=limit + limit // 4)
                     or self._cut(_SPACE, limit, overflow=True))
            if piece is None:
                return pieces
            if _SPEAKABLE.search(piece):
                pieces.append(piece)
                self.emitted += 1

    def flush(self) -> list[str]:
        """Return whatever is left at the end of the reply."""
        rest, self.buffer = self.buffer.strip(), ""
        return [rest] if _SPEAKABLE.search(rest) else []

    def _take_sentence(self) -> str | None:
        for match in _END.finditer(self.buffer):
            head = self.buffer[:match.start()].strip()
            last_word = head.rsplit(None, 1)[-1].lower() if head else ""
            if last_word in _ABBREVIATIONS or len(head) < self.min_chars and match.group().strip() == "":
                continue
            self.buffer = self.buffer[match.end():]
            return head
        return None

    def _cut(self, gap: re.Pattern, limit: int, reach: int | None = None, overflow: bool = False) -> str | None:
        """Once the buffer is over ``limit``, take it up to the last ``gap`` within ``reach``
        (the limit by default; with ``overflow``, the first gap past it if none is within)
        that follows a word a piece may end on."""
        if len(self.buffer) <= limit:
            return None
        cuts = [m for m in gap.finditer(self.buffer)
                if m.start() >= self.min_chars and self._last_word(m.start()) not in _WEAK_ENDINGS]
        within = [m for m in cuts if m.start() <= (reach or limit)]
        cut = within[-1] if within else (cuts[0] if cuts and overflow else None)
        if cut is None:
            return None
        head, self.buffer = self.buffer[:cut.start()].strip(), self.buffer[cut.end():]
        return head

    def _last_word(self, end: int) -> str:
        words = self.buffer[:end].split()
        return words[-1].lower().strip("\"'()[]") if words else ""


def split_text(text: str, max_chars: int = 120) -> list[str]:
    """All the pieces of a finished text."""
    splitter = SentenceSplitter(max_chars=max_chars)
    return splitter.feed(text) + splitter.flush()


def pieces_as_written(tokens: Iterable[T], splitter: SentenceSplitter,
                      text: Callable[[T], str] = lambda token: token.text) -> Iterator[tuple[T | None, list[str]]]:
    """The one token -> sentence loop: for each token, (token, the pieces it completed);
    after the last, (None, what was left over)."""
    for token in tokens:
        yield token, splitter.feed(text(token))
    yield None, splitter.flush()
