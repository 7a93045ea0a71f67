"""`assistant bench stop`: how often a stop phrase said over a reply interrupts it, and how
often other short words do, in the simulated room at the rig's level (the user 6 dB above
the echo: assistant/audio/room.py).

Voices are piper (joe at three paces) and espeak-ng (accents and variants); the phrases
were tuned on the first two voices (``TUNING``) and the rest are held out. Each phrase is
said 2.5 s into a long reply; a reply nothing interrupted is cut short.

    assistant bench stop [--quick] [--json]
"""

from __future__ import annotations

import json
import statistics
import tempfile
from pathlib import Path

from assistant.audio.room import USER_DBFS
from assistant.config.loader import Config
from assistant.models.loading import load_engines
from assistant_tools.bench_room import interrupt, room_config, run_in_room
from assistant_tools.speech import at_level, espeak_clip, piper_clip

TUNING = ("piper:1.3", "en-us:150")
"""Voices the spotter's scoring threshold was chosen on: piper joe at length 1.3, espeak-ng en-us at 150 wpm."""
HELD_OUT = ("piper:1.0", "piper:1.15", "en-gb:140", "en-us+Andrea:170", "en-gb-scotland:130",
            "en-029:150", "en-us+Alex:140", "en-gb-x-rp:170")
"""Voices never looked at while tuning (the last four not even while choosing what to score)."""
COMMANDS = ("Stop.", "Stop!", "Cancel.", "Be quiet.", "Stop it.")
SOUNDALIKES = ("Start.", "Top.", "Shop.")
"""Words that sound like a command: an interruption by them is forgivable."""
OTHERS = ("Yes.", "Okay.", "What?", "Thanks.", "Go on.", "Hmm.", "Wow.", "Sorry?", "Please.")
"""Short words that must not interrupt a reply."""


def voice_clip(engines, text: str, voice: str):
    """``text`` in ``voice`` (piper:LENGTH or an espeak-ng voice:WPM) at the rig's user level."""
    name, pace = voice.split(":")
    if name == "piper":
        clip = piper_clip(engines.tts, text, length_scale=float(pace))
    else:
        clip = espeak_clip(text, voice=name, speed=int(pace))
    return at_level(clip, USER_DBFS)


async def said_over_replies(driver, engines, items) -> list[dict]:
    """Say each (text, voice) over its own long reply; what interrupted it, if anything."""
    said = [(voice_clip(engines, text, voice), 0) for text, voice in items]
    found = await interrupt(driver, said, first=0, cut_short=True)  # the next phrase needs a reply of its own
    return [{"text": text, "voice": voice, "phrase": barge.data["phrase"] if barge else None,
             "heard_s": barge.data["heard_s"] if barge else None}
            for (text, voice), (barge, _) in zip(items, found)]


def tally(found: list[dict], texts, voices) -> dict:
    """Interruptions among the rows of these texts and voices."""
    rows = [r for r in found if r["text"] in texts and r["voice"] in voices]
    hits = [r for r in rows if r["phrase"] is not None]
    return {"interrupted": len(hits), "of": len(rows),
            "heard_as": sorted({f"{r['text']} -> {r['phrase']}" for r in hits})}


def run_stop_bench(config: Config, engines, workdir, quick: bool) -> dict:
    """Every phrase in every voice (--quick: the first tuning voice, three commands, three others)."""
    voices = TUNING[:1] if quick else TUNING + HELD_OUT
    texts = (COMMANDS[:3] + OTHERS[:3]) if quick else COMMANDS + SOUNDALIKES + OTHERS
    items = [(t, v) for v in voices for t in texts]
    _, found = run_in_room(room_config(config, echo=True), engines, workdir,
                           lambda driver: said_over_replies(driver, engines, items))
    heard = [r["heard_s"] for r in found if r["text"] in COMMANDS and r["heard_s"] is not None]
    groups = {"tuning": TUNING, "held-out": HELD_OUT}
    return {
        "commands": {g: tally(found, COMMANDS, v) for g, v in groups.items()},
        "soundalikes": {g: tally(found, SOUNDALIKES, v) for g, v in groups.items()},
        "others": {g: tally(found, OTHERS, v) for g, v in groups.items()},
        "heard_s_median": round(statistics.median(heard), 3) if heard else None,
        "rows": found,
    }


def print_stop_table(result: dict, out) -> None:
    out.write("Said over a reply at the rig's level (user -29 dBFS, echo about -35 dBFS):\n")
    out.write(f"{'':34s} {'tuning voices':>14s} {'held-out voices':>16s}\n")
    rows = (("commands", "stop phrases that interrupted"), ("soundalikes", "start/top/shop that interrupted"),
            ("others", "other short words that interrupted"))
    for key, label in rows:
        cells = [f"{result[key][g]['interrupted']}/{result[key][g]['of']}" for g in ("tuning", "held-out")]
        out.write(f"{label:34s} {cells[0]:>14s} {cells[1]:>16s}\n")
    out.write(f"audio after the phrase before the decision, median: {result['heard_s_median']} s\n")
    for key in ("soundalikes", "others"):  # what a command was heard as is the command itself
        for g in ("tuning", "held-out"):
            if result[key][g]["heard_as"]:
                out.write(f"  {key}, {g}: {', '.join(result[key][g]['heard_as'])}\n")


def cmd_bench_stop(config: Config, quick: bool, as_json: bool, out) -> int:
    """Entry point of `assistant bench stop`."""
    config = room_config(config, echo=True)  # piper's variation off: the same voices every run
    with tempfile.TemporaryDirectory(prefix="bench-stop-") as tmp:
        result = run_stop_bench(config, load_engines(config), Path(tmp), quick)
    if as_json:
        out.write(json.dumps(result) + "\n")
    else:
        print_stop_table(result, out)
    return 0
