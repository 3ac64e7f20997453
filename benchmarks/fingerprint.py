"""Fingerprint of a run: one hash over every table it produces, to show a speed-up changed nothing.

Hashes the incident log's columns, the transition log, the daily record, the scoring table
and the staff's hour totals of one run. Run it on the same scenario before and after a
performance change (``git stash`` / ``git worktree``): the hashes must be equal.
``--without-ids`` leaves out agent ids (resolver, actor, agent), for changes that only
renumber agents.
Usage: python benchmarks/fingerprint.py SCENARIO [--days N] [--set key=value ...] [--without-ids]
"""

from __future__ import annotations

import argparse
import hashlib

import numpy as np

from sim.core.incidents import COLUMNS
from sim.model import GridModel
from sim.scenario.loading import load_scenario

ID_COLUMNS = {"resolver", "tr_actor"}


def fingerprint(model: GridModel, ids: bool = True) -> str:
    """SHA-256 (first 16 hex digits) of everything a run records."""
    h = hashlib.sha256()
    log = model.log
    columns = {name: log.column(name) for name in COLUMNS}  # the per-incident columns
    columns.update({f"tr_{name}": col for name, col in log.transition_log.columns().items()})  # (as once held)
    for name in sorted(columns):
        if ids or name not in ID_COLUMNS:
            h.update(name.encode())
            h.update(bytes(columns[name]))
    h.update(model.datacollector.get_model_vars_dataframe().to_csv().encode())
    scores = model.scorer.table()
    h.update((scores if ids else scores.drop(columns="agent")).to_csv().encode())
    st = model.staff
    h.update(np.ascontiguousarray(st.totals[:, : st.n]).tobytes())
    return h.hexdigest()[:16]


def in_fresh_process(scenario: str, days: int, overrides: list[str], pure: bool) -> str:
    """The fingerprint of a run in a fresh interpreter, compiled or (``pure``) interpreted: which core
    runs is decided when its modules are first imported, so a test cannot switch it in-process."""
    import os
    import subprocess
    import sys

    cmd = [sys.executable, __file__, scenario, "--days", str(days)]
    for o in overrides:
        cmd += ["--set", o]
    env = dict(os.environ, GRIDSIM_PURE="1" if pure else "0")
    return subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout.split()[-1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("scenario")
    ap.add_argument("--days", type=int, default=None)
    ap.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    ap.add_argument("--without-ids", action="store_true")
    args = ap.parse_args()
    sc = load_scenario(args.scenario, args.overrides)
    model = GridModel(sc, transitions=True).run(args.days)
    print(
        f"{args.scenario} {' '.join(args.overrides)} days={args.days or sc.days} incidents={model.log.n} "
        f"{fingerprint(model, ids=not args.without_ids)}"
    )


if __name__ == "__main__":
    main()
