"""Barge-in by voice on the daemon core: stop phrases and the wake phrase over a reply, ducking,
and today's safe behaviour without echo cancellation."""

from __future__ import annotations

import asyncio

from support.fake_rig import WAKE, quiet, start_rig, tone

from assistant.audio.fake import FakeEchoCanceller, LoudnessModel
from assistant.audio.vad import VoiceActivity
from assistant.stt.fake import FakeSpeechToText
from assistant.wake.command import CommandSpotter

PHRASES = ("stop", "cancel", "be quiet", "hey computer")


def spotter_on(stt) -> CommandSpotter:
    return CommandSpotter(stt, PHRASES, vad=VoiceActivity(0.5, model=LoudnessModel()))


async def speaking_rig(settings=None, echo=True, command="stop"):
    """A rig whose reply is queued and not yet played; the recognizer hears ``command`` in short audio."""
    stt = FakeSpeechToText()
    rig = await start_rig(settings, stt=stt, autoplay=False, echo=FakeEchoCanceller() if echo else None,
                          spotter=spotter_on(stt))
    await rig.ask()
    await rig.until("speaking")
    rig.speaker.play_out(0.05)
    stt.script = lambda samples: command if len(samples) < 16000 and samples.any() else ""
    duck = rig.speaker.duck
    rig.ducked = []  # every change of the ducking, in dB

    def recorded(db: float) -> None:
        rig.ducked.append(db)
        duck(db)

    rig.speaker.duck = recorded
    return rig


async def play_to_the_end(rig) -> None:
    """Play the reply as the sound card would, until the turn is done."""
    while not rig.of("turn_done"):
        rig.speaker.play_out()
        await asyncio.sleep(0.01)


def test_stop_said_alone_over_a_reply_stops_it_and_goes_back_to_idle():
    async def main():
        rig = await speaking_rig()
        rig.mic.push(tone(0.3))
        rig.mic.push(quiet(0.4))
        await rig.until("barge_in")
        await rig.until("idle", after=len(rig.events) - 1)
        await rig.stop()
        return rig

    rig = asyncio.run(main())
    barge = rig.of("barge_in")[0].data
    assert barge["source"] == "voice" and barge["phrase"] == "stop" and barge["engine"] == "command"
    assert 0 <= barge["heard_s"] <= 0.3 and barge["latency_s"] >= barge["heard_s"] - 0.05
    assert rig.speaker.queued() == 0 and not rig.of("turn_done")
    assert [t for t in rig.types() if t in ("speaking", "idle", "listening")][-2:] == ["speaking", "idle"]
    assert rig.ducked == [12.0, 0.0]  # quieter while the user spoke over it, then back at full volume
    echo, = rig.of("echo")  # one report for the one reply, after it (the fake removes nothing)
    assert echo.data["erle_db"] == 0.0 and echo.data["processed_s"] > 0
    assert rig.events.index(echo) > rig.events.index(rig.of("speaking")[0])


def test_the_wake_phrase_said_alone_over_a_reply_stops_it_and_listens():
    async def main():
        rig = await speaking_rig(command="hey computer")
        rig.mic.push(tone(0.3))
        rig.mic.push(quiet(0.4))
        await rig.until("listening", after=rig.events.index(rig.of("speaking")[0]))
        await rig.stop()
        return rig

    rig = asyncio.run(main())
    assert rig.of("barge_in")[0].data["phrase"] == "hey computer"
    assert rig.of("wake")[-1].data["phrase"] == "hey computer"


def test_a_longer_sentence_over_a_reply_is_not_a_command():
    async def main():
        rig = await speaking_rig()
        rig.mic.push(tone(2.5))  # longer than a command said alone
        rig.mic.push(quiet(0.4))
        await play_to_the_end(rig)
        await rig.stop()
        return rig

    rig = asyncio.run(main())
    assert not rig.of("barge_in")


def test_without_echo_cancellation_nothing_listens_over_a_reply():
    async def main():
        rig = await speaking_rig(echo=False)
        rig.mic.push(tone(0.3))
        rig.mic.push(quiet(0.4))
        rig.mic.push(WAKE)
        rig.mic.push(quiet(0.1))
        await play_to_the_end(rig)
        await rig.stop()
        return rig

    rig = asyncio.run(main())
    during = rig.types()[rig.types().index("speaking"):rig.types().index("turn_done")]
    assert "barge_in" not in during and "wake" not in during and rig.ducked == []


def test_a_speakerphone_that_cancels_itself_gets_voice_barge_in_without_ducking():
    async def main():
        rig = await speaking_rig({"wake": {"during_speech": True}}, echo=False)
        rig.mic.push(tone(0.3))
        rig.mic.push(quiet(0.4))
        await rig.until("barge_in")
        await rig.stop()
        return rig

    rig = asyncio.run(main())
    assert rig.of("barge_in")[0].data["phrase"] == "stop" and rig.ducked == []


def test_the_speaker_hands_every_block_to_the_echo_canceller():
    async def main():
        echo = FakeEchoCanceller()
        rig = await start_rig(echo=echo)
        await rig.ask()
        await rig.until("turn_done")
        await rig.stop()
        return echo

    echo = asyncio.run(main())
    assert echo.reference_blocks > 0 and echo.restarts == 1
