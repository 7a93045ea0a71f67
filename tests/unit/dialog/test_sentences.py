"""The LLM stream is cut into speakable pieces as early as possible."""

from assistant.dialog.sentences import SentenceSplitter, split_text


def feed_words(text, **kw):
    splitter, emitted = SentenceSplitter(**kw), []
    for i, word in enumerate(text.split(" ")):
        emitted.append((i, splitter.feed(word + " ")))
    return emitted, splitter.flush()


def test_sentence_is_released_as_soon_as_it_ends():
    emitted, rest = feed_words("Paris is the capital of France. It is large")
    released = [(i, p) for i, pieces in emitted for p in pieces]
    # "France." is word 5; the following space completes it.
    assert released == [(5, "Paris is the capital of France.")]
    assert rest == ["It is large"]


def test_numbers_and_abbreviations_do_not_end_sentences():
    assert split_text("It costs 3.50 dollars today. Dr. Who is here now!") == [
        "It costs 3.50 dollars today.", "Dr. Who is here now!"]


def test_long_sentence_is_cut_at_a_comma():
    text = ("Paris is known for the Eiffel Tower, the Louvre museum, the river Seine, "
            "many cafes and restaurants, and wide old boulevards")
    pieces = split_text(text, max_chars=60)
    assert len(pieces) >= 2 and all(len(p) <= 80 for p in pieces)
    assert " ".join(pieces) == text


def test_punctuation_only_is_dropped():
    assert split_text("... !") == []
    assert split_text("") == []


def test_first_piece_is_cut_at_an_early_comma():
    emitted, _ = feed_words("Well, the capital of France, as most people know, is Paris and it is big")
    released = [p for _, pieces in emitted for p in pieces]
    assert released[0] == "Well, the capital of France,"


def test_first_piece_without_punctuation_is_cut_between_words():
    text = "The story of Romeo and Juliet by William Shakespeare is a tragedy"
    emitted, rest = feed_words(text)
    released = [(i, p) for i, pieces in emitted for p in pieces]
    # Released as soon as the text passes 24 characters, not at the end of the sentence,
    # and not after "and": "The story of Romeo and" would fall on "and".
    assert released[0] == (5, "The story of Romeo")
    assert " ".join([p for _, p in released] + rest) == text


def test_a_piece_cut_between_words_does_not_end_on_a_little_word():
    emitted, rest = feed_words("The capital of France is Paris and it is big", first_max_chars=24)
    pieces = [p for _, pieces in emitted for p in pieces] + rest
    assert pieces[0] == "The capital of France"
    assert not any(p.rsplit(None, 1)[-1] in {"of", "is", "and", "the"} for p in pieces)


def test_a_first_piece_with_no_gap_within_the_limit_is_cut_at_the_first_one_past_it():
    text = "Antidisestablishmentarianism remains a very long word indeed and so on"
    emitted, rest = feed_words(text, first_max_chars=24)
    released = [(i, p) for i, pieces in emitted for p in pieces]
    assert released[0] == (0, "Antidisestablishmentarianism")  # not held back to the end of the sentence
    assert " ".join([p for _, p in released] + rest) == text


def test_long_sentence_without_commas_is_cut_between_words():
    text = " ".join(["word"] * 60)
    pieces = split_text(text, max_chars=60)
    assert len(pieces) >= 4 and all(len(p) <= 60 for p in pieces)
    assert " ".join(pieces) == text
