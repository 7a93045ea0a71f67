"""Local intents: many phrasings (whisper-style capitals and punctuation), numbers, negatives."""

from __future__ import annotations

from datetime import datetime

import pytest

from assistant.config.settings import IntentSettings
from assistant.dialog.intents import INTENTS, match_intent, normalise, timer_phrase
from assistant.dialog.spoken_numbers import duration_words, parse_duration, parse_number

SETTINGS = IntentSettings(volume_step=0.2)
SATURDAY_AFTERNOON = datetime(2026, 11, 21, 15, 5, 42)


def match(text, now=SATURDAY_AFTERNOON, **kw):
    return match_intent(text, SETTINGS, now=lambda: now, **kw)


@pytest.mark.parametrize("text", [
    "Stop.", "stop", "STOP!", "Stop, stop.", "Cancel.", "Never mind.", "Nevermind", "Be quiet.",
    "Okay, stop talking.", "Please stop.", "That's enough.", "Shut up!", "Forget it.", "Stop it please.",
])
def test_stop(text):
    result = match(text)
    assert (result.name, result.action, result.reply) == ("stop", "stop", "")


@pytest.mark.parametrize("text", [
    "What time is it?", "what time is it", "WHAT TIME IS IT?", "What's the time?", "What’s the time?",
    "What is the time?", "Tell me the time.", "Can you tell me what time it is?",
    "Do you know what time it is?", "Hey, what time is it now?", "What time is it, please?",
    "Time?",
])
def test_time(text):
    result = match(text)
    assert (result.name, result.reply, result.action) == ("time", "It's 3:05 PM.", None)


@pytest.mark.parametrize("now, said", [
    (datetime(2026, 1, 1, 0, 0), "It's 12:00 AM."),
    (datetime(2026, 1, 1, 9, 7), "It's 9:07 AM."),
    (datetime(2026, 1, 1, 12, 30), "It's 12:30 PM."),
    (datetime(2026, 1, 1, 23, 59), "It's 11:59 PM."),
])
def test_time_formatting(now, said):
    assert match("what time is it", now=now).reply == said


@pytest.mark.parametrize("text", [
    "What's the date?", "What is the date today?", "What day is it?", "What day is it today?",
    "What's today's date?", "Today's date?", "Tell me the date.", "What date is it?",
])
def test_date(text):
    result = match(text)
    assert (result.name, result.reply) == ("date", "Today is Saturday, November 21.")


@pytest.mark.parametrize("text, name, delta", [
    ("Volume up.", "volume_up", 0.2), ("Louder!", "volume_up", 0.2), ("Louder, please.", "volume_up", 0.2),
    ("Turn it up.", "volume_up", 0.2), ("Turn up the volume.", "volume_up", 0.2),
    ("Increase the volume.", "volume_up", 0.2), ("Can you speak louder?", "volume_up", 0.2),
    ("A bit louder.", "volume_up", 0.2),
    ("Volume down.", "volume_down", -0.2), ("Quieter.", "volume_down", -0.2),
    ("Turn it down a bit.", "volume_down", -0.2), ("Lower the volume.", "volume_down", -0.2),
    ("Softer please.", "volume_down", -0.2), ("Turn the volume down.", "volume_down", -0.2),
])
def test_volume(text, name, delta):
    result = match(text)
    assert (result.name, result.action, result.value) == (name, "volume", pytest.approx(delta))


@pytest.mark.parametrize("text, seconds, reply", [
    ("Set a timer for 5 minutes.", 300, "Timer set for 5 minutes."),
    ("Set a timer for five minutes.", 300, "Timer set for 5 minutes."),
    ("set a timer for one minute", 60, "Timer set for 1 minute."),
    ("Set a timer for twenty five minutes.", 1500, "Timer set for 25 minutes."),
    ("Set a timer for twenty-five minutes.", 1500, "Timer set for 25 minutes."),
    ("Set a timer for ninety seconds.", 90, "Timer set for 90 seconds."),
    ("Set a timer for one and a half minutes.", 90, "Timer set for 90 seconds."),
    ("Set a timer for a minute and a half.", 90, "Timer set for 90 seconds."),
    ("Set a timer for 1.5 minutes.", 90, "Timer set for 90 seconds."),
    ("Set a timer for half an hour.", 1800, "Timer set for 30 minutes."),
    ("Set a timer for an hour and a half.", 5400, "Timer set for 1 hour and 30 minutes."),
    ("Set a timer for 2 hours.", 7200, "Timer set for 2 hours."),
    ("Set a timer for 1 hour and 30 minutes.", 5400, "Timer set for 1 hour and 30 minutes."),
    ("Set a timer for two minutes and thirty seconds.", 150, "Timer set for 2 minutes and 30 seconds."),
    ("Set a timer for a hundred and twenty seconds.", 120, "Timer set for 2 minutes."),
    ("Set a 10-minute timer.", 600, "Timer set for 10 minutes."),
    ("Start a ten minute timer, please.", 600, "Timer set for 10 minutes."),
    ("Five minute timer.", 300, "Timer set for 5 minutes."),
    ("Timer for 3 minutes.", 180, "Timer set for 3 minutes."),
    ("Can you set a timer for 45 seconds?", 45, "Timer set for 45 seconds."),
    ("Okay, set a timer for 30 secs.", 30, "Timer set for 30 seconds."),
    ("Set a timer for 1,000 seconds.", 1000, "Timer set for 16 minutes and 40 seconds."),
])
def test_timer(text, seconds, reply):
    result = match(text)
    assert (result.name, result.action, result.value, result.reply) == ("timer", "timer", seconds, reply)


