"""Scoring schemes (考核): each worker's score per period from what the records show.

A score is ``100 × Σ_m w_m · min(x_m / t_m, cap) / Σ_m w_m`` over the metrics of
``sim.scenario.schema.METRICS``: counts (per month, scaled to the period) and shares. A share with
nothing to measure (no closed case, say) counts as on target. The scoring scheme
(``scoring.scheme``, a registered policy: ``sim.policies.scoring``) gives the weights ``w`` and
targets ``t`` each worker faces; :class:`Scorer` does the rest.

Case metrics count cases *closed and signed off* (办结销号) in the period, credited to the
worker who resolved them; discoveries are the patrol finds of the worker's team, shared by
patrol hours. Everything is recomputable from ``incidents.parquet`` and the hour and tally
columns of ``scores.parquet``.

The *true value* of a worker's work (never seen by any scheme; ``scoring.true_value``,
docs/behaviour.md §5) is by default what residents got from the worker's hours: harm-days
averted per duty hour — each case they resolved and saw closed averts its severity weight ×
the days left of ``horizon_days`` after it stayed latent and open (an unhappy resident's
case counts ``unsatisfied_value`` of that), less ``reopen_harm_days`` per reopening; each
severity-weighted patrol find of their team (shared by patrol hours) averts ``found_days``;
each successful visit ``visit_days``, each verified (not padded) record ``record_days``. It
reads the incident log and the hour accounts only, never a target, so no scheme shares its
normaliser. ``definition: closed_over_need`` keeps the 0.4 definition — severity-weighted
closures per expected incident of the team's grids — which is also what a worker perceives
of their own work when judging whether their score is fair (``unfairness``).
``score_validity`` is the mean over periods of the rank correlation between score and true
value; ``score_gap_by_type`` the score difference between community types at equal true
value (least squares: score ~ true value + type).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.scenario import policy_table
from sim.scenario.schema import COUNT_METRICS, METRICS, Scenario
from sim.workforce.staffing import HOURS, KIND_CODE

PERIOD_DAYS = {"month": 365.0 / 12.0, "quarter": 365.0 / 4.0}
COUNTS = COUNT_METRICS
M = {m: k for k, m in enumerate(METRICS)}
SCHEMES = policy_table.table("scoring")
"""Every registered scoring scheme, name -> class (live, read-only; the built-ins are in ``sim.policies.scoring``)."""


def period_ends(period: str, days: int) -> list[int]:
    """Days (model.day after stepping) at which scoring periods close."""
    n = PERIOD_DAYS[period]
    ends, k = [], 1
    while round(k * n) <= days:
        ends.append(int(round(k * n)))
        k += 1
    return ends


def score(x: np.ndarray, w: np.ndarray, t: np.ndarray, cap: float) -> np.ndarray:
    """Scores of rows of metrics ``x`` under weights ``w`` and targets ``t`` (same shape)."""
    ratio = np.where(np.isnan(x), 1.0, np.minimum(x / t, cap))
    total = w.sum(axis=1)
    return 100.0 * (w * ratio).sum(axis=1) / np.where(total > 0, total, 1.0)


class Scorer:
    """Closes scoring periods: metrics, scores, ranks and true values of every worker."""

    def __init__(self, sc: Scenario, ctx, scheme, effort):
        """``ctx``: the model's context (``staff``, ``log``, ``plan``, ``world``, ``staff_grid``);
        ``scheme``: the scoring scheme (a ``sim.policies.scoring.Scheme``); ``effort``: who
        re-allocates hours once a period is scored."""
        self.spec = sc.scoring
        self.staff, self.log, self.plan, self.world, self.staff_grid = (
            ctx.staff,
            ctx.log,
            ctx.plan,
            ctx.world,
            ctx.staff_grid,
        )
        self.scheme = scheme
        self.effort = effort
        self.scored_kinds = np.array([KIND_CODE[k] for k in self.spec.kinds])
        self._scored_kind = np.zeros(max(KIND_CODE.values()) + 2, dtype=bool)  # by kind code (-1: the last, none)
        self._scored_kind[self.scored_kinds] = True
        self.ends = period_ends(self.spec.period, sc.days)
        self._ends = frozenset(self.ends)
        self.sev_weight = np.array(self.spec.true_value.severity_weights)
        cats = list(sc.categories)
        self.dispute = cats.index("dispute") if "dispute" in cats else -1
        self.rows: list[dict] = []  # each closed period's columns; one table is built when asked for
        self._table: pd.DataFrame | None = None
        self.start = 0
        self.n_period = 0
        self._live = 0  # every incident below this id was closed before the current period began
        self._memo: dict | None = None  # while a period closes: the live columns and cases credited, once

    def due(self, day: int) -> bool:
        """Whether a scoring period closes on ``day``."""
        return day in self._ends

    def close_period(self, day: int) -> None:
        """Score the period [start, day) and start the next one."""
        st = self.staff
        d0, d1 = self.start, day
        t1 = 24.0 * d1
        months = (d1 - d0) / PERIOD_DAYS["month"]
        n = st.n  # everyone employed at some time in the period and working for a team
        slots = np.flatnonzero((st.hired[:n] < d1) & ((st.left[:n] < 0) | (st.left[:n] >= d0)) & (st.team[:n] >= 0))
        self._memo = {}  # (metrics, true values and perceived work read the same columns and cases)
        try:
            self._close(slots, d0, d1, months)
        finally:
            self._memo = None
        open_ = ~(self._col("t_closed") < t1)  # still open (NaN) or closed after this period
        self._live += int(np.argmax(open_)) if open_.any() else len(open_)

    def _close(self, slots: np.ndarray, d0: int, d1: int, months: float) -> None:
        """Score ``slots`` over days [d0, d1), keep the period's columns, feed the scores back."""
        st = self.staff
        t0, t1 = 24.0 * d0, 24.0 * d1
        x = self.metrics(slots, t0, t1)
        scored = self._scored_kind[st.kind[slots]]
        w, t = self.scheme.rules(st.team[slots], months)
        s = np.where(scored, score(x, w, t, self.spec.cap), np.nan)
        perceived = self.closed_over_need(slots, t0, t1)
        outcomes = self.spec.true_value.definition == "outcomes"
        tv = self.outcome_value(slots, t0, t1) if outcomes else perceived
        people = [st.agents[k] for k in slots.tolist()]
        k = len(slots)
        cols = {
            "period": np.full(k, self.n_period),
            "day_start": np.full(k, d0),
            "day_end": np.full(k, d1),
            "agent": np.array([a.unique_id for a in people], dtype=np.int64),
            "slot": slots,
            "kind": [a.role for a in people],
            "team": st.team[slots],
            "grid": self.staff_grid(slots),
            "community_type": [self.world.type_names[k] for k in self.scheme.team_type[st.team[slots]]],
            "scored": scored,
        }
        cols |= {name: x[:, M[name]] for name in METRICS}
        cols |= {f"{h}_hours": st.period[h][slots] for h in HOURS}
        cols |= {
            "need": st.period["need"][slots],
            "score": s,
            "rank": rank_descending(s),
            "true_value": tv,
            "depth": st.depth[slots],
        }
        if outcomes:  # (the 0.4 table has no such column)
            cols["true_value_closed_over_need"] = perceived
        self.scheme.observe(st.team[slots], x, months, scored)
        self._feed_back(cols, perceived, slots, x, w, t)
        st.padded[slots] = 0.0
        self.rows.append(cols)
        self._table = None
        st.periods[:] = 0.0  # (every account in ``st.period`` is a row of it)
        self.start = d1
        self.n_period += 1

    def _col(self, name: str) -> np.ndarray:
        """Column ``name`` of the incidents that can still count in this period (ids from
        ``_live`` on): a period looks at the cases still in play, not at every case ever."""
        memo = self._memo
        if memo is None:
            return self.log.column(name)[self._live :]
        col = memo.get(name)
        if col is None:
            col = memo[name] = self.log.column(name)[self._live :]
        return col

    def _found(self, t0: float, t1: float) -> np.ndarray:
        """Which live incidents are patrol finds surfaced in [t0, t1) (a mask)."""
        memo, key = self._memo, ("found", t0, t1)
        if memo is not None and key in memo:
            return memo[key]
        ts = self._col("t_surfaced")
        found = (self._col("channel") == 2) & (ts >= t0) & (ts < t1)
        if memo is not None:
            memo[key] = found
        return found

    def _credited(self, slots: np.ndarray, t0: float, t1: float) -> tuple[np.ndarray, np.ndarray]:
        """Cases closed in [t0, t1) and resolved by one of ``slots`` (positions in the live
        columns), and the row in ``slots`` of each one's resolver."""
        memo = self._memo
        key = ("credited", t0, t1)
        if memo is not None and key in memo and memo[key][0] is slots:
            return memo[key][1]
        row = self._row_of(slots)
        closed = self._closed(t0, t1)
        r = row[self._col("resolver")[closed]] if len(closed) else np.empty(0, np.int64)
        mine = r >= 0
        out = (closed[mine], r[mine])
        if memo is not None:
            memo[key] = (slots, out)
        return out

    def _at_credited(self, slots: np.ndarray, t0: float, t1: float, *names: str) -> list[np.ndarray]:
        """Columns ``names`` at the cases credited to ``slots`` in [t0, t1) (see ``_credited``),
        each gathered once a period: metrics, true values and perceived work read the same ones."""
        c, _ = self._credited(slots, t0, t1)
        memo = self._memo
        if memo is None:
            return [self._col(name)[c] for name in names]
        out = []
        for name in names:
            key = ("at credited", name, t0, t1)
            if key not in memo or memo[key][0] is not slots:
                memo[key] = (slots, self._col(name)[c])
            out.append(memo[key][1])
        return out

    # ---------------------------------------------------------------- what the records show

    def metrics(self, slots: np.ndarray, t0: float, t1: float) -> np.ndarray:
        """What the records show for staff ``slots`` in [t0, t1): one row of ``METRICS`` each, NaN
        where a metric cannot be judged."""
        st, plan = self.staff, self.plan
        n = len(slots)
        x = np.full((n, len(METRICS)), np.nan)
        col = self._col
        _, r = self._credited(slots, t0, t1)
        cat, sat, tc, ts = self._at_credited(slots, t0, t1, "category", "satisfied", "t_closed", "t_surfaced")
        closed = np.bincount(r, minlength=n)
        x[:, M["closed_cases"]] = closed
        x[:, M["disputes_closed"]] = np.bincount(r, cat == self.dispute, minlength=n)
        fed = sat >= 0
        x[:, M["satisfaction"]] = _share(
            np.bincount(r[fed], sat[fed] == 1, minlength=n), np.bincount(r[fed], minlength=n)
        )
        timely = (tc - ts) <= self.spec.timely_hours
        x[:, M["timeliness"]] = _share(np.bincount(r, timely, minlength=n), closed)
        # team-level: patrol discoveries (shared by patrol hours) and closure rate
        n_teams = len(plan.team_grids)
        team_of = plan.team_of_grid[col("grid")]
        ta, tc = col("t_accepted"), col("t_closed")
        found = self._found(t0, t1)  # surfaced (and so open) in the period
        disc = np.bincount(team_of[found], minlength=n_teams)
        teams = st.team[slots]
        patrol = st.period["patrol"][slots]
        team_patrol = np.bincount(teams, patrol, minlength=n_teams)
        x[:, M["discoveries"]] = np.where(
            team_patrol[teams] > 0,
            disc[teams] * patrol / np.where(team_patrol[teams] > 0, team_patrol[teams], 1.0),
            0.0,
        )
        acc = (ta >= t0) & (ta < t1)
        done = acc & (tc < t1)
        x[:, M["closure_rate"]] = _share(
            np.bincount(team_of[done], minlength=n_teams), np.bincount(team_of[acc], minlength=n_teams)
        )[teams]
        p = st.period
        x[:, M["visits"]] = p["visits_made"][slots]
        x[:, M["records"]] = p["records"][slots]
        x[:, M["attendance"]] = _share(p["present_days"][slots], p["duty_days"][slots])
        x[:, M["log_filling"]] = _share(p["log_days"][slots], p["present_days"][slots])
        return x

    def outcome_value(self, slots: np.ndarray, t0: float, t1: float) -> np.ndarray:
        """Harm-days averted for residents by each of ``slots`` in [t0, t1), per duty hour (NaN
        where they were never on duty): closures by latency and satisfaction, less reopenings;
        patrol finds; successful visits; verified records (module docstring)."""
        st, col, tv = self.staff, self._col, self.spec.true_value
        n = len(slots)
        _, r = self._credited(slots, t0, t1)
        sev, tc, to, sat, reopens = self._at_credited(
            slots, t0, t1, "severity", "t_closed", "t_occurred", "satisfied", "reopens"
        )
        sw = self.sev_weight[sev]
        days = (tc - to) / 24.0
        q = np.where(sat == 0, tv.unsatisfied_value, 1.0)
        averted = sw * (np.maximum(tv.horizon_days - days, 0.0) * q - tv.reopen_harm_days * reopens)
        value = np.bincount(r, averted, minlength=n).astype(np.float64)  # (an empty bincount is integer)
        # patrol finds of the period, severity-weighted, shared in the team by patrol hours
        plan = self.plan
        n_teams = len(plan.team_grids)
        found = np.flatnonzero(self._found(t0, t1))
        weight = np.bincount(
            plan.team_of_grid[col("grid")[found]], self.sev_weight[col("severity")[found]], minlength=n_teams
        ).astype(np.float64)
        teams = st.team[slots]
        patrol = st.period["patrol"][slots]
        team_patrol = np.bincount(teams, patrol, minlength=n_teams)[teams]
        finds = np.where(team_patrol > 0, weight[teams] * patrol / np.where(team_patrol > 0, team_patrol, 1.0), 0.0)
        value += tv.found_days * finds
        value += tv.visit_days * st.period["visits_made"][slots]
        value += tv.record_days * (st.period["records"][slots] - st.padded[slots])
        hours = st.period["shift"][slots]
        return np.where(hours > 0, value / np.where(hours > 0, hours, 1.0), np.nan)

    def closed_over_need(self, slots: np.ndarray, t0: float, t1: float) -> np.ndarray:
        """Severity-weighted value of the cases each of ``slots`` closed in [t0, t1) (unsatisfied ones
        discounted), per hour of need; NaN where there was no need (the 0.4 true value)."""
        st = self.staff
        _, r = self._credited(slots, t0, t1)
        sat, sev = self._at_credited(slots, t0, t1, "satisfied", "severity")
        q = np.where(sat == 0, self.spec.true_value.unsatisfied_value, 1.0)
        value = np.bincount(r, self.sev_weight[sev] * q, minlength=len(slots))
        need = st.period["need"][slots]
        return np.where(need > 0, value / np.where(need > 0, need, 1.0), np.nan)

    def _closed(self, t0: float, t1: float) -> np.ndarray:
        tc = self._col("t_closed")
        return np.flatnonzero((tc >= t0) & (tc < t1))  # positions in the live columns

    def _row_of(self, slots: np.ndarray) -> np.ndarray:
        """Map agent unique_id -> row in ``slots`` (-1 for anyone else)."""
        st = self.staff
        uids = np.array([st.agents[k].unique_id for k in slots.tolist()], dtype=np.int64)
        top = max(int(uids.max()) if len(uids) else 0, int(self._col("resolver").max(initial=0))) + 1
        row = np.full(top + 1, -1, dtype=np.int64)
        row[uids] = np.arange(len(slots))
        row[-1] = -1  # resolver -1 (nobody) indexes the last entry
        return row

    # ---------------------------------------------------------------- consequences

    def _feed_back(self, cols: dict, perceived: np.ndarray, slots, x, w, t) -> None:
        """What the period's scores do next: overload feeds the resignation hazard; unless
        ``scoring.workers_respond`` is false, perceived unfairness (score percentile below the
        percentile of the work the worker sees: closures per expected incident) feeds it too
        and the effort model re-allocates hours and sets the gaming responses."""
        st = self.staff
        k = cols["scored"]
        shift = st.period["shift"][slots]
        st.overload[slots] = np.where(shift > 0, st.period["overtime"][slots] / np.where(shift > 0, shift, 1.0), 0.0)
        if not self.spec.workers_respond:
            return
        sc = k & np.isfinite(perceived)
        if sc.sum() >= 2:
            pct_tv = rank_share(perceived[sc])
            pct_s = rank_share(cols["score"][sc])
            st.unfairness[slots[sc]] = np.maximum(0.0, pct_tv - pct_s)
        self.effort.update(st, slots[k], x[k], w[k], t[k], self.spec.cap)

    # ---------------------------------------------------------------- summaries

    def table(self) -> pd.DataFrame:
        """Every closed period's rows (empty, with the columns, before the first closes)."""
        if self.rows:
            if self._table is None:  # one construction for all periods, not one per period
                joined = {c: _joined([r[c] for r in self.rows]) for c in self.rows[0]}
                self.rows = [joined]  # the closed periods' columns held once, shared with the table
                self._table = pd.DataFrame(joined, copy=False)
            return self._table.copy(deep=False)  # copy-on-write: the caller's changes stay its own
        cols = [
            "period",
            "day_start",
            "day_end",
            "agent",
            "slot",
            "kind",
            "team",
            "grid",
            "community_type",
            "scored",
            *METRICS,
            *(f"{h}_hours" for h in HOURS),
            "need",
            "score",
            "rank",
            "true_value",
            "depth",
        ]
        return pd.DataFrame(
            {
                c: pd.Series(dtype=bool if c == "scored" else object if c in ("kind", "community_type") else np.float64)
                for c in cols
            }
        )


