"""Piper and llama.cpp take turns: the model waits between tokens while a piece is synthesized."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
from support.daemon import responder
from support.faults import OneFault

from assistant.core.errors import TtsError
from assistant.daemon.responder import Responder, SpokenReply
from assistant.dialog.conversation import chat_messages


class TimedTts:
    """The real piper voice, recording when each synthesis ran."""

    def __init__(self, tts):
        self.tts, self.rate, self.spans = tts, tts.rate, []

    def synthesize(self, text):
        start = time.monotonic()
        try:
            return self.tts.synthesize(text)
        finally:
            self.spans.append((start, time.monotonic()))


async def answer(resp: Responder, question: str, system_prompt: str) -> SpokenReply:
    reply = SpokenReply()
    await resp.answer(resp.start(chat_messages(system_prompt, [], question)), reply)
    return reply


@pytest.mark.slow
def test_no_token_is_computed_while_piper_speaks(engines, config):
    timed = TimedTts(engines.tts)
    resp = responder(engines, timed)
    resp.cpu.park_wait_s = 30.0  # a token slowed past the daemon's bound by a loaded machine still counts
    prompt = config.settings.llm.system_prompt
    reply = asyncio.run(answer(resp, "Tell me about the Eiffel Tower in Paris.", prompt))
    resp.close()
    assert len(reply.pieces) >= 2 and reply.token_pauses[-1] > 0, reply.text
    for start, end in timed.spans:
        during = [t for t in reply.token_times if start < t < end]
        assert during == [], "synthesis starts after the token being computed, and no token starts during it"
    assert reply.tokens_per_s() > reply.tokens_per_s(wall=True)


@pytest.mark.slow
def test_an_abandoned_synthesis_lets_the_model_go_on(engines, config):
    hanging = OneFault(engines.tts, "synthesize", hang_s=8.0)
    resp = responder(engines, hanging, tts_s=2.5)  # a real synthesis on a busy machine stays well within
    prompt = config.settings.llm.system_prompt

    async def two_answers():
        with pytest.raises(TtsError):
            await answer(resp, "Tell me about the moon.", prompt)
        return await asyncio.wait_for(answer(resp, "Tell me about the sun.", prompt), 30)

    reply = asyncio.run(two_answers())
    resp.close()
    assert hanging.faults == 1 and reply.pieces and not resp.cpu.held


@pytest.mark.slow
def test_the_first_piece_is_spoken_from_audio_made_before_the_answer_was_confirmed(engines, config):
    timed = TimedTts(engines.tts)
    resp = responder(engines, timed)
    messages = chat_messages(config.settings.llm.system_prompt, [], "Tell me about the Eiffel Tower in Paris.")

    async def speculate_then_confirm():
        gen = resp.start(messages, speculate=True)
        await gen.warm
        [(first, audio)] = gen.ready.items()
        await audio  # the question's end is confirmed only now
        confirmed, reply = time.monotonic(), SpokenReply()
        await resp.answer(gen, reply)
        return first, confirmed, reply

    first, confirmed, reply = asyncio.run(speculate_then_confirm())
    resp.close()
    assert timed.spans[0][1] <= confirmed and reply.pieces[0][0] == first
    assert len(timed.spans) == len(reply.pieces), "the first piece is not synthesized twice"
    assert reply.text.startswith(first) and len(reply.token_times) > 2


@pytest.mark.slow
def test_a_speculated_answer_that_is_dropped_leaves_nothing_behind(engines, config):
    resp = responder(engines, TimedTts(engines.tts))
    messages = chat_messages(config.settings.llm.system_prompt, [], "Tell me about the moon.")
    unhandled = []

    async def speculate_then_drop():
        asyncio.get_running_loop().set_exception_handler(lambda _loop, context: unhandled.append(context))
        gen = resp.start(messages, speculate=True)
        await gen.warm
        await resp.stop(gen)  # the user went on speaking
        await asyncio.gather(*gen.ready.values(), return_exceptions=True)
        await asyncio.wait([gen.producer], timeout=30)  # the model thread is not left paused
        return gen

    gen = asyncio.run(speculate_then_drop())
    resp.close()
    assert gen.producer.done() and all(t.cancelled() for t in gen.ready.values())
    assert not resp.cpu.held and unhandled == []


@pytest.mark.slow
def test_the_model_thread_wakes_the_loop_once_per_piece_not_once_per_token(engines, config):
    resp = responder(engines, TimedTts(engines.tts))
    wakes = []

    async def counted_answer():
        loop = asyncio.get_running_loop()
        real = loop.call_soon_threadsafe

        def counting(*args):
            if threading.current_thread().name.startswith("llama"):
                wakes.append(args)
            return real(*args)

        loop.call_soon_threadsafe = counting
        return await answer(resp, "Tell me about the Eiffel Tower in Paris.", config.settings.llm.system_prompt)

    reply = asyncio.run(counted_answer())
    resp.close()
    # One wake per completed piece, one for the rest and one for the end; every token still counted.
    assert len(wakes) <= len(reply.pieces) + 2 < len(reply.token_times), (len(wakes), reply.text)
    assert " ".join(p for p, _ in reply.pieces) == " ".join(reply.text.split())
