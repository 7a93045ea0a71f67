"""Reading ahead: the model reads the start of a long question while it is still spoken."""

from __future__ import annotations

import time

import pytest
from support import WAKE, words
from support.daemon import make_config, run_daemon, silence, spoken

from assistant_tools.speech import concat

LONG_QUESTION = ("Please tell me what the weather is usually like in the city of Paris in the spring, "
                 "and whether I should bring an umbrella and a warm coat with me.")


def eval_sizes(engines, monkeypatch) -> list[int]:
    """Records the size of every batch the model reads (1: a token of a reply)."""
    sizes, real_eval = [], engines.llm.llama.eval

    def eval_(tokens):
        sizes.append(len(tokens))
        return real_eval(tokens)

    monkeypatch.setattr(engines.llm.llama, "eval", eval_)
    return sizes


def timed(obj, name: str, spans: list, monkeypatch) -> None:
    """Records (start, end) of every call of ``obj.name``, from any thread."""
    real = getattr(obj, name)

    def call(*args, **kwargs):
        start = time.monotonic()
        try:
            return real(*args, **kwargs)
        finally:
            spans.append((start, time.monotonic()))

    monkeypatch.setattr(obj, name, call)


def long_question_run(tmp_path, engines, tts, monkeypatch, read_ahead_s: float, early_transcript: bool = True):
    config = make_config(conversation={"followup_window_s": 0},
                         endpoint={"read_ahead_s": read_ahead_s, "early_transcript": early_transcript})
    mic = concat(silence(0.5), spoken(tts, WAKE), silence(0.6), spoken(tts, LONG_QUESTION), silence(1.5))
    engines.llm.llama.reset()  # nothing read before: every prompt below is this run's
    sizes = eval_sizes(engines, monkeypatch)
    heard, read = [], []
    timed(engines.stt, "transcribe", heard, monkeypatch)
    timed(engines.llm, "prefill", read, monkeypatch)
    run = run_daemon(config, engines, [mic], speaker_path=tmp_path / "spk.wav", turns=1)
    monkeypatch.undo()
    overlaps = [(h, r) for h in heard for r in read if h[0] < r[1] and r[0] < h[1]]
    assert not overlaps, "whisper and the model's reading ahead never run at once"
    return run, [n for n in sizes if n > 1]


@pytest.mark.slow
def test_a_long_question_is_read_while_it_is_spoken(tmp_path, engines, tts, monkeypatch):
    run, prompts = long_question_run(tmp_path, engines, tts, monkeypatch, read_ahead_s=2.0)
    read = [e.data["text"] for e in run.all("read_ahead")]
    question = run.all("transcript")[0].data["text"]
    assert {"umbrella", "coat"} <= words(question), question
    assert len(read) >= 2, f"an 8 s question is read ahead every 2 s of speech: {read}"
    assert words(read[-1]) <= words(question) and len(read[-1].split()) > len(read[0].split()), read
    # The first reading takes in the system prompt too; the answer's prompt only the end.
    assert len(prompts) >= 3 and prompts[-1] < 20 < prompts[0], prompts
    assert run.all("turn_done")


@pytest.mark.slow
def test_without_reading_ahead_the_whole_question_is_read_at_its_end(tmp_path, engines, tts, monkeypatch):
    # No early transcript either: on a fast CPU whisper finishes within the 0.32 s pause at
    # the comma, and the answer begun there gives the model a head start of its own.
    run, prompts = long_question_run(tmp_path, engines, tts, monkeypatch, read_ahead_s=0, early_transcript=False)
    assert not run.all("read_ahead")
    assert prompts[-1] > 30, prompts  # the control: the question's ~35 tokens at once
