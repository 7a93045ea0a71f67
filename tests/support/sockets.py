"""The sockets a process holds open, by the /proc table each appears in."""

from __future__ import annotations

import os
from pathlib import Path

INET_TABLES = {"tcp": 9, "tcp6": 9, "udp": 9, "udp6": 9, "udplite": 9, "udplite6": 9, "raw": 9, "raw6": 9}


OTHER_TABLES = {"unix": 6, "netlink": 9, "packet": 8}


def socket_inodes(pid: int) -> set[int]:
    """Inodes of the sockets process ``pid`` holds open."""
    inodes = set()
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return inodes
    for fd in fds:
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(int(target[len("socket:["):-1]))
    return inodes


def _read_tables(pid: int, inodes: set[int], found: dict[int, str]) -> None:
    for table, column in {**INET_TABLES, **OTHER_TABLES}.items():
        try:
            lines = Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) > column and fields[column].isdigit() and int(fields[column]) in inodes:
                found[int(fields[column])] = table


def socket_families(pid: int) -> dict[int, str]:
    """Each open socket of ``pid`` with its table (tcp, udp6, unix, ...), read in its own namespace.

    A socket closed between listing the fds and reading the tables is in no table; it is
    dropped when a second listing no longer holds it, so only a socket that stays open and
    stays in no table is reported as "unknown".
    """
    inodes = socket_inodes(pid)
    found = {inode: "unknown" for inode in inodes}
    for _ in range(3):
        unknown = {inode for inode, table in found.items() if table == "unknown"}
        if not unknown:
            break
        _read_tables(pid, unknown, found)
        still_open = socket_inodes(pid)
        found = {inode: table for inode, table in found.items() if inode in still_open}
    return found
