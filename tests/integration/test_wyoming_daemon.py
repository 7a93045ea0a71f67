"""The daemon with its speech-to-text, voice and wake word over Wyoming (`assistant serve` on
127.0.0.1): a whole spoken turn; and a server killed mid-turn ends that turn with one clear
error, and the next turn works once it is back."""

from __future__ import annotations

import asyncio

from support import WAKE, words
from support.daemon import make_config, silence, spoken
from support.wyoming import assistant_serve, loopback_uri, stop, wait_ready

from assistant.audio.format import read_wav
from assistant.models.loading import Engines, load_stt, load_tts
from assistant_tools.driver import DaemonDriver
from assistant_tools.speech import concat

SLOW_CORES = {"stt_s": 120, "tts_s": 120}
"""The cores are shared with other work: room for a slow answer (a lost server fails at once)."""
PATIENT = {"no_speech_timeout_s": 30}
"""On loaded cores the wake word may be reported seconds late: the question still comes."""
WAIT_S = 240


def remote_engines(config, llm) -> Engines:
    return Engines(config.settings, stt=load_stt(config), llm=llm, tts=load_tts(config))


async def ask(driver: DaemonDriver, tts, before=None) -> int:
    """Say the wake word; once the daemon listens (the cores may be slow), call ``before`` and
    ask the question. The index of the first event of the turn."""
    mark = driver.say(concat(silence(0.5), spoken(tts, WAKE), silence(0.5)))
    await driver.wait_for("listening", mark, timeout_s=WAIT_S)
    if before is not None:
        before()
    driver.say(concat(spoken(tts, "What is the capital of France?"), silence(1.0)))
    return mark


def test_a_whole_turn_over_wyoming(wyoming_server, llm, tts, whisper, tmp_path):
    uri = wyoming_server
    config = make_config(stt={"engine": "wyoming", "wyoming_uri": uri},
                         tts={"engine": "wyoming", "wyoming_uri": uri},
                         wake={"engine": "wyoming", "wyoming_uri": uri}, timeouts=SLOW_CORES, endpoint=PATIENT)
    driver = DaemonDriver(config, remote_engines(config, llm), tmp_path / "speaker.wav")

    async def main():
        await driver.start()
        mark = await ask(driver, tts)
        await driver.wait_for("turn_done", mark, timeout_s=WAIT_S)
        return await driver.stop()

    assert asyncio.run(main()) == 0
    events = {e.type: e for e in reversed(driver.events)}  # the first of each type
    assert "error" not in events, events["error"].data
    assert events["ready"].data["wake"] == "wyoming" and events["wake"].data["phrase"] == "hey mycroft"
    assert {"capital", "france"} <= words(events["transcript"].data["text"])
    reply = " ".join(e.data["text"] for e in driver.events if e.type == "reply")
    heard = words(whisper.transcribe(read_wav(tmp_path / "speaker.wav").samples))
    assert len(heard & words(reply)) >= min(3, len(words(reply))), (heard, reply)


def test_a_server_killed_mid_turn_gives_a_clean_error_and_the_next_turn_works(llm, tts, tmp_path):
    uri, log = loopback_uri(), tmp_path / "serve.log"
    server = assistant_serve(uri, log)
    wait_ready(uri, server, log)
    config = make_config(stt={"engine": "wyoming", "wyoming_uri": uri},
                         tts={"engine": "wyoming", "wyoming_uri": uri},
                         timeouts=SLOW_CORES, endpoint=PATIENT,  # the default wake word, on the Pi
                         conversation={"followup_window_s": 0})
    driver = DaemonDriver(config, remote_engines(config, llm), tmp_path / "speaker.wav")
    seen = {}

    def kill() -> None:  # the turn has begun: the daemon listens to the question
        server.kill()
        server.wait()

    async def main():
        nonlocal server
        await driver.start()
        mark = await ask(driver, tts, before=kill)
        _, seen["error"] = await driver.wait_for("error", mark, timeout_s=WAIT_S)
        _, seen["idle"] = await driver.wait_for("idle", mark + 1, timeout_s=WAIT_S)
        server = await asyncio.get_running_loop().run_in_executor(None, restart, uri, tmp_path)
        mark = await ask(driver, tts)
        await driver.wait_for("turn_done", mark, timeout_s=WAIT_S)
        seen["after"] = driver.events[mark:]
        return await driver.stop()

    try:
        assert asyncio.run(main()) == 0
    finally:
        stop(server)
    error = seen["error"].data
    assert error["stage"] == "SttError"
    assert error["message"] == (f"stt.wyoming_uri {uri}: cannot connect (Connection refused); "
                                "start the Wyoming server or correct stt.wyoming_uri")
    after = {e.type: e for e in reversed(seen["after"])}
    assert "error" not in after, after["error"].data
    assert {"capital", "france"} <= words(after["transcript"].data["text"])
    assert after["turn_done"].data["spoken"]  # the reply was spoken by the restarted server


def restart(uri: str, folder):
    log = folder / "serve-again.log"
    server = assistant_serve(uri, log)
    wait_ready(uri, server, log)
    return server
