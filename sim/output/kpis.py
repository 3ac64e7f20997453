"""Key performance indicators of a run, computed from the tidy incident table.

Because they are computed from ``incidents.parquet`` alone (plus worker hours), anyone can
recompute them from a run directory and get the same numbers.

Definitions (hours; "known" = surfaced by the end of the run):
* ``closure_rate`` — closed / known cases (the reports' 办结率).
* ``response_hours`` — surfaced → accepted (首问负责); ``wait_hours_mean`` — surfaced →
  first handling; ``resolution_hours`` — surfaced → closed (closed cases).
* ``resolved_at_level`` — share of closed cases by the ladder level that resolved them.
* ``escalation_rate`` — share of accepted cases escalated at least once.
* ``latent_share`` — share of all incidents never surfaced.
* ``satisfaction`` — share of resident feedbacks that were satisfied (last feedback per case).
* ``worker_utilization`` — grid-level case workers' case hours / shift hours worked.
* ``latent_harm_days`` — Σ severity weight × days from occurrence to surfacing (to the end of
  the run if never surfaced); ``open_harm_days`` — the same from surfacing to closure (or the
  end): the harm residents bore while problems stayed hidden or open (weights:
  ``scoring.true_value.severity_weights``).

Workforce (from ``workers.parquet`` and ``scores.parquet``; see ``sim.workforce.workday``, ``sim.workforce.scoring``):
* ``worker_overtime_hours_mean`` — overtime hours per grid-level case worker over the run.
* ``vacancy_days`` — post-days with nobody in the post (exit to recruit, no stand-in).
* ``attrition_count`` — exits (resignations + retirements); ``exits`` by reason.
* ``score_validity`` — mean over periods of the rank correlation of score and true value;
  ``score_validity_within_type`` — the same within each community type, averaged over types.
* ``score_gap_by_type`` — score difference of each community type from the first, at equal
  true value.
* ``cost_person_years`` — employed person-years × the cost weight of each kind.
* ``effort_by_type`` — share of discretionary hours on patrol / visits / entry, and mean
  handling depth, of scored workers per community type.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import NamedTuple

import numpy as np
import pandas as pd


def _p50_p90(x: np.ndarray) -> tuple[float, float]:
    """Median and 90th percentile of a scratch array (partitioned in place, once for both)."""
    if not len(x):
        return math.nan, math.nan
    p50, p90 = np.quantile(x, [0.5, 0.9], overwrite_input=True)
    return float(p50), float(p90)


def _since(t: np.ndarray, t0: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Hours from ``t0`` to ``t`` of ``rows``, in the log's order (a new array)."""
    d = t[rows]
    d -= t0[rows]
    return d


def _r(x: float, nd: int = 6) -> float | None:
    """Round for stable JSON; NaN becomes null."""
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else round(float(x), nd)


class Labels(NamedTuple):
    """A label column as integer codes (negative: missing) into ``names``."""

    codes: np.ndarray
    names: Sequence


@dataclass(frozen=True)
class IncidentColumns:
    """The incident table's columns the KPIs read, one numpy entry per incident (times in hours,
    NaN: not (yet) happened): built from the tidy table (:meth:`of_table`) or straight from the
    model's log (``sim.output.tables.incident_kpi_columns``), the same numbers either way."""

    state: Labels
    severity: np.ndarray  # code into the scenario's severity weights
    t_occurred: np.ndarray
    t_surfaced: np.ndarray
    t_accepted: np.ndarray
    t_handling: np.ndarray
    t_closed: np.ndarray
    final_level: Labels
    handler_role: Labels
    community_type: Labels | None
    escalations: np.ndarray
    reopened: np.ndarray
    satisfied: np.ndarray  # each case's last feedback: 1.0 satisfied, 0.0 not, NaN none

    @classmethod
    def of_table(cls, inc: pd.DataFrame) -> IncidentColumns:
        """The columns of a tidy incident table (``incidents.parquet`` as pandas)."""
        sev = inc["severity"]
        return cls(
            state=_labels(inc["state"]),
            severity=sev.cat.codes.to_numpy() if hasattr(sev, "cat") else sev.to_numpy(np.int64),
            **{c: inc[c].to_numpy(dtype=np.float64) for c in ("t_occurred", "t_surfaced", "t_accepted")},
            **{c: inc[c].to_numpy(dtype=np.float64) for c in ("t_handling", "t_closed")},
            final_level=_labels(inc["final_level"]),
            handler_role=_labels(inc["handler_role"]),
            community_type=_labels(inc["community_type"]) if "community_type" in inc else None,
            escalations=inc["escalations"].to_numpy(),
            reopened=inc["reopened"].to_numpy(dtype=bool),
            satisfied=inc["satisfied"].to_numpy(dtype=np.float64, na_value=np.nan),
        )

    def rows(self, keep: np.ndarray) -> IncidentColumns:
        """The same columns of the incidents ``keep`` selects (a mask or positions)."""

        def pick(c):
            if c is None:
                return None
            return Labels(c.codes[keep], c.names) if isinstance(c, Labels) else c[keep]

        return IncidentColumns(**{f.name: pick(getattr(self, f.name)) for f in fields(self)})


