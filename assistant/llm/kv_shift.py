"""Keeping the KV cache when the conversation's oldest turns are cut (llama.cpp's context shift).

llama-cpp-python reuses the cache only for the prompt's common prefix with what it
evaluated before. Cutting the oldest turns changes the prompt right after the system
prompt, so the whole kept history would be read again: seconds on a Pi with a 1B model,
a minute or more with Qwen3-30B-A3B at 11 prompt tokens/s. Instead, the cut turns are
removed from the cache and the rest is moved down (llama.cpp re-rotates the keys), as
llama.cpp's own server does when its context fills. The moved tokens were computed
while the cut turns were still before them; the answers barely differ, which is the
trade llama.cpp makes too.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from typing import Sequence

log = logging.getLogger(__name__)

MIN_REUSE = 16
"""Fewer matching tokens than this are not worth a cache edit."""


@dataclass(frozen=True)
class Shift:
    """How the cache is edited so that it starts like the new prompt."""

    keep: int
    """Tokens at the start that already match (the system prompt)."""
    cut: int
    """Position in the cache where the reused part begins; [keep, cut) is removed."""
    reuse: int
    """Tokens from ``cut`` on that match the new prompt after ``keep``."""


def plan_shift(cached: Sequence[int], prompt: Sequence[int]) -> Shift | None:
    """Where ``prompt`` continues with a later part of ``cached``, or None when a plain
    prefix match does as well (or nothing worth keeping matches)."""
    keep = 0
    for a, b in zip(cached, prompt):
        if a != b:
            break
        keep += 1
    if keep >= len(cached) or keep >= len(prompt):
        return None
    best = None
    first = prompt[keep]
    for cut in range(keep + 1, len(cached)):
        if cached[cut] != first:
            continue
        reuse = 0
        while (cut + reuse < len(cached) and keep + reuse < len(prompt)
               and cached[cut + reuse] == prompt[keep + reuse]):
            reuse += 1
        if best is None or reuse > best.reuse:
            best = Shift(keep, cut, reuse)
    return best if best is not None and best.reuse >= MIN_REUSE else None


def shift_cache(llama, prompt: Sequence[int]) -> None:
    """Edit ``llama``'s cache so that a prompt whose history was cut reuses it."""
    import llama_cpp

    memory = llama._ctx.memory
    if memory is None or not llama_cpp.llama_memory_can_shift(memory):
        return  # llama.cpp aborts on a shift the model cannot do
    cached = llama.input_ids[: llama.n_tokens].tolist()
    plan = plan_shift(cached, prompt)
    if plan is None or not llama._ctx.kv_cache_seq_rm(0, plan.keep, plan.cut):
        return
    moved = len(cached) - plan.cut
    llama._ctx.kv_cache_seq_shift(0, plan.cut, -1, plan.keep - plan.cut)
    llama.input_ids[plan.keep: plan.keep + moved] = llama.input_ids[plan.cut: len(cached)].copy()
    llama.n_tokens = plan.keep + moved
    log.info("llm: the history was cut; kept %d cached tokens instead of reading them again", plan.reuse)


@functools.cache
def shifting_llama():
    """llama_cpp.Llama, made to shift its cache before each prompt (see the module doc)."""
    from llama_cpp import Llama

    class ShiftingLlama(Llama):
        def generate(self, tokens, *args, **kwargs):
            tokens = list(tokens)
            if kwargs.get("reset", True) and self.n_tokens:
                shift_cache(self, tokens)
            yield from super().generate(tokens, *args, **kwargs)

    return ShiftingLlama
