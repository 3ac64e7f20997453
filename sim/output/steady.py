"""Steady-state KPIs (稳态指标): a run's summary read after its warm-up (预热期).

Runs start empty, so their first weeks are not the system being studied. Given a warm-up of
``W`` days, the summary's KPIs come from the rest of the run, each by the rule that suits it:

* **Incidents** — a row selection before :func:`sim.output.kpis.summarize`: an incident counts
  when it surfaced on or after day ``W`` (hour ``24 W``); one never surfaced counts when it
  occurred on or after it. Every service rate and time (closure, response, wait, resolution,
  escalation, reopening, satisfaction, latent share, resolved at level / by role, per
  community type) is then over those incidents.
* **Scores** — the scoring periods that start on or after day ``W`` (validity, gaps by type).
* **Flows** (totals that grow with the days counted) are scaled from the ``days − W`` days
  counted to the run's ``days``, so that runs whose warm-ups differ compare in one unit (per
  run length): the incident counts and harm-days of the selected incidents; the exits and the
  cost counted from day ``W`` (:func:`sim.output.kpis.workforce_kpis` ``since``); overtime per
  worker, vacancy days and absence days, whose whole-run totals are split by the share of the
  daily record's ``overtime_hours``, ``vacant_posts`` and ``absent`` that fell after day ``W``.
* **Kept whole-run**: ``worker_utilization``, ``discretionary_hours`` and ``effort_by_type``
  (the daily record keeps only each day's utilization ratio and patrol hours, not the hours
  they are made of).

``W = 0`` gives exactly the whole-run summary of :func:`sim.output.runner.summary_of`.
"""

from __future__ import annotations

import numpy as np

from sim.output.kpis import IncidentColumns, workforce_kpis
from sim.output.runner import summary_of
from sim.output.tables import daily_table, incident_kpi_columns, scores_table, workers_table

SCALED = (
    "incidents_created",
    "incidents_closed",
    "incidents_open",
    "incidents_known",
    "latent_harm_days",
    "open_harm_days",
)
"""Incident totals scaled from the days counted to the run's length."""

DAILY_SHARE = {"worker_overtime_hours_mean": "overtime_hours", "vacancy_days": "vacant_posts", "absence_days": "absent"}
"""Workforce totals split by the share of a daily-record column after the warm-up."""


def after_warmup(warmup_days: int, incidents: IncidentColumns) -> np.ndarray:
    """Which incidents count after a warm-up of ``warmup_days`` days: surfaced from then on,
    or, never surfaced, occurred from then on."""
    ts = incidents.t_surfaced
    dated = np.where(np.isnan(ts), incidents.t_occurred, ts)
    return dated >= 24.0 * warmup_days


def steady_summary(model, warmup_days: int, daily=None, incidents=None, workers=None, scores=None) -> dict:
    """The run's summary with its KPIs read after ``warmup_days`` (module docstring), and
    ``warmup_days`` itself; each table is built from ``model`` unless given."""
    days = model.day
    w = int(warmup_days)
    if not 0 <= w < days:
        raise ValueError(f"warmup_days {w} is not within the run's {days} days")
    inc = incident_kpi_columns(model) if incidents is None else IncidentColumns.of_table(incidents)
    workers = workers_table(model) if workers is None else workers
    scores = scores_table(model) if scores is None else scores
    if w and len(scores):
        scores = scores[scores["day_start"].to_numpy() >= w]
    out = summary_of(model, inc.rows(after_warmup(w, inc)) if w else inc, workers, scores)
    out["warmup_days"] = w
    if not w:
        return out
    sc = model.config
    factor = days / (days - w)
    since = workforce_kpis(workers, scores.iloc[0:0], days, dict(sc.staffing.costs), list(sc.scoring.kinds), w)
    daily = daily_table(model) if daily is None else daily
    for key in SCALED:
        out[key] = _scaled(out[key], factor)
    for row in out["by_community_type"].values():
        row["incidents"] = _scaled(row["incidents"], factor)
    for key in ("attrition_count", "cost_person_years"):
        out[key] = _scaled(since[key], factor)
    out["exits"] = {r: _scaled(n, factor) for r, n in since["exits"].items()}
    for key, col in DAILY_SHARE.items():
        x = daily[col].to_numpy(dtype=np.float64)
        total = float(np.nansum(x))
        share = float(np.nansum(x[w:])) / total if total else 0.0
        out[key] = None if out[key] is None else _scaled(out[key] * share, factor)
    return out


def _scaled(x, factor: float):
    """``x`` (a total over the days counted) per run length, rounded as the summary rounds."""
    return None if x is None else round(float(x) * factor, 6)