def _labels(col: pd.Series) -> Labels:
    """A label column's codes, read off a categorical without converting every row to a string."""
    if not isinstance(col.dtype, pd.CategoricalDtype):
        col = col.astype("category")
    return Labels(col.cat.codes.to_numpy(), [str(c) for c in col.cat.categories])


def _codes(col: Labels) -> tuple[np.ndarray, list[str]]:
    """Codes of a label column and the label (as text) of each, a missing label reading ``nan``."""
    names = [*map(str, col.names), "nan"]
    return np.where(col.codes < 0, len(names) - 1, col.codes), names


def _counts(col: Labels, rows: np.ndarray) -> dict[str, int]:
    """How many of ``rows`` carry each label of ``col`` (labels that occur only)."""
    codes, names = _codes(col)
    tally = np.bincount(codes[rows], minlength=len(names))
    return {names[c]: int(tally[c]) for c in np.flatnonzero(tally)}


def summarize(
    inc: pd.DataFrame | IncidentColumns,
    level_names: list[str],
    busy_hours: float = math.nan,
    duty_hours: float = math.nan,
    severity_weights: tuple[float, ...] = (1.0, 2.0, 4.0),
    end_hours: float = math.nan,
) -> dict:
    """The summary.json dictionary of a tidy incident table or its :class:`IncidentColumns`
    (``end_hours``: when the run ended, for the harm still borne)."""
    if isinstance(inc, pd.DataFrame):
        inc = IncidentColumns.of_table(inc)
    n = len(inc.t_surfaced)
    codes, names = _codes(inc.state)
    closed = codes == names.index("closed") if "closed" in names else np.zeros(n, dtype=bool)
    known = ~np.isnan(inc.t_surfaced)
    accepted = ~np.isnan(inc.t_accepted)
    handled = ~np.isnan(inc.t_handling)
    ts = inc.t_surfaced
    resp50, resp90 = _p50_p90(_since(inc.t_accepted, ts, accepted))
    service = _service(inc, known, closed, handled, slice(None))
    levels = _counts(inc.final_level, closed)
    roles = _counts(inc.handler_role, closed)
    n_closed = int(closed.sum())
    return {
        "incidents_created": n,
        "incidents_closed": n_closed,
        "incidents_open": n - n_closed,
        "incidents_known": int(known.sum()),
        "closure_rate": service["closure_rate"],
        "response_hours_p50": _r(resp50),
        "response_hours_p90": _r(resp90),
        "wait_hours_mean": service["wait_hours_mean"],
        "resolution_hours_p50": service["resolution_hours_p50"],
        "resolution_hours_p90": service["resolution_hours_p90"],
        "resolved_at_level": {lv: _r(levels.get(lv, 0) / n_closed) if n_closed else None for lv in level_names},
        "resolved_by_role": {r: _r(roles[r] / n_closed) for r in sorted(roles)},
        "escalation_rate": _r(float((inc.escalations[accepted] > 0).mean())) if accepted.any() else None,
        "reopen_rate": _r(float(inc.reopened[accepted].mean())) if accepted.any() else None,
        "latent_share": _r(float((~known).mean())) if n else None,
        "satisfaction": service["satisfaction"],
        "worker_utilization": _r(busy_hours / duty_hours) if duty_hours and duty_hours > 0 else None,
        **harm_days(inc, known, closed, severity_weights, end_hours),
        "by_community_type": by_community_type(inc, known, closed, handled, service),
    }


