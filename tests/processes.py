"""Processes read from /proc, for the tests that check a command leaves none behind."""

from __future__ import annotations

import time
from pathlib import Path


def _stat(pid_dir: Path) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name (state, ppid, pgrp, …); None if gone."""
    try:
        return (pid_dir / "stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def group(pgid: int) -> list[int]:
    """Live (not zombie) processes of process group ``pgid``."""
    found = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit() and (fields := _stat(d)) is not None and int(fields[2]) == pgid and fields[0] != "Z":
            found.append(int(d.name))
    return found


def children(pid: int) -> list[int]:
    """Processes whose parent is ``pid``."""
    return [int(d.name) for d in Path("/proc").iterdir() if d.name.isdigit() and (f := _stat(d)) and int(f[1]) == pid]


def wait_for(predicate, seconds: float) -> bool:
    """Poll ``predicate`` until it holds or ``seconds`` pass; its last value."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()
