"""Calibration targets (校准目标): published figures a scenario should reproduce.

A target file (``calibration/targets.yaml``) lists, per figure: the scenario it belongs
to, the model quantity it maps to (a dotted path into ``summary.json``), the published
value, a tolerance that reflects how rough a press figure is, its source, and whether it
is *held out* of fitting (out-of-sample validation). :func:`replicate` runs a scenario's
replications (seeds ``seed, seed+1, …``, in parallel processes) and :func:`check` says,
per target, whether the simulated mean lies within tolerance of the published value.
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Annotated

import numpy as np
from pydantic import Field, ValidationError, model_validator

from sim.scenario.loading import ScenarioError, _format_error, apply_overrides, read_raw, scenario_from_dict
from sim.scenario.schema import Strict


class Target(Strict):
    """One published figure and the model quantity it is compared with."""

    name: str
    scenario: str  # scenario name (the ``name:`` of the scenario file)
    quantity: str  # dotted path into summary.json, e.g. closure_rate or resolved_at_level.grid
    value: float
    tolerance: Annotated[float, Field(gt=0)]  # |simulated mean - value| <= tolerance passes
    source: str  # seed file and passage
    holdout: bool = False  # kept out of fitting: out-of-sample validation
    days: Annotated[int, Field(ge=1)] | None = None  # the period the figure covers, if not a year
    note: str = ""


class TargetFile(Strict):
    """A targets file: published figures, each name once."""

    targets: list[Target]

    @model_validator(mode="after")
    def _unique(self):
        names = [t.name for t in self.targets]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"targets: duplicate names {dup}")
        return self


def load_targets(path: str | Path) -> list[Target]:
    """Read and validate a target file; errors name the file and the field."""
    raw = read_raw(path)
    try:
        return TargetFile.model_validate(raw).targets
    except ValidationError as err:
        raise ScenarioError(_format_error(str(path), err)) from None


def for_scenario(targets: list[Target], name: str, path: str | Path) -> list[Target]:
    """The targets of one scenario (by its name); an error if it has none."""
    mine = [t for t in targets if t.scenario == name]
    if not mine:
        known = sorted({t.scenario for t in targets})
        raise ScenarioError(f"{path}: no targets for scenario {name!r} (targets exist for {known})")
    return mine


def quantity(summary: dict, path: str) -> float:
    """The number at a dotted path of a run summary (NaN where undefined, e.g. no feedback
    yet); KeyError if the path leads nowhere or to a section."""
    node = summary
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            raise KeyError(path)
        node = node[part]
    if isinstance(node, (dict, list, str)):
        raise KeyError(path)
    return float("nan") if node is None else float(node)


def check_quantities(targets: list[Target], summary: dict, source: str) -> None:
    """Every target's quantity must exist in a run summary: a one-line error otherwise."""
    for t in targets:
        try:
            quantity(summary, t.quantity)
        except KeyError:
            scalar = sorted(k for k, v in summary.items() if isinstance(v, (int, float)))
            raise ScenarioError(
                f"{source}: targets.{t.name}.quantity: {t.quantity!r} is not a number in "
                f"summary.json (numbers there: {', '.join(scalar)}; or a dotted path "
                "into resolved_at_level, resolved_by_role, …)"
            ) from None


# ------------------------------------------------------------------ simulation


def simulate(raw: dict, source: str, overrides: list[str], seed: int, days: int | None) -> dict:
    """One run of a raw scenario with overrides: its summary (no transition log, no files)."""
    from sim.output.runner import run_scenario, summary_of

    raw = apply_overrides(raw, overrides, source) if overrides else raw
    config = scenario_from_dict(raw, source)
    model = run_scenario(config, seed=seed, days=days, transitions=False)
    return summary_of(model)


def _one(job: tuple) -> dict:
    return simulate(*job)


def replicate(
    path: str | Path, reps: int, days: list[int | None], overrides: list[str] | None = None, workers: int | None = None
) -> dict[int | None, list[dict]]:
    """Summaries of ``reps`` replications (seeds seed..seed+reps-1) for each run length in
    ``days`` (None: the scenario's), run in parallel processes."""
    raw = read_raw(path)
    config = scenario_from_dict(apply_overrides(raw, overrides or [], str(path)), str(path))
    jobs = [(raw, str(path), list(overrides or []), config.seed + r, d) for d in days for r in range(reps)]
    workers = max(1, min(workers or os.cpu_count() or 1, len(jobs)))
    if workers == 1:
        results = [_one(j) for j in jobs]
    else:
        with ProcessPoolExecutor(workers) as pool:
            results = list(pool.map(_one, jobs))
    out: dict = {d: [] for d in days}
    for job, res in zip(jobs, results, strict=True):
        out[job[4]].append(res)
    return out


def interval(x: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and its t-interval over the replications that have the quantity (a single
    replication: an interval of zero width)."""
    from sim.studies.comparison import t_interval

    return t_interval(x, level)


def check(targets: list[Target], runs: dict[int | None, list[dict]]) -> list[dict]:
    """Per target: published value, simulated mean with 95 % interval, pass/fail."""
    rows = []
    for t in targets:
        x = np.array([quantity(s, t.quantity) for s in runs[t.days]])
        m, lo, hi = interval(x)
        rows.append(
            {
                "target": t.name,
                "quantity": t.quantity,
                "published": t.value,
                "mean": m,
                "lo": lo,
                "hi": hi,
                "tolerance": t.tolerance,
                "passed": abs(m - t.value) <= t.tolerance,
                "holdout": t.holdout,
                "reps": len(x),
                "source": t.source,
            }
        )
    return rows


def print_check(rows: list[dict], scenario: str, reps: int) -> None:
    """Print the check's table: fitted targets, then those held out for validation."""
    print(f"{scenario}: {reps} replications per target; pass = |mean − published| ≤ tolerance")
    for title, keep in (("fitted targets", False), ("held out (out-of-sample validation)", True)):
        part = [r for r in rows if r["holdout"] == keep]
        if not part:
            continue
        print(f"\n{title}")
        print(f"  {'target':<28}{'quantity':<26}{'published':>10}{'simulated mean [95% CI]':>30}{'tol':>8}  result")
        for r in part:
            ci = f"{r['mean']:.4g} [{r['lo']:.4g}, {r['hi']:.4g}]"
            print(
                f"  {r['target']:<28}{r['quantity']:<26}{r['published']:>10.4g}{ci:>30}{r['tolerance']:>8.3g}  "
                f"{'pass' if r['passed'] else 'FAIL'}"
            )