def harm_days(inc: IncidentColumns, known, closed, weights: tuple[float, ...], end: float) -> dict:
    """Severity-weighted days residents' problems stayed latent, and open, up to ``end`` (hours)."""
    if not len(inc.t_surfaced) or not end == end:
        return {"latent_harm_days": None, "open_harm_days": None}
    w = np.asarray(weights, dtype=np.float64)[inc.severity]
    ts = np.where(known, inc.t_surfaced, end)
    x = ts - inc.t_occurred
    x *= w
    latent = x.sum() / 24.0
    np.subtract(np.where(closed, inc.t_closed, end), ts, out=x)  # (scratch arrays reused: a city-year's are 15 MB)
    x[~known] = 0.0
    x *= w
    open_ = x.sum() / 24.0
    return {"latent_harm_days": _r(float(latent), 2), "open_harm_days": _r(float(open_), 2)}


def _service(inc: IncidentColumns, known, closed, handled, rows) -> dict:
    """The service KPIs of incidents ``rows`` (an index array, or every one): how many, closure
    rate, mean wait, resolution p50/p90, satisfaction — the district's and each community type's."""
    k, c, h = known[rows], closed[rows], handled[rows]
    t = inc.t_surfaced[rows]
    wait = _since(inc.t_handling[rows], t, h)
    p50, p90 = _p50_p90(_since(inc.t_closed[rows], t, c))
    s = inc.satisfied[rows]
    s = s[~np.isnan(s)]
    return {
        "incidents": len(t),
        "closure_rate": _r(c.sum() / k.sum()) if k.any() else None,
        "wait_hours_mean": _r(float(wait.mean())) if h.any() else None,
        "resolution_hours_p50": _r(p50),
        "resolution_hours_p90": _r(p90),
        "satisfaction": _r(float(s.mean())) if len(s) else None,
    }


def by_community_type(inc: IncidentColumns, known, closed, handled, whole: dict | None = None) -> dict:
    """Service KPIs per community type: planners size old estates and gated estates apart.
    ``whole``: the district's (:func:`_service` of every incident), which a district of one
    type shares rather than computes twice."""
    if inc.community_type is None or not len(inc.t_surfaced):
        return {}
    codes, names = _codes(inc.community_type)
    present = np.flatnonzero(np.bincount(codes, minlength=len(names))).tolist()
    if len(present) == 1:
        return {names[present[0]]: dict(whole) if whole else _service(inc, known, closed, handled, slice(None))}
    return {
        names[code]: _service(inc, known, closed, handled, np.flatnonzero(codes == code))
        for code in sorted(present, key=lambda c: names[c])
    }


