"""Tidy tables out of a finished (or paused) model: incidents, transitions, daily, workers.

What a table shows is the state *at the model's current time*: a surfacing or a
worsening planned for later is not shown as having happened.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.core.incidents import _FLOAT_COLS, CHANNELS, STATE_NAMES, State  # (one list of columns)
from sim.workforce.agents import ROLES
from sim.workforce.staffing import HOURS, TALLIES
from sim.workforce.turnover import EXIT_REASONS

TIME_COLUMNS = tuple(c for c in _FLOAT_COLS if c.startswith("t_") and c != "t_join")
"""The transition times of an incident, in the log's own column order (``t_join``, a desk's
queue bookkeeping, is not a transition)."""


def _cat(codes: np.ndarray, names) -> pd.Categorical:
    return pd.Categorical.from_codes(np.where(codes < 0, -1, codes), categories=list(names))


def incidents_table(model) -> pd.DataFrame:
    """One row per incident with every transition time (hours since Monday 00:00 of day 0)."""
    log, w, sc = model.log, model.world, model.config
    now = model.clock.now
    col = log.column
    grid = col("grid")
    state = col("state").copy()
    t = {c: col(c).copy() for c in TIME_COLUMNS}
    late = ~(t["t_surfaced"] <= now)  # planned later, or never
    t["t_surfaced"][late] = np.nan
    severity = col("severity").copy()
    future_worse = ~(t["t_worsened"] <= now)
    severity[future_worse] = col("severity_initial")[future_worse]
    t["t_worsened"][future_worse] = np.nan
    state[(state == State.LATENT) & ~late] = State.SURFACED
    level_names = [lv.name for lv in sc.levels]
    satisfied = col("satisfied")

    def own(name: str) -> np.ndarray:  # the log's columns are views into it: the table gets its own
        return col(name).copy()

    df = pd.DataFrame(
        {
            "id": np.arange(log.n, dtype=np.int64),
            "category": _cat(col("category"), sc.categories),
            "severity": _cat(severity, ("minor", "general", "major")),
            "severity_initial": _cat(col("severity_initial"), ("minor", "general", "major")),
            "grid": grid.copy(),
            "grid_name": _cat(grid, w.grid_names),
            "team": model.plan.team_of_grid[grid],
            "community": w.grid_community[grid],
            "street": w.grid_street[grid],
            "community_type": _cat(w.grid_type[grid], w.type_names),
            "household": own("household"),
            "channel": _cat(np.where(late, -1, col("channel")), CHANNELS),
            "state": _cat(state, [STATE_NAMES[i] for i in range(len(STATE_NAMES))]),
            **t,
            "final_level": _cat(np.where(np.isnan(t["t_accepted"]), -1, col("level")), level_names),
            "escalations": own("escalations"),
            "handler_role": _cat(col("handler"), ROLES),
            "resolver": own("resolver"),
            "resolver_depth": own("depth"),
            "satisfied": pd.arrays.BooleanArray(satisfied == 1, satisfied < 0),  # no feedback: missing
            "reopened": col("reopens") > 0,
            "reopens": own("reopens"),
            "visits_failed": own("visits_failed"),
            "absorbed_by_property": col("absorbed") == 1,
        },
        copy=False,  # every column is a fresh array: no second, consolidated copy of a city-year
    )
    if w.imported:  # a register's world: each grid's id in the source beside its name
        df.insert(5, "source_id", _cat(grid, w.grid_source_ids))
    return df


def transitions_table(model) -> pd.DataFrame:
    """Long-format log: one row per transition, with the acting agent (−1 if none)."""
    tr = model.log.transitions()
    shown = tr["time"].to_numpy() <= model.clock.now
    if not shown.all():  # (at the end of a run every transition is shown: no copy of the log)
        tr = tr[shown].reset_index(drop=True)
    levels = [lv.name for lv in model.config.levels]
    tr["level"] = _cat(tr["level"].to_numpy(), levels)
    return tr


def daily_table(model) -> pd.DataFrame:
    """Mesa DataCollector's daily aggregates as a table."""
    return model.datacollector.get_model_vars_dataframe().reset_index(drop=True)


