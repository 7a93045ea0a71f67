"""Whisper in a window cut to the question: the same words as the full 30 s window, faster."""

from __future__ import annotations

import pytest

from assistant.stt.whisper import echoes_prompt, prompt_sentences, repeats_itself


@pytest.mark.parametrize("text", ["I am a fruit and I am a fruit and I am", "Who wrote, wrote, wrote, and do it.",
                                  "no, no, no", "What is it? What is it?"])
def test_decoder_loops_are_recognised(text):
    assert repeats_itself(text)


@pytest.mark.parametrize("text", ["What is the capital of France?", "very very good", "bye bye now", ""])
def test_ordinary_questions_are_not_loops(text):
    assert not repeats_itself(text)


PROMPT = "What is the capital of Italy? Set a timer for ten minutes."


@pytest.mark.parametrize("text, echoed", [
    ("What is the capital of Italy?", True), ("set a timer for ten minutes", True),
    ("What is the capital of France?", False), ("Set a timer for ten minutes, please.", False), ("", False),
])
def test_a_transcript_that_is_one_of_the_prompts_sentences_is_an_echo(text, echoed):
    assert echoes_prompt(text, prompt_sentences(PROMPT)) is echoed


def test_without_a_prompt_nothing_is_an_echo():
    assert prompt_sentences("") == frozenset() and not echoes_prompt("what is the capital of italy", frozenset())