def workforce_kpis(
    workers: pd.DataFrame, scores: pd.DataFrame, days: int, costs: dict, scored_kinds: list[str], since: int = 0
) -> dict:
    """The workforce part of summary.json, from the workers and scores tables. ``since``: the
    first day counted by the cost and the exits (the end of a warm-up; 0, the whole run).

    Column by column in numpy (a sweep computes it for every run, twice after a warm-up: in
    pandas it cost more than the small tables it reads)."""
    from sim.workforce.scoring import gap_by_type, validity

    def col(name: str, rows: np.ndarray) -> np.ndarray:
        return workers[name].to_numpy(dtype=np.float64)[rows]

    role = workers["role"].to_numpy(dtype=object)
    in_post = workers["post"].notna().to_numpy() if "post" in workers else np.zeros(len(workers), dtype=bool)
    staff = np.flatnonzero(in_post)
    roles = role[staff]
    exit_day = col("exit_day", staff)
    end = np.where(exit_day >= 0, exit_day, days)
    hired = col("hired_day", staff)
    start = np.maximum(hired, since) if since else hired
    person_days = np.maximum(end - start, 0)
    weight = np.array([costs.get(r, 1.0) for r in roles], dtype=np.float64)  # (a role without a cost: 1)
    informants = int(np.count_nonzero(role == "informant"))
    cost = float((person_days * weight).sum() + informants * (days - since) * costs.get("informant", 0.0))
    scored = staff[np.isin(roles, scored_kinds)]
    activities = ("patrol", "visits", "entry")
    hours = np.stack([col(f"{a}_hours", scored) for a in activities])  # activity × scored worker
    depth = col("depth", scored)
    by_type = {}
    for ty, rows in _groups(workers["community_type"], scored):
        tot = hours[:, rows].sum(axis=1)
        total = tot.sum()
        by_type[ty] = {a: _r(tot[k] / total) if total > 0 else None for k, a in enumerate(activities)}
        by_type[ty]["depth"] = _r(float(np.nanmean(depth[rows])))
    reasons = workers["exit_reason"].astype(str).to_numpy(dtype=object)[staff]
    counted = exit_day >= since
    overtime = col("overtime_hours", staff)
    return {
        "worker_overtime_hours_mean": _r(float(np.nanmean(overtime))) if len(staff) else None,
        "vacancy_days": _r(_first_per_post(col("post", staff), col("post_vacant_days", staff))) if len(staff) else 0.0,
        "absence_days": _r(float(np.nansum(col("absent_days", staff)))),
        "attrition_count": int(np.count_nonzero(counted)),
        "exits": {r: int(np.count_nonzero((reasons == r) & counted)) for r in ("resigned", "retired")},
        "score_validity": _r(validity(scores)) if len(scores) else None,
        "score_validity_within_type": _r(validity(scores, within="community_type")) if len(scores) else None,
        "score_gap_by_type": {k: _r(v) for k, v in gap_by_type(scores).items()} if len(scores) else {},
        "cost_person_years": _r(cost / 365.0),
        "discretionary_hours": _r(float(hours.sum())),
        "effort_by_type": by_type,
    }


def _groups(labels: pd.Series, rows: np.ndarray) -> list[tuple[str, np.ndarray]]:
    """The positions in ``rows`` of each label of ``labels`` found there, in pandas' group order;
    a missing label is no group."""
    from sim.workforce.scoring import group_codes

    codes, names = group_codes(labels, rows)
    return [(names[c], np.flatnonzero(codes == c)) for c in np.unique(codes[codes >= 0])]


def _first_per_post(post: np.ndarray, vacant_days: np.ndarray) -> float:
    """Vacancy days summed over posts, each post's counted once (its first row that has them)."""
    has = ~np.isnan(vacant_days)
    _, first = np.unique(post[has], return_index=True)
    return float(vacant_days[has][first].sum())


def print_table(summary: dict, file=None) -> None:
    """A human-readable KPI table."""
    rows = []
    for k, v in summary.items():
        if isinstance(v, dict) and any(isinstance(b, dict) for b in v.values()):
            v = (
                "; ".join(
                    f"{a}: " + ", ".join(f"{c} {d:.2f}" for c, d in b.items() if d is not None) for a, b in v.items()
                )
                or "—"
            )
        elif isinstance(v, dict) and k in ("exits", "score_gap_by_type"):
            v = ", ".join(f"{a} {b:,.2f}" if isinstance(b, float) else f"{a} {b}" for a, b in v.items()) or "—"
        elif isinstance(v, dict):
            v = ", ".join(f"{a} {b:.1%}" for a, b in v.items() if b is not None) or "—"
        elif isinstance(v, float):
            v = f"{v:.1%}" if k.endswith(("_rate", "_share", "satisfaction", "utilization")) else f"{v:,.2f}"
        elif isinstance(v, int):
            v = f"{v:,}"
        elif v is None:
            v = "—"
        rows.append((k, str(v)))
    width = max(len(k) for k, _ in rows)
    for k, v in rows:
        print(f"  {k:<{width}}  {v}", file=file)
