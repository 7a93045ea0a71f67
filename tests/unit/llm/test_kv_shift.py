"""A conversation whose oldest turns are cut keeps the rest of llama.cpp's cache (real model)."""

from assistant.llm.kv_shift import MIN_REUSE, Shift, plan_shift


def test_the_plan_finds_where_the_new_prompt_goes_on_in_the_cache():
    system, cut, kept, new = [1, 2, 3], list(range(100, 130)), list(range(200, 240)), [7, 8]
    assert plan_shift(system + cut + kept, system + kept + new) == Shift(keep=3, cut=33, reuse=40)


def test_no_plan_when_the_prompt_only_extends_the_cache_or_too_little_matches():
    cached = list(range(50))
    assert plan_shift(cached, cached + [1, 2]) is None  # the plain prefix match does it
    short = list(range(100, 100 + MIN_REUSE - 1))
    assert plan_shift([1] + list(range(300, 340)) + short, [1] + short + [9]) is None
    assert plan_shift([1, 2], [3, 4]) is None


def test_the_longest_match_wins_when_a_question_was_asked_twice():
    a, b, c = list(range(100, 120)), list(range(300, 340)), list(range(500, 510))
    cached = [1, 2] + a + c + a + b
    plan = plan_shift(cached, [1] + a + b + [9])
    assert plan == Shift(keep=1, cut=32, reuse=len(a) + len(b))