@pytest.mark.parametrize("text", ["Set a timer.", "Start a timer"])
def test_timer_without_a_length_asks_for_one(text):
    result = match(text)
    assert result.name == "timer_help" and result.action is None and "how long" in result.reply.lower()


@pytest.mark.parametrize("text, reply", [
    ("Set a timer for zero seconds.", "A timer needs at least one second."),
    ("Set a timer for 30 hours.", "Timers can be at most 24 hours long."),
])
def test_timer_limits(text, reply):
    result = match(text)
    assert (result.action, result.reply) == (None, reply)


@pytest.mark.parametrize("text", [
    "Cancel the timer.", "cancel timer", "Stop the timer!", "Cancel my timer.", "Delete the timer.",
    "Cancel all timers.", "Turn off the timer.",
])
def test_cancel_timer(text):
    result = match(text)
    assert (result.name, result.action) == ("cancel_timer", "cancel_timer")


@pytest.mark.parametrize("text", [
    # Questions that merely contain the words go to the LLM.
    "What time is it in Tokyo?",            # another time zone: documented as the LLM's
    "Tell me a story about a timer.",
    "What is a kitchen timer?",
    "How do I set a timer on my phone?",
    "Set a timer for my eggs.",
    "Don't stop.",
    "Stop the music and tell me a joke.",
    "What's the time complexity of quicksort?",
    "Why is the volume of a sphere four thirds pi r cubed?",
    "What day is it in Sydney?",
    "I can't stop thinking about time.",
    "Louder music is bad for your ears, isn't it?",
    "Thank you.",
    "",
    "   ...   ",
])
def test_not_an_intent(text):
    assert match(text) is None


def test_disabled_intents_never_match():
    assert match_intent("stop", IntentSettings(enabled=False)) is None


def test_wake_phrase_left_in_the_transcript_can_be_stripped():
    assert match("Hey computer, what time is it?", strip=["hey computer"]).name == "time"
    assert match("Hey computer.", strip=["hey computer"]) is None
    assert match("Hey computer, what time is it?") is None


def test_normalise():
    assert normalise("  Okay, what's the TIME?! ") == "what is the time"
    assert normalise("Set a 1.5-minute timer.") == "set a 1.5 minute timer"


@pytest.mark.parametrize("seconds, phrase", [
    (300, "Your 5 minute timer is done."), (60, "Your 1 minute timer is done."),
    (90, "Your 90 second timer is done."), (5400, "Your 1 hour 30 minute timer is done."),
    (3600, "Your 1 hour timer is done."), (150, "Your 2 minute 30 second timer is done."),
])
def test_timer_phrase(seconds, phrase):
    assert timer_phrase(seconds) == phrase


@pytest.mark.parametrize("words, value", [
    ("zero", 0), ("seven", 7), ("nineteen", 19), ("ninety", 90), ("twenty five", 25),
    ("a hundred", 100), ("one hundred and five", 105), ("two hundred thirty", 230), ("42", 42),
    ("2.5", 2.5), ("an", 1),
])
def test_parse_number(words, value):
    assert parse_number(words.split()) == (value, len(words.split()))


@pytest.mark.parametrize("text", ["", "minutes", "five", "five apples", "and five minutes", "half a banana"])
def test_parse_duration_rejects(text):
    assert parse_duration(text) is None


def test_duration_words():
    assert [duration_words(s) for s in (1, 45, 60, 61, 119, 120, 3600, 3661)] == [
        "1 second", "45 seconds", "1 minute", "61 seconds", "119 seconds", "2 minutes", "1 hour",
        "1 hour and 1 minute and 1 second"]


def test_table_is_data():
    # Extending means adding a row: every row has a name, a compiled pattern and a handler.
    assert all(i.name and i.pattern.pattern and callable(i.handler) for i in INTENTS)
