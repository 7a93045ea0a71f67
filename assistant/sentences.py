"""Cut a stream of LLM tokens into speakable pieces as soon as each is complete."""

from __future__ import annotations

import re

# A sentence ends at . ! ? or … followed by space; a number like 3.5 does not end one.
_END = re.compile(r"(?<=[.!?…])[\"')\]]*\s+|\n+")
_CLAUSE = re.compile(r"(?<=[,;:—])\s+")
_SPACE = re.compile(r"\s+")
_ABBREVIATIONS = {"mr.", "mrs.", "ms.", "dr.", "st.", "vs.", "e.g.", "i.e.", "etc.", "no."}
_SPEAKABLE = re.compile(r"[^\W_]", re.UNICODE)


class SentenceSplitter:
    """Feed tokens, get back whole sentences; long sentences are cut at commas, else between words."""

    def __init__(self, max_chars: int = 120, min_chars: int = 12, first_max_chars: int = 30):
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
            piece = self._take_sentence() or self._cut(_CLAUSE, limit) or self._cut(_SPACE, limit)
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

    def _cut(self, gap: re.Pattern, limit: int) -> str | None:
        """Once the buffer is over ``limit``, take it up to the last ``gap`` within the limit."""
        if len(self.buffer) <= limit:
            return None
        cuts = [m for m in gap.finditer(self.buffer) if self.min_chars <= m.start() <= limit]
        if not cuts:
            return None
        head, self.buffer = self.buffer[:cuts[-1].start()].strip(), self.buffer[cuts[-1].end():]
        return head


def split_text(text: str, max_chars: int = 120) -> list[str]:
    """All the pieces of a finished text."""
    splitter = SentenceSplitter(max_chars=max_chars)
    return splitter.feed(text) + splitter.flush()
