"""Paired comparison (配对比较) of policies run with common random numbers.

Replication ``r`` of sample ``s`` sees the same incidents under every policy, so the
difference policy − reference is taken run by run and its mean gets a t-interval: far
narrower than the difference of two independent means when the runs are correlated.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import special


def _relative(v: float, base: float) -> float:
    """``v`` as a share of the reference's magnitude; NaN where the reference mean is 0 or NaN."""
    return v / abs(base) if base else math.nan


def t_interval(x, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and its t-interval; one value (or none) gives an interval of zero width (NaN)."""
    x = np.asarray(x, dtype=float)
    x = x[~np.isnan(x)]
    if len(x) == 0:
        return math.nan, math.nan, math.nan
    m = float(x.mean())
    if len(x) < 2:
        return m, m, m
    # the t quantile, as scipy.stats.t.ppf computes it, without importing scipy.stats (~0.4 s)
    half = float(special.stdtrit(len(x) - 1, 0.5 + level / 2) * x.std(ddof=1) / math.sqrt(len(x)))
    return m, m - half, m + half


def policy_means(results: pd.DataFrame, kpis: list[str], policies: list[str]) -> pd.DataFrame:
    """Per policy and KPI: mean over runs with its 95 % interval (tidy rows)."""
    rows = []
    for p in policies:
        part = results[results["policy"] == p]
        for k in kpis:
            m, lo, hi = t_interval(part[k]) if k in part else (math.nan,) * 3
            rows.append(
                {
                    "policy": p,
                    "kpi": k,
                    "mean": m,
                    "lo": lo,
                    "hi": hi,
                    "runs": int(part[k].notna().sum()) if k in part else 0,
                }
            )
    return pd.DataFrame(rows)


def paired_differences(results: pd.DataFrame, kpis: list[str], reference: str, policies: list[str]) -> pd.DataFrame:
    """Per policy other than the reference and per KPI: mean of (policy − reference) over
    the pairs (sample, replication) both completed, with its 95 % interval, and the same
    relative to the reference mean."""
    kpis = [k for k in kpis if k in results]
    ref = results[results["policy"] == reference].set_index(["sample", "rep"])
    rows = []
    for p in policies:
        if p == reference:
            continue
        mine = results[results["policy"] == p].set_index(["sample", "rep"])
        both = mine.index.intersection(ref.index)
        # the pairs' KPIs as two aligned arrays, a column per KPI (one lookup, not one per KPI)
        theirs = ref.loc[both, kpis].to_numpy(float)
        d_all = mine.loc[both, kpis].to_numpy(float) - theirs
        for j, k in enumerate(kpis):
            d = d_all[:, j]
            m, lo, hi = t_interval(d)
            base = float(np.nanmean(theirs[:, j])) if len(both) else math.nan
            rows.append(
                {
                    "policy": p,
                    "reference": reference,
                    "kpi": k,
                    "diff": m,
                    "lo": lo,
                    "hi": hi,
                    "pairs": int(np.sum(~np.isnan(d))),
                    "reference_mean": base,
                    "rel_diff": _relative(m, base),
                    "rel_lo": _relative(lo, base),
                    "rel_hi": _relative(hi, base),
                }
            )
    return pd.DataFrame(
        rows,
        columns=[
            "policy",
            "reference",
            "kpi",
            "diff",
            "lo",
            "hi",
            "pairs",
            "reference_mean",
            "rel_diff",
            "rel_lo",
            "rel_hi",
        ],
    )