def workers_table(model) -> pd.DataFrame:
    """One row per person: role, team, hours by activity, overtime, absence, exits, outputs.

    Grid-level staff (everyone ever employed, leavers included) carry the full hour
    accounts of ``sim.workforce.workday``; leaders, police, departments and informants carry their
    busy hours and cases only (the other columns are empty for them). A referral desk (department,
    property manager) books the handling hours of every case, so with cases worked in parallel
    its busy hours can exceed its duty hours.
    """
    now = model.clock.now
    st, tv = model.staff, model.turnover
    n = st.n
    slots = np.arange(n)
    agents = st.agents
    busy = np.array([a.busy_hours + (now - a.busy_since if a.current >= 0 else 0.0) for a in agents])
    post = st.post[:n]
    home = model.staff_grid(slots)
    staff = pd.DataFrame(
        {
            "agent": [a.unique_id for a in agents],
            "role": [a.role for a in agents],
            "desk": [f"{model.config.levels[0].name}:{t}" if t >= 0 else "reserve pool" for t in st.team[:n]],
            "level": 0,
            "busy_hours": busy,
            "duty_hours": st.total["shift"][:n],
            "cases_handled": [a.cases_handled for a in agents],
            "team": st.team[:n],
            "grid": home,
            "post": post,
            "community_type": pd.Categorical(
                [model.world.type_names[t] for t in model.world.grid_type[home]],
                categories=list(model.world.type_names),
            ),
            "hired_day": st.hired[:n],
            "exit_day": st.left[:n],
            "exit_reason": _cat(st.reason[:n], EXIT_REASONS),
            **{f"{h}_hours": st.total[h][:n] for h in HOURS},
            **{k: st.total[k][:n] for k in TALLIES if k != "need"},
            "post_vacant_days": np.where(post >= 0, tv.vacant_days[np.maximum(post, 0)], np.nan),
            "depth": st.depth[:n],
            **{f"share_{a}": st.shares[:n, k] for k, a in enumerate(("patrol", "visits", "entry"))},
        }
    )
    rows = []
    for desk in model.desks_by_id[len(model.desks[0]) :]:
        for a in desk.workers:
            if desk.discipline == "referral":  # cases in parallel: the hours of each case in hand so far
                b = a.busy_hours + desk.in_hand_hours(now)
            else:
                b = a.busy_hours + (now - a.busy_since if a.current >= 0 else 0.0)
            rows.append((a.unique_id, a.role, desk.name, desk.level, b, a.roster.on_hours(0.0, now), a.cases_handled))
    for a in model.informants:
        rows.append((a.unique_id, a.role, f"grid:{a.grid}", 0, 0.0, a.roster.on_hours(0.0, now), 0))
    others = pd.DataFrame(rows, columns=["agent", "role", "desk", "level", "busy_hours", "duty_hours", "cases_handled"])
    return pd.concat([staff, others], ignore_index=True)


def scores_table(model) -> pd.DataFrame:
    """One row per worker and scoring period: counted metrics, hours, score, rank, true value."""
    return model.scorer.table()


def grids_table(model) -> pd.DataFrame:
    """One row per grid: type, team, actual and registered households, risk, vacancy days."""
    w, plan, tv = model.world, model.plan, model.turnover
    vac = np.bincount(plan.post_grid, tv.vacant_days, minlength=w.n_grids)
    df = pd.DataFrame(
        {
            "grid": np.arange(w.n_grids),
            "grid_name": list(w.grid_names),
            "community": w.grid_community,
            "community_type": _cat(w.grid_type, w.type_names),
            "team": plan.team_of_grid,
            "households_actual": w.grid_households,
            "households_registered": model.register.registered,
            "posts": np.bincount(plan.post_grid, minlength=w.n_grids),
            "informants": plan.informants,
            "vacancy_days": vac,
            "risk_level": _cat(model.risk.level, ("green", "yellow", "red")),
        }
    )
    if w.imported:  # a register's world: each grid's id in the source beside its name
        df.insert(2, "source_id", list(w.grid_source_ids))
    return df