def _joined(parts: list) -> np.ndarray | list:
    """One column over all periods: arrays joined, lists (of names) chained."""
    if isinstance(parts[0], list):
        return [v for p in parts for v in p]
    return np.concatenate(parts)


def rank_descending(x: np.ndarray) -> np.ndarray:
    """Rank 1 for the highest, ties sharing their best rank, NaN unranked (pandas'
    ``rank(ascending=False, method="min")``, without building a Series each scoring period)."""
    x = np.asarray(x, dtype=np.float64)
    out = np.full(len(x), np.nan)
    ok = ~np.isnan(x)
    v = -x[ok]
    out[ok] = np.searchsorted(np.sort(v), v, side="left") + 1.0
    return out


def rank_share(x: np.ndarray) -> np.ndarray:
    """Average rank over the count of ranked values, NaN unranked (pandas' ``rank(pct=True)``)."""
    x = np.asarray(x, dtype=np.float64)
    out = np.full(len(x), np.nan)
    ok = ~np.isnan(x)
    v = x[ok]
    out[ok] = _ranks_within(np.zeros(len(v), dtype=np.int64), v) / len(v)
    return out


def _share(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den`` as floats where ``den > 0``, else NaN (one ufunc call: a period makes a dozen)."""
    return np.divide(num, den, out=np.full(np.shape(den), np.nan), where=np.greater(den, 0), dtype=np.float64)


def validity(scores: pd.DataFrame, within: str | None = None) -> float | None:
    """Mean over periods (and over the groups of column ``within``, if given: e.g. community
    type) of the rank correlation of score and true value (scored workers).

    Every group at once: ranks within groups, then Pearson's r of the ranks from per-group sums
    (a group counts with at least 3 workers and more than one distinct score and true value).
    Groups are numbered in pandas' order (period, then ``within``), so the mean adds them in it."""
    rows, score, true = _rated(scores)
    key, _ = group_codes(scores["period"], rows)
    if within is not None:
        inner, names = group_codes(scores[within], rows)
        key = np.where(inner < 0, -1, key * len(names) + inner)  # a row whose key is missing belongs to no group
    keep = key >= 0
    rows, key = rows[keep], key[keep]
    if not len(rows):
        return None
    _, ids = np.unique(key, return_inverse=True)
    rs, rt = _ranks_within(ids, score[rows]), _ranks_within(ids, true[rows])
    k = int(ids.max()) + 1
    n = np.bincount(ids, minlength=k).astype(np.float64)
    ds = rs - (np.bincount(ids, rs, minlength=k) / np.maximum(n, 1))[ids]
    dt = rt - (np.bincount(ids, rt, minlength=k) / np.maximum(n, 1))[ids]
    ss, tt = np.bincount(ids, ds * ds, minlength=k), np.bincount(ids, dt * dt, minlength=k)
    ok = (n >= 3) & (ss > 0) & (tt > 0)  # equal ranks are exactly equal: no spread is exactly 0
    if not ok.any():
        return None
    r = np.bincount(ids, ds * dt, minlength=k)[ok] / np.sqrt(ss[ok] * tt[ok])
    return float(np.mean(np.clip(r, -1.0, 1.0)))


def _rated(scores: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The rows of ``scores`` that validity and the type gap read (scored workers with a finite
    score and true value), and the score and true-value columns."""
    score = scores["score"].to_numpy(dtype=np.float64)
    true = scores["true_value"].to_numpy(dtype=np.float64)
    return np.flatnonzero(scores["scored"].to_numpy(dtype=bool) & np.isfinite(true) & np.isfinite(score)), score, true


def group_codes(labels: pd.Series, rows: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Codes of ``labels`` at ``rows`` in pandas' group order (a categorical's category order,
    else sorted values), −1 where missing; and the label of each code."""
    if isinstance(labels.dtype, pd.CategoricalDtype):
        return labels.cat.codes.to_numpy()[rows].astype(np.int64), [str(c) for c in labels.cat.categories]
    values = labels.to_numpy()[rows]
    known = pd.notna(values)
    names, codes = np.unique(values[known], return_inverse=True)
    out = np.full(len(values), -1, dtype=np.int64)
    out[known] = codes
    return out, [str(n) for n in names]


def _ranks_within(ids: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Average ranks (1 = lowest, ties share their mean rank) of ``x`` within each group ``ids``:
    pandas' ``groupby(ids)[x].rank()``, by one sort."""
    if not len(x):
        return np.empty(0)
    order = np.lexsort((x, ids))
    g, v = ids[order], x[order]
    run = np.r_[True, (g[1:] != g[:-1]) | (v[1:] != v[:-1])]  # each run of equal values in a group
    starts = np.flatnonzero(run)
    ends = np.r_[starts[1:], len(v)]
    first = np.maximum.accumulate(np.where(np.r_[True, g[1:] != g[:-1]], np.arange(len(g)), 0))
    which = np.cumsum(run) - 1
    out = np.empty(len(x))
    out[order] = (starts[which] + 1 + ends[which]) / 2.0 - first
    return out


def gap_by_type(scores: pd.DataFrame) -> dict[str, float]:
    """Score difference of each community type from the first, at equal true value (OLS)."""
    rows, score, true = _rated(scores)
    if not len(rows):
        return {}
    kind = scores["community_type"].to_numpy()[rows]
    types = list(pd.unique(kind))  # in order of appearance
    cols = [np.ones(len(rows)), true[rows]] + [(kind == ty).astype(float) for ty in types[1:]]
    beta, *_ = np.linalg.lstsq(np.column_stack(cols), score[rows], rcond=None)
    return {types[0]: 0.0} | {ty: float(b) for ty, b in zip(types[1:], beta[2:], strict=True)}
