"""`assistant install-service [--prefix DIR] [--dry-run]`: install the hardened systemd unit.

Writes /etc/systemd/system/assistant.service (ExecStart = this venv's `assistant`,
MemoryMax = the memory estimate + 25 %), and assistant.service.d/network.conf only when a
network feature is configured (it opens exactly that; otherwise an old one is removed),
copies the config to /etc/assistant/config.yaml only if none is there, creates the
`assistant` system user, then `systemctl daemon-reload` and `enable`. With a prefix other
than / everything is written under it (a staging root or an SD-card image) and no user is
created and no systemctl runs.
"""

from __future__ import annotations

import grp
import os
import pwd
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from assistant.cli.network_dropin import DROPIN_PATH, network_dropin
from assistant.cli.service_unit import (
    InstallError,
    assistant_command,
    home_paths,
    memory_max_bytes,
    render_unit,
    service_config_text,
)
from assistant.config.loader import DEFAULT_CONFIG, Config
from assistant.core.errors import EX_OK, ModelError
from assistant.core.paths import PROJECT
from assistant.core.paths import SERVICE_TEMPLATE as TEMPLATE
from assistant.models.catalog import load_catalog
from assistant.models.memory import MemoryEstimate, estimate_memory
from assistant.models.selection import choose_llm, choose_stt, choose_tts, uses_local_llm

UNIT_PATH = Path("etc/systemd/system/assistant.service")
CONFIG_PATH = Path("etc/assistant/config.yaml")
STATE_DIR = "/var/lib/assistant"
USER = "assistant"
GROUPS = ("audio", "gpio")


@dataclass(frozen=True)
class ServicePlan:
    """Everything install-service will write and run."""

    unit_text: str
    """The rendered unit file."""
    config_text: str
    """The config as the service will read it (models.dir made absolute)."""
    memory_max: int
    """MemoryMax in bytes."""
    groups: tuple[str, ...]
    """Supplementary groups that exist on the target (audio, gpio)."""
    notes: tuple[str, ...]
    """Things the user should know (paths under /home, relative model paths)."""
    network_text: str | None = None
    """The network drop-in; None when the config uses no network."""


def service_estimate(config: Config) -> MemoryEstimate:
    """The memory estimate of what the service loads (a missing voice or speech model is left out)."""
    present = {}
    for part, choose in (("stt", choose_stt), ("tts", choose_tts)):
        try:
            choose(config)
            present[part] = True
        except ModelError:
            present[part] = False
    return estimate_memory(config, **present)


def existing_groups(prefix: Path) -> tuple[str, ...]:
    """Which of audio and gpio exist on the target system."""
    if prefix == Path("/"):
        return tuple(g for g in GROUPS if _host_group(g))
    group_file = prefix / "etc" / "group"
    if not group_file.is_file():
        return GROUPS  # a bare staging root: the target is assumed to be a Pi
    names = {line.split(":", 1)[0] for line in group_file.read_text().splitlines()}
    return tuple(g for g in GROUPS if g in names)


def _host_group(name: str) -> bool:
    try:
        grp.getgrnam(name)
        return True
    except KeyError:
        return False


def plan_service(config: Config, prefix: Path) -> ServicePlan:
    """Work out the unit and config text without touching the system."""
    try:
        template = TEMPLATE.read_text(encoding="utf-8")
    except OSError as exc:
        raise InstallError(f"{TEMPLATE}: cannot read the unit template ({exc.strerror}); "
                           f"install the project with `pip install -e .`") from None
    model = [choose_llm(config).path] if uses_local_llm(config) else []
    memory = memory_max_bytes(service_estimate(config))
    groups = existing_groups(prefix)
    source = config.path or DEFAULT_CONFIG
    project = PROJECT
    needed = [Path(sys.prefix), Path(sys.base_prefix), project, config.models_dir, *model]
    hidden = home_paths([p.resolve() for p in needed + _other_models(config)])
    unit = render_unit(template, f"{assistant_command()} --config /{CONFIG_PATH} run", memory, groups,
                       hidden, mlock=config.settings.llm.mlock)
    notes = [f"{', '.join(map(str, hidden))} under a home directory: the unit shows "
             f"{'it' if len(hidden) == 1 else 'them'} read-only (ProtectHome=tmpfs); "
             f"installing under /opt keeps homes fully hidden"] if hidden else []
    notes += _relative_model_notes(config)
    text = service_config_text(source.read_text(encoding="utf-8"), config.models_dir)
    return ServicePlan(unit, text, memory, groups, tuple(notes), network_dropin(config.settings))


