"""The daemon core with a server's model (fakes): its answers spoken, a fallback reported once
as an event, the same history handed to whichever model answers."""

from __future__ import annotations

import asyncio

from support.fake_rig import start_rig

from assistant.llm.fake import FakeLanguageModel
from assistant.llm.fallback import FallbackLlm
from assistant.llm.openai import RemoteError

DOWN = RemoteError("unreachable", "llm.url http://10.0.0.9:8080/v1: cannot connect; is the server running?")


def server(reply: str = "Remote answer.", fail=None) -> FakeLanguageModel:
    remote = FakeLanguageModel(reply, fail=fail)
    remote.shares_cpu = False  # piper takes no turns with a model on another machine
    return remote


async def turns(llm, n: int, settings: dict | None = None):
    rig = await start_rig(settings, llm=llm)
    for _ in range(n):
        await rig.ask()
        done = await rig.until("turn_done", after=len(rig.events))
        await rig.until("idle", after=rig.events.index(done))
    await rig.stop()
    return rig


def test_a_server_answer_is_spoken_like_a_local_one():
    rig = asyncio.run(turns(server(), 1))
    assert rig.of("turn_done")[0].data["spoken"] == "Remote answer." and "llm_fallback" not in rig.types()


def test_a_server_that_is_down_is_reported_once_and_the_local_model_has_the_whole_history():
    remote, local = server(fail=DOWN), FakeLanguageModel("Local answer.")
    both = FallbackLlm(remote, local)
    rig = asyncio.run(turns(both, 2, {"conversation": {"followup_window_s": 0, "keep_history_s": 300}}))
    assert [e.data["spoken"] for e in rig.of("turn_done")] == ["Local answer."] * 2
    [fallback] = rig.of("llm_fallback")
    assert fallback.data == {"reason": "unreachable", "message": str(DOWN)}
    assert rig.types().index("llm_fallback") < rig.types().index("turn_done")
    assert [m["content"] for m in local.prompts[-1][1:3]] == ["what is the capital of france?", "Local answer."]


def test_a_fallback_at_warm_up_is_reported_when_the_daemon_starts():
    both = FallbackLlm(server(fail=DOWN), FakeLanguageModel("Local answer."))
    both.reply([{"role": "user", "content": "Hello"}], max_tokens=1)  # build_daemon's warm-up

    async def main():
        rig = await start_rig(llm=both)
        await rig.until("llm_fallback")
        await rig.stop()
        return rig

    rig = asyncio.run(main())
    assert rig.types().count("llm_fallback") == 1
