"""Stopping the real model in the middle of reading a long prompt (llama.cpp's abort callback)."""

from __future__ import annotations

import asyncio
import threading

import pytest
from support.daemon import responder

from assistant.daemon.responder import SpokenReply
from assistant.dialog.conversation import chat_messages

pytestmark = pytest.mark.slow

# About 1,500 tokens: 15 s of prompt reading on the 2-core development machine.
LONG_QUESTION = " ".join(f"Fact {i}: cats sleep for most of the day." for i in range(140))


def _prompt_started(llm, monkeypatch) -> tuple[threading.Event, list[int]]:
    """Spy on the real llama.cpp eval: an event set when a prompt starts being read, and its sizes."""
    started, sizes, real_eval = threading.Event(), [], llm.llama.eval

    def eval_(tokens):
        sizes.append(len(tokens))
        started.set()
        return real_eval(tokens)

    monkeypatch.setattr(llm.llama, "eval", eval_)
    return started, sizes


def test_stop_ends_a_stream_in_the_middle_of_its_prompt(llm, monkeypatch):
    started, sizes = _prompt_started(llm, monkeypatch)
    cancel, tokens = threading.Event(), []
    reader = threading.Thread(
        target=lambda: tokens.extend(llm.stream(chat_messages("", [], LONG_QUESTION), cancel=cancel)))
    reader.start()
    assert started.wait(60)
    llm.stop(cancel)
    reader.join(120)
    assert not reader.is_alive() and tokens == []
    assert sizes[0] > 1000
    # llama.cpp dropped the unfinished batch: the model holds less than the prompt it was given.
    assert llm.llama.n_tokens < sizes[0]
    # ... and is in a consistent state: the next answer is the one a fresh model gives.
    short = chat_messages("Answer in one short sentence.", [], "What is the capital of France?")
    after = llm.reply(short, max_tokens=12)
    llm.llama.reset()
    assert llm.reply(short, max_tokens=12) == after and "Paris" in after


def test_stop_with_another_streams_event_leaves_the_running_one_alone(llm):
    other = threading.Event()
    tokens = []
    for token in llm.stream(chat_messages("", [], "Count from one to ten."), max_tokens=8, cancel=threading.Event()):
        llm.stop(other)  # an answer that already ended is stopped late
        tokens.append(token)
    assert other.is_set() and len(tokens) > 1  # one token only if the stop reached this stream


def test_a_stopped_answer_frees_the_model_at_once(engines, monkeypatch):
    started, _ = _prompt_started(engines.llm, monkeypatch)
    resp = responder(engines, engines.tts)

    async def begin_then_stop():
        gen = resp.start(chat_messages("", [], LONG_QUESTION), speculate=True)
        assert await asyncio.to_thread(started.wait, 60)
        await resp.stop(gen)  # a barge-in, a time limit, shutting down
        return gen

    gen = asyncio.run(begin_then_stop())
    resp.close()
    # stop() waits up to 1 s for the model's thread; without the abort it would still be reading.
    assert gen.producer.done() and not gen.producer.cancelled()


def test_an_answer_dropped_because_the_user_went_on_reads_its_prompt_for_the_next(engines, monkeypatch):
    started, sizes = _prompt_started(engines.llm, monkeypatch)
    resp = responder(engines, engines.tts)
    engines.llm.llama.reset()
    partial = " ".join(f"Fact {i}: cats sleep a lot." for i in range(30))  # ~300 tokens, 3 s here
    whole = partial + " So how long do cats sleep?"

    async def early_answer_then_the_real_one():
        gen = resp.start(chat_messages("", [], partial), speculate=True)
        assert await asyncio.to_thread(started.wait, 60)
        await resp.stop(gen, finish_prompt=True)  # speech resumed after a pause
        await asyncio.wait([gen.producer], timeout=60)
        reply = SpokenReply()
        await resp.answer(resp.start(chat_messages("", [], whole)), reply)
        return gen, reply

    gen, reply = asyncio.run(early_answer_then_the_real_one())
    resp.close()
    written = [gen.tokens.get_nowait() for _ in range(gen.tokens.qsize())]
    assert not any(getattr(item, "tokens", ()) for item in written), "the dropped answer says nothing"
    assert sizes[0] > 250 and reply.text
    assert sizes[1] < 20, f"the real prompt read only its new tokens, not {sizes[1]}"
