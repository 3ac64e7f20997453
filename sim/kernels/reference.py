"""The numpy reference of every daily kernel: the definition the compiled twins in
``sim.kernels._kernels`` are held to, value for value and draw for draw.

Each function takes what it uses (arrays, rosters, rates) and has its compiled twin's
signature, so ``sim.kernels`` can export one or the other under one name. This is what runs
with ``GRIDSIM_PURE=1`` or where nothing was compiled; it is kept readable, not fast.
"""

from __future__ import annotations

import math

import numpy as np

REPORT, HOTLINE, PATROL = 0, 1, 2  # surfacing channels (sim.world.surfacing)


# ---------------------------------------------------------------- arrivals (sim.world.arrivals)


def arrivals_day(
    rng: np.random.Generator,
    daily_rate: np.ndarray,
    category_multiplier: np.ndarray | None,
    month_factor: float,
    monthly: bool,
    first: np.ndarray,
    households: np.ndarray,
    sev_cut: np.ndarray,
    d: int,
    hourly: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """A day's new incidents: Poisson counts per grid × category (``daily_rate``, times a
    campaign's ``category_multiplier`` and, when ``monthly``, the month's factor), then each
    one's time, household and severity, sorted by time (stable). An ``hourly`` profile (the
    compiled twin has none) draws each time's hour first."""
    n_cats = daily_rate.shape[1]
    rate = daily_rate
    if category_multiplier is not None:
        rate = rate * category_multiplier[None, :]
    if monthly:
        rate = rate * month_factor
    counts = rng.poisson(rate).ravel()
    n = int(counts.sum())
    cell = np.repeat(np.arange(counts.size), counts)
    grid = cell // n_cats
    cat = cell % n_cats
    if hourly is None:
        t = 24.0 * (d + rng.random(n))
    else:
        t = 24.0 * d + rng.choice(24, size=n, p=hourly) + rng.random(n)
    household = first[grid] + (rng.random(n) * households[grid]).astype(np.int64)
    u = rng.random(n)
    cut = sev_cut[cat]
    sev = (u >= cut[:, 0]).astype(np.int64) + (u >= cut[:, 1])
    order = np.argsort(t, kind="stable")
    return {
        "t_occurred": t[order],
        "grid": grid[order],
        "category": cat[order],
        "household": household[order],
        "severity": sev[order],
    }


# ---------------------------------------------------------------- surfacing (sim.world.surfacing)


class SurfacingKernel:
    """Surfacing and acceptance plans of a day's new incidents, given their draws.

    ``rates`` holds the per-category and resident rates (a ``sim.world.surfacing.Surfacing``:
    propensity, delay, discover, worsen, absorbable, absorbs, police_cat, willingness,
    dispatch, accept_delay); ``grid_type`` is each grid's community type; patrols find cases
    on the ``patrol_roster``'s duty hours and responders accept them on the ``responder_roster``'s.
    """

    def __init__(self, rates, grid_type: np.ndarray, patrol_roster, responder_roster):
        self.rates = rates
        self.grid_type = grid_type
        self.patrol_roster = patrol_roster
        self.responder_roster = responder_roster

    def plan(
        self,
        cat,
        grid,
        h,
        t0,
        sev,
        u_rep,
        u_chan,
        u_abs,
        e_rep,
        e_pat,
        e_wor,
        trust,
        awareness,
        patrol,
        t_surfaced,
        t_worsened,
        channel,
        absorbed,
        t_acc,
    ) -> None:
        """Fills the five output columns; ``sev`` (a copy) is raised where the case worsens."""
        r = self.rates
        willing = u_rep < r.propensity[cat] * (r.willingness + (1.0 - r.willingness) * trust[h])
        t_rep = np.where(willing, t0 + e_rep * r.delay[cat], np.inf)

        hazard = r.discover[cat] * patrol[grid]
        with np.errstate(divide="ignore", over="ignore"):  # tiny hazard: never (inf)
            t_pat = np.where(hazard > 0, t0 + e_pat / hazard, np.inf)
        t_pat = self.patrol_roster.next_on_array(t_pat)

        wrate = r.worsen[cat]
        with np.errstate(divide="ignore", over="ignore"):  # tiny hazard: never (inf)
            t_wor = np.where((wrate > 0) & (sev < 2), t0 + e_wor / wrate, np.inf)
        worse = t_wor < np.minimum(t_rep, t_pat)
        sev[worse] += 1
        t_rep = np.where(worse, np.minimum(t_rep, t_wor + e_rep * r.delay[cat]), t_rep)

        t_surf = np.minimum(t_rep, t_pat)
        ch = np.where(t_pat < t_rep, PATROL, np.where(u_chan < awareness[h], REPORT, HOTLINE))
        ab = r.absorbable[cat] & (u_abs < r.absorbs[self.grid_type[grid]])

        # acceptance: patrol finds it in person; otherwise next duty hour (urgent: at once)
        t_in = np.where(ch == HOTLINE, t_surf + r.dispatch, t_surf)
        on_duty = self.responder_roster.next_on_array(np.where(np.isfinite(t_in), t_in, 0.0))
        immediate = (sev == 2) | ab | r.police_cat[cat]
        ta = np.where(immediate, t_in, on_duty) + r.accept_delay
        ta = np.where(ch == PATROL, t_surf, ta)
        ta[~np.isfinite(t_surf)] = np.inf
        t_surfaced[:] = np.where(np.isfinite(t_surf), t_surf, np.nan)
        t_worsened[:] = np.where(worse, t_wor, np.nan)
        channel[:] = ch
        absorbed[:] = ab
        t_acc[:] = ta


# ---------------------------------------------------------------- occurrence (sim.world.occurrence)


class OccurrenceKernel:
    """A day's new incidents: the arrivals (``arrivals_day``), their surfacing plans and every per-case
    draw, stream by stream in a fixed order (common random numbers): ``behaviour`` three uniforms
    then three exponentials a case, ``feedback`` three uniforms, ``handling`` the family's
    multipliers then a uniform a case and level.

    ``arrivals`` is a ``sim.world.arrivals.ArrivalProcess`` (its stream, rates and profiles),
    ``surfacing`` a ``sim.world.surfacing.Surfacing`` (its rates and ``SurfacingKernel``),
    ``handling`` the handling family (n -> n × ``n_levels`` multipliers drawn from ``handling_rng``;
    ``exponential``: they are its standard exponentials, which the compiled twin draws itself).
    Patrol intensity is asked for only where some category is discoverable: elsewhere no
    patrol finds anything whatever its effort (a zero hazard), and zeros stand in.
    """

    def __init__(self, arrivals, surfacing, behaviour, feedback, handling, handling_rng, n_levels, exponential):
        self.arrivals, self.surfacing = arrivals, surfacing.kernel
        self.patrols_find = bool((np.asarray(surfacing.discover) > 0).any())
        self.behaviour, self.feedback = behaviour, feedback
        self.handling, self.handling_rng, self.n_levels = handling, handling_rng, n_levels

    def day(
        self, d, month_factor, monthly, category_multiplier, trust, awareness, patrol_intensity
    ) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """Day ``d``'s incidents as the incident log's columns (by name) and their planned acceptance
        times; ``patrol_intensity()`` (per grid) is asked only when some incident occurred."""
        a = self.arrivals
        new = arrivals_day(
            a.rng, a.daily_rate, category_multiplier, month_factor, monthly, a.first, a.households, a.sev_cut, d,
            hourly=a.hourly,
        )  # fmt: skip
        n = len(new["category"])
        if not n:
            return {}, np.empty(0)
        new["severity_initial"] = sev0 = new["severity"]
        new["severity"] = sev = sev0.copy()  # raised where the case worsens unseen
        u_rep, u_chan, u_abs = self.behaviour.random((3, n))  # the same draws as three calls of n each
        e_rep, e_pat, e_wor = self.behaviour.standard_exponential((3, n))
        for name, dtype in _PLAN_COLUMNS:
            new[name] = np.empty(n, dtype)
        t_acc = np.empty(n)
        self.surfacing.plan(
            new["category"], new["grid"], new["household"], new["t_occurred"], sev,
            u_rep, u_chan, u_abs, e_rep, e_pat, e_wor, trust, awareness,
            patrol_intensity() if self.patrols_find else np.zeros(len(a.daily_rate)),
            new["t_surfaced"], new["t_worsened"], new["channel"], new["absorbed"], t_acc,
        )  # fmt: skip
        new["u_feedback"], new["u_reopen"], new["u_visit"] = self.feedback.random((3, n))
        new["work"] = self.handling(n)  # the handling family draws first, then the solve draws
        new["u_solve"] = self.handling_rng.random(n * self.n_levels)
        return new, t_acc


_PLAN_COLUMNS = (("t_surfaced", np.float64), ("t_worsened", np.float64), ("channel", np.int64), ("absorbed", np.int64))
"""The columns a surfacing plan fills."""


# ---------------------------------------------------------------- the day close (sim.workforce.workday)


def hour_accounts(
    s,
    working,
    on_buf,
    now,
    busy,
    since,
    current,
    block,
    free_at,
    busy_mark,
    block_mark,
    kind,
    rostered_by_kind,
    shares,
    campaign_part,
    team,
    left,
    team_need,
    n_team,
    discretionary,
    full_day,
    log_threshold,
    rows,
) -> None:
    """The day's hour accounts of the people in slots ``s`` (``working`` ⊆ s were on the job)
    up to the random draws: fills ``rows`` (HOURS + TALLIES × people of
    ``sim.workforce.staffing``) except the visits made and records (rows 9, 10), and moves
    the running marks on. ``on_buf`` (one per slot) and ``n_team`` (one per team) are the
    compiled twin's scratch, unused here."""
    busy = busy + np.where(current >= 0, now - since, 0.0)  # work in hand counts up to now
    block = block - np.maximum(free_at - now, 0.0)  # a block running past midnight counts up to now
    cases, nonc = busy - busy_mark[s], block - block_mark[s]
    busy_mark[s], block_mark[s] = busy, block
    on = np.zeros(len(on_buf), dtype=bool)
    on[working] = True
    on = on[s]
    rostered = rostered_by_kind[kind[s]]
    shift = np.where(on, rostered, 0.0)
    used = cases + nonc
    free = np.maximum(shift - used, 0.0)
    plan = discretionary * shift / full_day if full_day else 0.0 * shift
    disc = np.minimum(plan, free)
    act = disc[:, None] * shares[s]
    camp = nonc * campaign_part[s]
    n_on = np.bincount(team[s][on], minlength=len(team_need)).astype(np.float64)
    rows[0], rows[1], rows[2], rows[3] = shift, cases, nonc - camp, camp  # shift, cases, overhead, campaign
    rows[4:7] = act.T  # patrol, visits, entry
    rows[7], rows[8] = free - disc, np.maximum(used - shift, 0.0)  # idle, overtime
    rows[11] = shift > 0  # present_days
    rows[12] = rostered > 0  # duty_days
    rows[13] = (rows[6] >= log_threshold) & (shift > 0)  # log_days
    rows[14] = ~on & (left[s] < 0)  # absent_days
    rows[15] = np.where(on, team_need[team[s]] / np.maximum(n_on[team[s]], 1.0), 0.0)  # need


def visits_and_records(
    rng,
    rows,
    s,
    per_visit_hour,
    per_entry_hour,
    success,
    post,
    team,
    post_grid,
    team_first,
    totals,
    periods,
    grid,
    visits,
    records_per_grid,
) -> None:
    """The rest of the day close: each person's home grid (a stand-in's: the first grid of
    their team), the day's visit attempts (Poisson in the visit hours), successful visits
    (binomial in the grid's access), records (Poisson in the entry hours), drawn in that
    order; then every account row added to the running ``totals`` and ``periods``.
    Fills ``grid``, ``visits``, rows 9 and 10, and adds to ``records_per_grid``."""
    p = post[s]
    grid[:] = np.where(p >= 0, post_grid[np.maximum(p, 0)], team_first[np.maximum(team[s], 0)])
    attempts = rng.poisson(rows[5] * per_visit_hour)
    visits[:] = 0
    tried = np.flatnonzero(attempts)
    visits[tried] = rng.binomial(attempts[tried], success[grid[tried]])
    rows[10] = rng.poisson(rows[6] * per_entry_hour)
    rows[9] = visits
    records_per_grid += np.bincount(grid, rows[10], minlength=len(records_per_grid))
    if len(s) and s[-1] - s[0] + 1 == len(s):  # a run of slots: add in place
        s = slice(int(s[0]), int(s[-1]) + 1)
    totals[:, s] += rows
    periods[:, s] += rows


class DayClose:
    """The workers' midnight close: ``hour_accounts`` then ``visits_and_records`` on the staff's
    columns, bound once (``bind``, again whenever they are replaced) so a day passes only what
    changes; ``fields`` is the day's buffer of the workers' hour fields, filled by the caller."""

    def __init__(
        self, rosters, discretionary, full_day, log_threshold, per_visit_hour, per_entry_hour, success, post_grid,
        team_first, rng, names,
    ):  # fmt: skip
        self.rosters, self.rng, self.names = list(rosters), rng, tuple(names)
        self.discretionary, self.full_day, self.log_threshold = discretionary, full_day, log_threshold
        self.per_visit_hour, self.per_entry_hour = per_visit_hour, per_entry_hour
        self.success, self.post_grid, self.team_first = success, post_grid, team_first
        self.n = -1
        self.bound: tuple = ()
        self._s: np.ndarray | None = None
        self.hours = self.rows = self.grid = self.visits = np.empty(0)

    def bind(self, kind, shares, team, left, post, busy_mark, block_mark, campaign_part, totals, periods) -> None:
        """Bind the columns of every slot: staff kind, activity shares (slots × 3), team, day left,
        post, the running busy and block marks, today's campaign part, and the account totals and
        period (16 × slots). Call again whenever one of them is replaced."""
        self.bound = (kind, shares, team, left, post, busy_mark, block_mark, campaign_part, totals, periods)
        self.on_buf = np.zeros(len(kind), np.uint8)

    def fields(self, n: int) -> np.ndarray:
        """The buffer (5 × ``n``) for the hour fields of the ``n`` people closed next (rows of
        ``sim.core.workers.HOUR_FIELDS``); the day's buffers are kept while ``n`` stays the same."""
        if n != self.n:  # (every entry of these is written before it is read)
            self.hours, self.rows = np.empty((5, n)), np.empty((16, n))
            self.grid, self.visits = np.empty(n, np.int64), np.empty(n, np.int64)
            self.n = n
        return self.hours

    def accounts(self, s, working, now, team_need) -> np.ndarray:
        """The day's hour accounts of slots ``s`` (``working`` ⊆ s were on the job), from the hour
        fields in ``fields(len(s))``: ``hour_accounts``; returns the account rows."""
        if len(s) != self.n:
            raise ValueError("DayClose.accounts: fields(len(s)) was not filled for these people")
        kind, shares, team, left, _post, busy_mark, block_mark, campaign_part, _, _ = self.bound
        rostered = np.array([r.on_hours(now - 24.0, now) for r in self.rosters])
        busy, since, current, block, free_at = self.hours
        hour_accounts(
            s, working, self.on_buf, now, busy, since, current, block, free_at, busy_mark, block_mark, kind, rostered,
            shares, campaign_part, team, left, team_need, None, self.discretionary, self.full_day, self.log_threshold,
            self.rows,
        )  # fmt: skip
        self._s = s
        return self.rows

    def draws(self) -> tuple[np.ndarray, dict[str, float]]:
        """The rest of the close of the people last accounted: ``visits_and_records``. Returns the
        records per grid and the day's total of each of the first rows, by ``names``."""
        if self._s is None:
            raise RuntimeError("DayClose.draws: no accounts to draw for (call accounts first)")
        s, self._s = self._s, None
        _, _, team, _, post, _, _, _, totals, periods = self.bound
        records = np.zeros(len(self.success))
        visits_and_records(
            self.rng, self.rows, s, self.per_visit_hour, self.per_entry_hour, self.success, post, team,
            self.post_grid, self.team_first, totals, periods, self.grid, self.visits, records,
        )  # fmt: skip
        sums = np.add.reduce(self.rows[: len(self.names)], 1).tolist()  # (ndarray.sum)
        return records, dict(zip(self.names, sums, strict=True))


def row_sums(rows, k) -> list[float]:
    """The first ``k`` rows' sums (the compiled twin's pairwise sum is checked against these)."""
    return np.add.reduce(rows[:k], 1).tolist()


# ---------------------------------------------------------------- risk grades (sim.world.risk)


def risk_grades(t_surfaced, t_accepted, grid, first, start, now, households, red, yellow, level):
    """Re-grade the grids: the first incident from ``first`` not surfaced before ``start`` (ids
    follow occurrence and surfacing never precedes it, so every earlier one is out of this and
    any later window), and each grid's grade (0 green, 1 yellow, 2 red: ``sim.world.risk``) from the incidents
    surfaced and accepted in [start, now) per 100 ``households``. Returns that first incident and
    the grades: ``level`` itself where none changed, else a new read-only array."""
    n = len(t_surfaced)
    while first < n:  # a chunk at a time
        late = np.flatnonzero(~(t_surfaced[first : first + 4096] < start))  # (NaN counts as late)
        if len(late):
            first += int(late[0])
            break
        first = min(first + 4096, n)
    t, acc = t_surfaced[first:n], t_accepted[first:n]
    seen = (t >= start) & (t < now) & ~np.isnan(acc)
    with np.errstate(divide="ignore", invalid="ignore"):  # an empty grid: x/0 grades red, 0/0 green
        rate = np.bincount(grid[first:n][seen], minlength=len(households)) * 100.0 / households
    new = np.where(rate >= red, 2, np.where(rate >= yellow, 1, 0)).astype(np.int64)
    if np.array_equal(new, level):
        return first, level
    new.flags.writeable = False
    return first, new


# ---------------------------------------------------------------- turnover (sim.workforce.turnover)


def quiet_day(u, holder, applies, at_work, overload, unfairness, p_retire, p_maternity, p_sick, resign, a, b) -> bool:
    """True when no draw today can start an exit or a leave (most days): over the posts whose
    holder is at work, each kind's smallest draw (``u``: retire, resign, maternity, sick) is
    above its chance, the resignation chance bounded by the highest hazard (1 − e^−x ≤ x;
    hazards rise with overload and unfairness, both ≥ 0). A bound: never a false True."""
    ok = (holder >= 0) & applies.astype(bool)
    ok[ok] = at_work[holder[ok]].astype(bool)
    if not ok.any():
        return True
    s = holder[ok]
    lo = u[ok, :4].min(axis=0).tolist()
    if lo[0] < p_retire or lo[2] < p_maternity or lo[3] < p_sick:
        return False
    top = resign * math.exp(min(700.0, a * float(overload[s].max()) + b * float(unfairness[s].max())))
    return lo[1] >= top / 365.0 * (1.0 + 1e-9)


# ---------------------------------------------------------------- duty rosters (sim.workforce.shifts)


def roster_twin(roster):
    """The twin the desks ask about duty hours: here the roster itself
    (``sim.workforce.shifts.Roster`` answers everything its compiled twin does)."""
    return roster


# ---------------------------------------------------------------- the incident log (sim.core.incidents)


class ColumnAppends:
    """``IncidentLog.extend``'s writes, bound to the log's buffers — each ``(buffer, name, numpy
    type, default, width)`` of ``columns`` — until they grow (the compiled twin keeps their
    addresses): a call puts, in the rows of incidents ``n0 .. n0 + k`` (``width`` rows an
    incident), the caller's array ``values[name]`` or copies of its default."""

    def __init__(self, columns: list):
        self.columns = list(columns)

    def __call__(self, values: dict, n0: int, k: int) -> None:
        """Append incidents ``n0 .. n0 + k``; the buffers have room for them."""
        for a, name, _dtype, fill, width in self.columns:
            lo, hi = n0 * width, (n0 + k) * width
            if hi > len(a):
                raise ValueError(f"IncidentLog.extend: no room in column {name!r}")
            v = values.get(name)
            if v is None:
                if fill is None:
                    raise KeyError(f"IncidentLog.extend: the draws {name!r} are missing")
                a[lo:hi] = fill
            else:
                v = np.asarray(v)
                if v.size != hi - lo:
                    raise ValueError(f"IncidentLog.extend: column {name!r} has {v.size} values, not {hi - lo}")
                a[lo:hi] = v.reshape(-1)


# ---------------------------------------------------------------- the daily record (sim.daily)


def count_days(hours: np.ndarray, counts: np.ndarray, end: float) -> int:
    """One more in ``counts[h // 24]`` for each hour ``h`` before ``end`` (NaN: never), and 0;
    where some such day is past ``counts``, nothing added and the number of days they need."""
    h = hours[hours < end]
    if (h < 0.0).any():
        raise ValueError(f"count_days: an hour before day 0 ({h.min()})")
    days = (h // 24.0).astype(np.int64)
    need = int(days.max()) + 1 if len(days) else 0
    if need > len(counts):
        return need
    np.add.at(counts, days, 1)
    return 0
