"""Config reload on SIGHUP, and the conversation history's token budget."""

from __future__ import annotations

from assistant.config.reload import changed_keys, needs_restart
from assistant.config.settings import Settings
from assistant.dialog.conversation import Conversation


def count_words(text: str) -> int:
    return len(text.split())


def test_history_is_trimmed_oldest_first_and_keeps_the_system_prompt():
    conv = Conversation("Be brief.", context=200, max_tokens=50, count_tokens=count_words, keep_s=300)
    for i in range(10):
        conv.add(f"question number {i} " + "word " * 10, f"answer {i} " + "word " * 10, now=float(i))
    messages = conv.messages("the new question", now=10.0)
    assert messages[0] == {"role": "system", "content": "Be brief."}
    assert messages[-1] == {"role": "user", "content": "the new question"}
    kept = [m["content"] for m in messages[1:-1]]
    assert kept and kept[-1].startswith("answer 9")  # the newest turns survive
    assert not any(c.startswith("question number 0") for c in kept)  # the oldest went first
    used = sum(count_words(m["content"]) + 8 for m in messages)
    assert used <= 200 - 50


def test_a_full_history_is_cut_to_half_its_budget_so_the_prompt_start_stays_put_for_turns():
    """Each prompt that starts like the previous one is only read from where it differs: a
    history trimmed by one turn on every question made the model read all of it each time."""
    conv = Conversation("Be brief.", context=400, max_tokens=50, count_tokens=count_words, keep_s=300)
    firsts = []
    for i in range(30):
        messages = conv.messages(f"question number {i} " + "word " * 10, now=float(i))
        firsts.append(messages[1]["content"] if len(messages) > 2 else None)
        conv.add(f"question number {i} " + "word " * 10, f"answer {i} " + "word " * 10, now=float(i))
        assert sum(count_words(m["content"]) + 8 for m in messages) <= 400 - 50
    changes = sum(1 for a, b in zip(firsts, firsts[1:]) if a is not None and a != b)
    assert 0 < changes <= 30 // 4, firsts  # cut now and then, not on every turn


def test_history_expires_for_a_new_wake_up_but_not_for_a_follow_up():
    conv = Conversation("", context=2048, max_tokens=64, count_tokens=count_words, keep_s=60)
    conv.add("my name is Alice", "Hello Alice.", now=0.0)
    assert len(conv.messages("what is my name", now=30.0)) == 3
    assert len(conv.messages("what is my name", now=100.0, followup=True)) == 3
    assert len(conv.messages("what is my name", now=200.0)) == 1


def test_changed_keys_and_what_needs_a_restart():
    import dataclasses

    old = Settings()
    new = dataclasses.replace(old, llm=dataclasses.replace(old.llm, temperature=0.9, context=4096))
    assert changed_keys(old, new) == ["llm.temperature", "llm.context"]
    assert not needs_restart("llm.temperature") and needs_restart("llm.context")
    assert needs_restart("audio.input_device") and not needs_restart("endpoint.silence_s")
