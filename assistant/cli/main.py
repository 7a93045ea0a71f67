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

    p = sub.add_parser("bench", help="measure time-to-first-audio and the stage costs")
    p.add_argument("--turns", type=positive_int, default=12,
                   help="spoken questions through the daemon (default 12: each of the six asked twice)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--llm", help="bench this LLM (catalog name or path) instead of llm.model")
    p.add_argument("--stt", help="bench this speech model instead of stt.model")
    p.add_argument("--voice", help="bench this voice instead of tts.voice")
    p.add_argument("--room-rounds", type=int, default=2, metavar="N",
                   help="echo cancellation in a simulated room: 6*N echoed replies and N barge-ins by voice "
                        "per command (default 2; 0 skips it)")
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
    if args.command == "bench":
        from assistant_tools.bench import cmd_bench
        return cmd_bench(config, args.turns, args.json, out, args.llm, args.stt, args.voice, args.room_rounds)
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
    quiet = not args.verbose and args.command != "run"
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
