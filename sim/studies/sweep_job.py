"""One run of a sweep (扫参), as a worker process executes it: simulate, then return its tables.

Kept apart from the driver so that a worker imports only what a run needs (the model and the
output tables), not the driver's comparison and reporting code: workers start sooner. Its own
imports are deferred, so the driver can start the workers before importing anything heavy.
"""

from __future__ import annotations

import time
import traceback

DAILY_COLUMNS = [
    "day",
    "reported",
    "accepted",
    "closed",
    "awaiting_acceptance",
    "backlog",
    "satisfied_share",
    "satisfaction",
    "worker_utilization",
    "overtime_hours",
    "vacant_posts",
    "at_work",
    "absent",
]
SCORE_COLUMNS = ["period", "agent", "kind", "community_type", "score", "true_value"]
PRELOAD = [
    "sim.studies.sweep_job",
    "sim.model",
    "sim.output.runner",
    "sim.output.steady",
    "sim.output.tables",
    "sim.studies.sweep_preload",  # last: freezes what the others made
]
"""Modules a worker needs for every run, imported once before the workers are forked."""


def flatten(summary: dict, prefix: str = "") -> dict[str, float]:
    """The numbers of a run summary as one flat row (nested keys joined by dots)."""
    out = {}
    for key, value in summary.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, f"{name}."))
        elif isinstance(value, bool):
            out[name] = float(value)
        elif isinstance(value, (int, float)) or value is None:
            out[name] = float("nan") if value is None else float(value)
    return out


def execute(job: tuple) -> dict:
    """Simulate one run; return its tables, or its error. Never raises: a failing run is a
    result too. Its summary's KPIs are read after its warm-up (:mod:`sim.output.steady`): the
    job's ``warmup_days`` when given, else detected by MSER-5 on the run's daily backlog."""
    import pandas as pd

    from sim.output.runner import run_scenario
    from sim.output.steady import steady_summary
    from sim.output.tables import daily_table, scores_table
    from sim.scenario.loading import apply_overrides, scenario_from_dict
    from sim.studies.warmup import mser5

    raw, source, overrides, seed, days, warmup_days = job
    t0 = time.perf_counter()
    try:
        config = scenario_from_dict(apply_overrides(raw, list(overrides), source), source)
        model = run_scenario(config, seed=seed, days=days, transitions=False)
        scores = scores_table(model)
        daily = daily_table(model)
        cut = mser5(daily["backlog"])[0] if warmup_days is None else warmup_days
        summary = flatten(steady_summary(model, cut, daily=daily, scores=scores))
        daily = daily[DAILY_COLUMNS]
        if len(scores) and "scored" in scores:
            scores = scores[scores["scored"]][SCORE_COLUMNS]
        else:
            scores = pd.DataFrame(columns=SCORE_COLUMNS)
        return {"summary": summary, "daily": daily, "scores": scores, "wall_s": time.perf_counter() - t0}
    except Exception as exc:  # noqa: BLE001 — recorded, not raised: one bad run must not stop a sweep
        return {
            "error": f"{exc.__class__.__name__}: {exc}",
            "traceback": traceback.format_exc(),
            "wall_s": time.perf_counter() - t0,
        }
