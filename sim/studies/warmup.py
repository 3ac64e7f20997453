"""Warm-up and steady state (预热期与稳态) of a run's daily series.

Runs start empty, so the first weeks of a backlog series climb towards their level; averaging
over them biases a steady-state reading. The warm-up is detected with MSER-5 (White 1997,
"An effective truncation heuristic for bias reduction in simulation output", *Simulation*
69(6); recommended by Hoad, Robinson & Davies 2010, "Automating warm-up length estimation",
*JORS* 61(9)): the series is averaged in batches of 5 days and truncated where the standard
error of the remaining mean, ``var / (n − d)``, is smallest, searching the first half only
(a minimum at that limit means the series never settled). Whether the rest has settled is
tested with the Mann–Kendall trend test on the batch means after the warm-up (Kendall's tau
against time, scipy): a significant monotone trend flags the run as not in steady state.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

BATCH = 5  # days per batch (the "5" of MSER-5)
ALPHA = 0.01  # the trend test's significance level


@dataclass(frozen=True)
class Warmup:
    """A series' detected warm-up (days), whether its minimum fell in the first half, and the
    trend test after it (tau and p-value; ``settled`` when no significant trend)."""

    days: int
    found: bool
    tau: float
    p_value: float
    settled: bool


def mser5(series) -> tuple[int, bool]:
    """MSER-5 truncation point of ``series`` in days, searched in the first half, and whether it
    lies inside it (``False``: the minimum sits at the half-way limit, still falling — no end of
    a warm-up was found; the series drifts)."""
    x = np.asarray(series, dtype=float)
    x = x[~np.isnan(x)]
    n = len(x) // BATCH
    if n < 4:
        return 0, False
    means = x[: n * BATCH].reshape(n, BATCH).mean(axis=1)
    half = n // 2
    scores = np.array([np.var(means[d:]) / (n - d) for d in range(half + 1)])
    d = int(np.argmin(scores))
    return d * BATCH, d < half


def detect(series, warmup_days: int | None = None) -> Warmup:
    """The warm-up of ``series`` (MSER-5, or ``warmup_days`` when given) and the Mann–Kendall
    trend test on the 5-day batch means after it."""
    x = np.asarray(series, dtype=float)
    x = x[~np.isnan(x)]
    days, found = mser5(x) if warmup_days is None else (int(warmup_days), True)
    rest = x[days:]
    n = len(rest) // BATCH
    if n < 4:
        return Warmup(days, found, float("nan"), float("nan"), False)
    means = rest[: n * BATCH].reshape(n, BATCH).mean(axis=1)
    if np.ptp(means) == 0:
        return Warmup(days, found, 0.0, 1.0, found)
    from scipy import stats  # here, not at import: a sweep worker needs only mser5 (numpy)

    tau, p = stats.kendalltau(np.arange(n), means)
    return Warmup(days, found, float(tau), float(p), bool(found and p >= ALPHA))


SERIES = ("backlog", "satisfaction", "vacant_posts")
"""Daily series checked in a sweep report: the queue, residents' trust and the vacant posts."""


def per_run(daily, warmup_days: int | None = None, series=SERIES):
    """One row per run and series: the warm-up, the trend test after it, and the series' mean
    over the whole run and after the warm-up (how a KPI read from it changes)."""
    import pandas as pd

    rows = []
    for (policy, key), g in daily.sort_values("day").groupby(["policy", "key"], sort=False):
        for col in series:
            if col not in g:
                continue
            x = g[col].to_numpy(dtype=float)
            w = detect(x, warmup_days)
            rows.append(
                {
                    "policy": policy,
                    "key": key,
                    "series": col,
                    "warmup_days": w.days,
                    "found": w.found,
                    "tau": w.tau,
                    "p_value": w.p_value,
                    "settled": w.settled,
                    "mean_all": float(np.nanmean(x)),
                    "mean_after": float(np.nanmean(x[w.days :])) if w.days < len(x) else float("nan"),
                }
            )
    return pd.DataFrame(rows)
