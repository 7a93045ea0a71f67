"""The conversation kept for follow-up questions, trimmed to the model's context."""

from __future__ import annotations

from typing import Callable

from .llm import chat_messages

SAFETY_TOKENS = 64  # chat-template tokens per message the count does not see


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
        kept: list[tuple[str, str]] = []
        used = fixed
        for turn in reversed(self.turns):
            cost = self._tokens(turn[0]) + self._tokens(turn[1])
            if used + cost > self.budget:
                break
            kept.insert(0, turn)
            used += cost
        self.turns = kept
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
