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
    return mser5_many([series])[0]


def detect(series, warmup_days: int | None = None) -> Warmup:
    """The warm-up of ``series`` (MSER-5, or ``warmup_days`` when given) and the Mann–Kendall
    trend test on the 5-day batch means after it."""
    return detect_many([series], warmup_days)[0]


def _observed(series) -> np.ndarray:
    x = np.asarray(series, dtype=float)
    return x[~np.isnan(x)]


def _batch_means(xs: list[np.ndarray], n: int) -> np.ndarray:
    """The ``n`` 5-day batch means of each of ``xs`` (each at least ``5 n`` long), one row each."""
    return np.stack([x[: n * BATCH] for x in xs]).reshape(len(xs), n, BATCH).mean(axis=2)


def _by_batches(xs: list[np.ndarray]) -> dict[int, list[int]]:
    """Positions in ``xs`` grouped by how many whole 5-day batches each has: a sweep's series are
    worked on a group at a time (the same numbers as one by one, row by row)."""
    groups: dict[int, list[int]] = {}
    for k, x in enumerate(xs):
        groups.setdefault(len(x) // BATCH, []).append(k)
    return groups


def mser5_many(series: list) -> list[tuple[int, bool]]:
    """:func:`mser5` of each of ``series``; those with equally many batches in one numpy pass
    per truncation point (a large sweep's report checks thousands)."""
    return _cuts([_observed(s) for s in series])


def _cuts(xs: list[np.ndarray]) -> list[tuple[int, bool]]:
    """:func:`mser5_many` of series with their missing days already dropped."""
    out: list[tuple[int, bool]] = [(0, False)] * len(xs)
    for n, rows in _by_batches(xs).items():
        if n < 4:
            continue
        means = _batch_means([xs[k] for k in rows], n)
        half = n // 2
        scores = np.stack([np.var(means[:, d:], axis=1) / (n - d) for d in range(half + 1)], axis=1)
        for k, d in zip(rows, np.argmin(scores, axis=1).tolist(), strict=True):
            out[k] = (d * BATCH, d < half)
    return out


def detect_many(series: list, warmup_days: int | None = None) -> list[Warmup]:
    """:func:`detect` of each of ``series``; the trend tests of series with equally many batch
    means after their warm-up in one call of SciPy's (vectorised) Kendall's tau."""
    xs = [_observed(s) for s in series]
    cuts = _cuts(xs) if warmup_days is None else [(int(warmup_days), True)] * len(xs)
    rests = [x[days:] for x, (days, _) in zip(xs, cuts, strict=True)]
    out = [Warmup(days, found, float("nan"), float("nan"), False) for days, found in cuts]
    for n, rows in _by_batches(rests).items():
        if n < 4:
            continue
        means = _batch_means([rests[k] for k in rows], n)
        flat = np.ptp(means, axis=1) == 0
        for k in np.asarray(rows)[flat].tolist():
            days, found = cuts[k]
            out[k] = Warmup(days, found, 0.0, 1.0, found)
        if flat.all():
            continue
        from scipy import stats  # here, not at import: a sweep worker needs only mser5 (numpy)

        varying = means[~flat]
        res = stats.kendalltau(np.broadcast_to(np.arange(n), varying.shape), varying, axis=1)
        taus, ps = np.atleast_1d(res.statistic).tolist(), np.atleast_1d(res.pvalue).tolist()
        for k, tau, p in zip(np.asarray(rows)[~flat].tolist(), taus, ps, strict=True):
            days, found = cuts[k]
            out[k] = Warmup(days, found, float(tau), float(p), bool(found and p >= ALPHA))
    return out


SERIES = ("backlog", "satisfaction", "vacant_posts")
"""Daily series checked in a sweep report: the queue, residents' trust and the vacant posts."""


def per_run(daily, warmup_days: int | None = None, series=SERIES):
    """One row per run and series: the warm-up, the trend test after it, and the series' mean
    over the whole run and after the warm-up (how a KPI read from it changes)."""
    import pandas as pd

    keys, xs = [], []
    for (policy, key), g in daily.sort_values("day").groupby(["policy", "key"], sort=False):
        for col in series:
            if col in g:
                keys.append((policy, key, col))
                xs.append(g[col].to_numpy(dtype=float))
    rows = [
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
        for (policy, key, col), x, w in zip(keys, xs, detect_many(xs, warmup_days), strict=True)
    ]
    return pd.DataFrame(rows)
