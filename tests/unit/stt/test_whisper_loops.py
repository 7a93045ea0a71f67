"""Whisper in a window cut to the question: the same words as the full 30 s window, faster."""

from __future__ import annotations

import pytest

from assistant.stt.whisper import repeats_itself


@pytest.mark.parametrize("text", ["I am a fruit and I am a fruit and I am", "Who wrote, wrote, wrote, and do it.",
                                  "no, no, no", "What is it? What is it?"])
def test_decoder_loops_are_recognised(text):
    assert repeats_itself(text)


@pytest.mark.parametrize("text", ["What is the capital of France?", "very very good", "bye bye now", ""])
def test_ordinary_questions_are_not_loops(text):
    assert not repeats_itself(text)
