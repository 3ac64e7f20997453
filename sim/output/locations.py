"""Where output goes: a sanitised default under ``runs/`` unless ``--out`` says otherwise, and
which folders a run may be written into (a run directory is replaced, other folders are not).

A scenario's or experiment's ``name`` only ever becomes one folder name under ``runs/``
(:func:`slug`): ``name: ../../x`` or ``/etc`` cannot send output elsewhere.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from sim.scenario.errors import ScenarioError

RUN_FILES = (
    "incidents.parquet",
    "daily.parquet",
    "workers.parquet",
    "scores.parquet",
    "grids.parquet",
    "transitions.parquet",
    "scenario.yaml",
    "summary.json",
)


def slug(name: str) -> str:
    """A name made safe as one folder name: no separators, no leading dot, at most 80
    characters (letters of any script kept), so a scenario's ``name`` never leaves ``runs/``."""
    text = re.sub(r"[^\w.-]+", "_", str(name)).strip("._-")[:80].strip("._-")
    return text or "unnamed"


def default_out(*parts: str) -> Path:
    """The default output folder ``runs/<part>/…``, each part reduced to a :func:`slug`."""
    return Path("runs", *(slug(p) for p in parts))


def is_run_dir(path: str | Path) -> bool:
    """Whether ``path`` is a run directory written by ``gridsim run`` (its summary names the
    scenario, seed and version, beside the resolved scenario)."""
    path = Path(path)
    try:
        summary = json.loads((path / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (
        isinstance(summary, dict)
        and {"scenario", "seed", "version"} <= set(summary)
        and (path / "scenario.yaml").is_file()
    )


def check_out(out: str | Path, force: bool = False) -> Path:
    """Refuse an ``--out`` that a run would damage: a file, or a folder holding something other
    than a run directory (unless ``force``: then the run's files are written into it)."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ScenarioError(f"--out {out}: exists and is not a directory")
    if out.is_dir() and not force and any(out.iterdir()) and not is_run_dir(out):
        raise ScenarioError(
            f"--out {out}: exists and is not a gridsim run directory (choose another, or --force to write into it)"
        )
    return out
