"""The conversation kept for follow-up questions, trimmed to the model's context."""

from __future__ import annotations

from typing import Callable

SAFETY_TOKENS = 64  # chat-template tokens per message the count does not see
TRIM_TO = 0.5
"""Share of the budget the history is cut down to once it no longer fits."""


class Conversation:
    """Past turns as chat messages; the oldest go first when the context would overflow."""

    def __init__(self, system_prompt: str, context: int, max_tokens: int,
                 count_tokens: Callable[[str], int], keep_s: float) -> None:
        self.count_tokens = count_tokens
        self.configure(system_prompt, context, max_tokens, keep_s)
        self.turns: list[tuple[str, str]] = []
        self.last_at: float | None = None

    def configure(self, system_prompt: str, context: int, max_tokens: int, keep_s: float) -> None:
        """(Re)set the prompt and the token budget."""
        self.system_prompt = system_prompt
        self.budget = context - max_tokens - SAFETY_TOKENS
        self.keep_s = keep_s

    def messages(self, question: str, now: float, followup: bool = False) -> list[dict]:
        """The messages for a new question: system prompt, the turns that fit, the question.

        A follow-up always continues; a new wake-up continues only within ``keep_s``.
        """
        if not followup and self.last_at is not None and now - self.last_at > self.keep_s:
            self.turns.clear()
        fixed = self._tokens(self.system_prompt) + self._tokens(question)
        costs = [self._tokens(q) + self._tokens(a) for q, a in self.turns]
        # Dropping the oldest turn changes the prompt right after the system prompt. The
        # model's cache follows such a cut (kv_shift.py), but each cut moves the cache, and a
        # model that cannot shift reads the whole history again. Once the history does not
        # fit, cut it to half the budget (as llama.cpp's server does), so a cut comes every
        # few turns instead of on every one.
        limit = self.budget if fixed + sum(costs) <= self.budget else fixed + TRIM_TO * (self.budget - fixed)
        keep, used = 0, fixed
        for cost in reversed(costs):
            if used + cost > limit:
                break
            keep, used = keep + 1, used + cost
        if not keep and costs and fixed + costs[-1] <= self.budget:
            keep = 1  # the last turn still fits: a follow-up needs it
        kept = self.turns = self.turns[len(self.turns) - keep:]
        history = [m for q, a in kept for m in ({"role": "user", "content": q},
                                                {"role": "assistant", "content": a})]
        return chat_messages(self.system_prompt, history, question)

    def add(self, question: str, spoken_reply: str, now: float) -> None:
        """Remember a turn: only what was actually spoken of the reply."""
        if spoken_reply.strip():
            self.turns.append((question, spoken_reply.strip()))
        self.last_at = now

    def _tokens(self, text: str) -> int:
        return self.count_tokens(text) + 8 if text else 0


def chat_messages(system_prompt: str, history: list[dict], user_text: str) -> list[dict]:
    """The message list for one turn: system prompt, earlier turns, the new question."""
    messages = [{"role": "system", "content": system_prompt}] if system_prompt else []
    return messages + list(history) + [{"role": "user", "content": user_text}]
