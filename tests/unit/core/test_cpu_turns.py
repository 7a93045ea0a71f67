"""Piper and llama.cpp take turns: the model waits between tokens while a piece is synthesized."""

from __future__ import annotations

import threading

import pytest

from assistant.core.cpu_turns import CpuTurns
from assistant.daemon.responder import SpokenReply


def waiter(turns: CpuTurns, cancel: threading.Event) -> tuple[threading.Thread, list]:
    waited: list[float] = []
    def compute_one_token():
        with turns.computing(cancel) as seconds:
            waited.append(seconds)

    thread = threading.Thread(target=compute_one_token)
    thread.start()
    return thread, waited


def test_a_free_cpu_costs_the_model_nothing():
    turns = CpuTurns()
    with turns.computing(threading.Event()) as waited:
        assert waited == 0.0 and turns.wait_parked(0.05) > 0  # synthesis waits for this token
    assert turns.wait_parked() == 0.0 and not turns.held


def test_no_token_starts_once_a_synthesis_holds_the_cpu():
    turns, cancel = CpuTurns(), threading.Event()
    turns.hold()
    thread, waited = waiter(turns, cancel)
    assert turns.wait_parked() == 0.0  # the model is parked between tokens, not computing
    thread.join(0.2)
    assert thread.is_alive() and not waited
    turns.release()
    thread.join(5)
    assert waited and waited[0] > 0


def test_the_model_waits_until_every_hold_is_released():
    turns, cancel = CpuTurns(), threading.Event()
    turns.hold()
    turns.hold()
    thread, waited = waiter(turns, cancel)
    turns.release()
    thread.join(0.3)
    assert thread.is_alive(), "one synthesis still holds the CPU"
    turns.release()
    thread.join(5)
    assert not thread.is_alive() and waited[0] > 0


def test_cancel_ends_the_wait_and_extra_releases_do_not_unbalance_it():
    turns, cancel = CpuTurns(), threading.Event()
    turns.release()  # more releases than holds must not leave the CPU free while held
    turns.hold()
    thread, waited = waiter(turns, cancel)
    cancel.set()
    thread.join(5)
    assert not thread.is_alive() and waited
    thread, _ = waiter(turns, threading.Event())
    thread.join(0.3)
    assert thread.is_alive()
    turns.release()
    thread.join(5)


def test_token_speed_leaves_out_the_pauses_for_synthesis():
    reply = SpokenReply(token_times=[0.0, 1.0, 3.0, 4.0], token_pauses=[0.0, 0.0, 1.5, 1.5])
    assert reply.token_steps() == [1.0, 0.5, 1.0]
    assert reply.tokens_per_s() == pytest.approx(3 / 2.5) and reply.tokens_per_s(wall=True) == 0.75