def _other_models(config: Config) -> list[Path]:
    # A missing voice or speech model is `assistant check`'s business, not the installer's.
    found = []
    for choose in (choose_stt, choose_tts):
        try:
            choice = choose(config)
        except ModelError:
            continue
        if not choice.uri:  # a Wyoming server has no local file
            found.append(choice.path)
    return found


def _relative_model_notes(config: Config) -> list[str]:
    s, catalog = config.settings, load_catalog()
    refs = {"stt.model": s.stt.model, "stt.fallback_model": s.stt.fallback_model,
            "llm.model": s.llm.model, "tts.voice": s.tts.voice}
    return [f"{key}: {ref!r} is a relative path; the service runs in {STATE_DIR}, "
            f"so make it absolute in /{CONFIG_PATH}"
            for key, ref in refs.items()
            if ref not in catalog and not Path(ref).expanduser().is_absolute()]


def cmd_install_service(config: Config, prefix: str | Path | None, dry_run: bool, out: TextIO) -> int:
    """Install (or with dry_run, describe) the service; InstallError on failure."""
    root = Path(prefix or "/").resolve()
    system = root == Path("/")
    if system and not dry_run and os.geteuid() != 0:
        raise InstallError("install-service writes to /etc and creates a user: run it as root "
                           "(sudo), or pass --prefix DIR to write under DIR")
    plan = plan_service(config, root)
    unit_file, config_file = root / UNIT_PATH, root / CONFIG_PATH
    verb = "would write" if dry_run else "wrote"
    if not dry_run:
        _write(unit_file, plan.unit_text)
    out.write(f"{verb} {unit_file} (MemoryMax={plan.memory_max // 1024 ** 2}M)\n")
    _network_file(root / DROPIN_PATH, plan.network_text, dry_run, out)
    if config_file.exists():
        out.write(f"kept the existing {config_file}\n")
    else:
        if not dry_run:
            _write(config_file, plan.config_text)
        out.write(f"{verb} {config_file}\n")
    for note in plan.notes:
        out.write(f"note: {note}\n")
    commands = _system_commands(plan.groups)
    for command in commands:
        if system and not dry_run:
            _run(command, out)
        else:
            why = "dry run" if dry_run else f"prefix {root}"
            out.write(f"skipped ({why}): {' '.join(command)}\n")
    if dry_run:
        out.write(f"--- {unit_file}\n{plan.unit_text}")
        if plan.network_text:
            out.write(f"--- {root / DROPIN_PATH}\n{plan.network_text}")
    elif system:
        out.write("start it with: sudo systemctl start assistant; logs: journalctl -u assistant -f\n")
    return EX_OK


def _network_file(path: Path, text: str | None, dry_run: bool, out: TextIO) -> None:
    """Write the network drop-in, or remove an old one once the config no longer needs it."""
    if text is not None:
        if not dry_run:
            _write(path, text)
        out.write(f"{'would write' if dry_run else 'wrote'} {path} (network for the configured features)\n")
    elif path.exists():
        if not dry_run:
            try:
                path.unlink()
            except OSError as exc:
                raise InstallError(f"{path}: cannot remove it ({exc.strerror})") from None
        out.write(f"{'would remove' if dry_run else 'removed'} {path} (no network feature is configured)\n")


def _system_commands(groups: tuple[str, ...]) -> list[list[str]]:
    commands = [["systemctl", "daemon-reload"], ["systemctl", "enable", "assistant.service"]]
    if _user_exists(USER):
        return commands
    useradd = ["useradd", "--system", "--user-group", "--home-dir", STATE_DIR, "--no-create-home",
               "--shell", "/usr/sbin/nologin"]
    if groups:
        useradd += ["--groups", ",".join(groups)]
    return [useradd + [USER]] + commands


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def _run(command: list[str], out: TextIO) -> None:
    out.write(f"running: {' '.join(command)}\n")
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise InstallError(f"{command[0]}: cannot run it ({exc.strerror}); is this a systemd system?") from None
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise InstallError(f"`{' '.join(command)}` failed with status {done.returncode}"
                           f"{': ' + detail[-1] if detail else ''}")


def _write(path: Path, text: str) -> None:
    """Write a root-readable, world-readable file atomically (the service user reads it)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as exc:
        raise InstallError(f"{path}: cannot write it ({exc.strerror}); check the folder's permissions") from None


def add_parser(subparsers) -> None:
    """Add the install-service command to the CLI's subparsers."""
    p = subparsers.add_parser("install-service", help="install the systemd service (as root)")
    p.add_argument("--prefix", default="/", help="write under this root instead of / "
                   "(no user is created, systemctl is not run)")
    p.add_argument("--dry-run", action="store_true", help="show what would be written and run")
