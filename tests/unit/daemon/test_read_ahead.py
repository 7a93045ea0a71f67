"""Reading ahead: the model reads the start of a long question while it is still spoken."""

from __future__ import annotations

from assistant.daemon.read_ahead import stable_start


def test_the_last_word_heard_so_far_is_not_trusted():
    assert stable_start("What is the capital of") == "What is the capital"
    assert stable_start("Tell me") == ""  # one stable word is not worth a pass of the model
    assert stable_start("") == ""
