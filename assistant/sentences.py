"""Cut a stream of LLM tokens into speakable pieces as soon as each is complete."""

from __future__ import annotations

import re

# A sentence ends at . ! ? or … followed by space; a number like 3.5 does not end one.
_END = re.compile(r"(?<=[.!?…])[\"')\]]*\s+|\n+")
_CLAUSE = re.compile(r"(?<=[,;:—])\s+")
_ABBREVIATIONS = {"mr.", "mrs.", "ms.", "dr.", "st.", "vs.", "e.g.", "i.e.", "etc.", "no."}
_SPEAKABLE = re.compile(r"[^\W_]", re.UNICODE)


class SentenceSplitter:
    """Feed tokens, get back whole sentences; long sentences are cut at commas."""

    def __init__(self, max_chars: int = 120, min_chars: int = 12):
        self.max_chars = max_chars
        self.min_chars = min_chars
        self.buffer = ""

    def feed(self, text: str) -> list[str]:
        """Add text; return the pieces that are now complete."""
        self.buffer += text
        pieces = []
        while True:
            piece = self._take_sentence() or self._take_clause()
            if piece is None:
                return pieces
            if _SPEAKABLE.search(piece):
                pieces.append(piece)

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

    def _take_clause(self) -> str | None:
        if len(self.buffer) <= self.max_chars:
            return None
        cuts = [m for m in _CLAUSE.finditer(self.buffer) if m.start() >= self.min_chars]
        if not cuts:
            return None
        cut = cuts[-1] if cuts[-1].start() <= self.max_chars else cuts[0]
        head, self.buffer = self.buffer[:cut.start()].strip(), self.buffer[cut.end():]
        return head


def split_text(text: str, max_chars: int = 120) -> list[str]:
    """All the pieces of a finished text."""
    splitter = SentenceSplitter(max_chars=max_chars)
    return splitter.feed(text) + splitter.flush()
