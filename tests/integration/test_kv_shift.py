"""A conversation whose oldest turns are cut keeps the rest of llama.cpp's cache (real model)."""

from assistant.dialog.conversation import Conversation, chat_messages

SYSTEM = "You are a helpful voice assistant. Answer in one short sentence."


TURNS = [
    ("What is the capital of France?", "The capital of France is Paris."),
    ("How many legs does a spider have?", "A spider has eight legs."),
    ("Who wrote Romeo and Juliet?", "William Shakespeare wrote Romeo and Juliet."),
    ("What colour is the sky on a clear day?", "The sky is blue on a clear day."),
    ("What is the boiling point of water?", "Water boils at one hundred degrees Celsius."),
    ("Name a fruit that is yellow.", "A banana is a yellow fruit."),
]


def _history(turns):
    return [m for q, a in turns for m in ({"role": "user", "content": q}, {"role": "assistant", "content": a})]


def _evaluated(llm, monkeypatch) -> list[int]:
    """Spy on the real llama.cpp calls: how many tokens each eval reads."""
    counts, real_eval = [], llm.llama.eval

    def counting_eval(tokens):
        counts.append(len(tokens))
        return real_eval(tokens)

    monkeypatch.setattr(llm.llama, "eval", counting_eval)
    return counts


def test_cutting_the_oldest_turns_reads_only_the_new_question_again(llm, monkeypatch):
    llm.reply(chat_messages(SYSTEM, _history(TURNS), "What is two plus two?"), max_tokens=8)
    counts = _evaluated(llm, monkeypatch)
    kept = TURNS[3:]
    messages = chat_messages(SYSTEM, _history(kept), "And three plus three?")
    reply = llm.reply(messages, max_tokens=8)
    kept_tokens = sum(llm.count_tokens(q) + llm.count_tokens(a) for q, a in kept)
    assert reply.strip()
    # Without the shift the prompt diverges right after the system prompt, and every
    # kept turn is read again (checked: 92 tokens here, against 11).
    assert counts and counts[0] < kept_tokens // 2, (counts, kept_tokens)


def test_the_conversation_cut_and_the_shift_work_together(llm, monkeypatch):
    """The daemon's own history trimming, on a context small enough to cut it."""
    conversation = Conversation(SYSTEM, context=500, max_tokens=64, count_tokens=llm.count_tokens, keep_s=300)
    questions = [f"What is {a} times {a + 3}?" for a in range(2, 20)]
    prompt_reads = []
    for i, question in enumerate(questions):
        counts = _evaluated(llm, monkeypatch)
        before = len(conversation.turns)
        answer = llm.reply(conversation.messages(question, now=i), max_tokens=16)
        conversation.add(question, answer or "I do not know.", now=i)
        monkeypatch.undo()
        if i and len(conversation.turns) <= before:  # this question's prompt was cut
            prompt_reads.append(counts[0])
    assert prompt_reads, "the history was never cut: lower the context"
    longest_question = max(llm.count_tokens(q) for q in questions)
    # Checked: 22 and 22 tokens read at the two cuts, against 158 and 124 without the shift.
    assert max(prompt_reads) < longest_question + 40, prompt_reads
