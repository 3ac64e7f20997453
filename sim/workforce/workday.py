"""A grid worker's working day (工作日): overhead first, cases always, discretionary work
in the time left, and an hour account that balances every day.

At the start of each shift a worker does the day's *overhead* — extra departmental duties,
logins to the many platforms, meetings (seed 004) — and any *campaign* work, as a block
during which cases wait (a worker busy on a case does it afterwards). Cases are taken
whenever the worker is free and on duty. The *discretionary* hours the worker planned
(``effort.discretionary_hours_per_day``, split into patrol, door-to-door visits and
information entry by the worker's current shares, see ``sim.workforce.effort``) are done in the duty
time that cases and overhead leave free. At the end of the day, per worker:

    shift + overtime = cases + overhead + campaign + patrol + visits + entry + idle

where overtime is the part of cases + overhead + campaign beyond the shift. Patrol hours
drive tomorrow's discovery hazard; visits meet households (awareness, trust); records
verify the register.
"""

from __future__ import annotations

import numpy as np

from sim import kernels
from sim.core.desks import start_blocks
from sim.core.workers import HOUR_FIELDS, hour_fields
from sim.scenario.schema import ACTIVITIES, KINDS, Scenario
from sim.workforce.staffing import HOURS, KIND_CODE, TALLIES

PATROL, VISITS, ENTRY = (ACTIVITIES.index(a) for a in ("patrol", "visits", "entry"))
_ROW_PATROL = HOURS.index("patrol")
# the day close (sim.kernels.DayClose) numbers the hour fields and account rows as these do
assert HOURS[4:7] == ACTIVITIES and TALLIES[:2] == ("visits_made", "records") and len(HOURS) == 9
assert len(HOUR_FIELDS) == 5 and len(HOURS) + len(TALLIES) == 16


class WorkDay:
    """Plans each day's non-case work and closes each day's hour accounts."""

    def __init__(self, sc: Scenario, model):
        self.model = model
        self.staff = model.staff
        self.clock = model.clock
        self.rng = model.streams["activity"]
        ov, ef = sc.overhead, sc.effort
        self.overhead_kind = np.zeros(len(KIND_CODE) + 1, dtype=bool)
        self.overhead_kind[[KIND_CODE[k] for k in ov.kinds]] = True
        self.discretionary = ef.discretionary_hours_per_day
        full = model.full_time_roster
        self.full_day = full.hours_per_week / max(full.days_per_week, 1)
        self.productivity = np.array([ef.productivity.get(a, 0.0) for a in ACTIVITIES])
        types = list(sc.community_types.values())
        self.success = 1.0 - np.array([t.access_difficulty for t in types])[model.world.grid_type]
        self.log_hours = sc.scoring.log_minutes_per_day / 60.0
        self.visit_awareness, self.visit_trust = ef.visit_awareness_gain, ef.visit_trust_gain
        respond = sc.scoring.workers_respond  # responses to the score (sim.workforce.effort), off at 0
        self.withdrawal = ef.fairness_withdrawal if respond else 0.0
        self.padding_speed = ef.gaming.padding_speed if respond and ef.gaming.padding > 0 else 0.0
        self.rosters = [model.kind_roster[k] for k in KINDS]  # a worker's roster follows their kind
        self.overhead_hours = np.array([ov.hours_per_day(r.days_per_week) for r in self.rosters])
        if ov.per_shift_hour and full.hours_per_week > 0:  # the full-timer's weekly overhead per hour on shift
            per_hour = ov.hours_per_day(full.days_per_week) * full.days_per_week / full.hours_per_week
            ours = [r.hours_per_week / max(r.days_per_week, 1) for r in self.rosters]  # shift hours a day
            self.overhead_hours = np.array(
                [
                    o if r is full or r.hours_per_week >= full.hours_per_week else per_hour * h
                    for o, r, h in zip(self.overhead_hours, self.rosters, ours, strict=True)
                ]
            )
        # no kind of worker owes overhead: a day without a campaign schedules no block at all
        self._no_overhead = not (np.where(self.overhead_kind[: len(self.rosters)], self.overhead_hours, 0.0) > 0).any()
        self.rosters = [r.twin for r in self.rosters]  # the compiled twins where they run (same hours)
        self.campaign_part = np.zeros(0)  # share of today's block that is campaign work
        self._parts_zero = True  # no campaign part set yet: every slot's is 0
        self.busy_mark = np.zeros(0)
        self.block_mark = np.zeros(0)
        self.today: dict[str, float] = {}
        plan = model.plan  # the day close, with the staff's columns bound by ``_fit``
        self.day_close = kernels.DayClose(
            self.rosters, self.discretionary, self.full_day, self.log_hours - 1e-9, self.productivity[VISITS],
            self.productivity[ENTRY], self.success, plan.post_grid, plan.team_first, self.rng, HOURS,
        )  # fmt: skip
        # no discretionary hours or no productivity at visits: every visit draw's mean is 0, so no
        # visit is ever made and nobody is met
        self._no_visits = not (self.discretionary > 0 and self.productivity[VISITS] > 0)
        self._no_records = not (self.discretionary > 0 and self.productivity[ENTRY] > 0)  # (nor padded ones)
        self._nobody = np.empty(0, np.int64)

    # ---------------------------------------------------------------- morning

    def begin_day(self, d: int, working: np.ndarray, campaign_hours: float) -> None:
        """Schedule each working person's overhead and campaign block at their shift start
        (one calendar event per distinct start time; rosters follow the kind of worker)."""
        st = self.staff
        self._fit(st.cap)
        if self._no_overhead and not campaign_hours > 0:  # (what the steps below come to then)
            if not self._parts_zero:  # (else every part is 0 already)
                self.campaign_part[working] = 0.0
            return
        self._parts_zero = False
        t0 = 24.0 * d
        n_kinds = len(self.rosters)  # everything below is per kind of worker, then looked up
        start = np.array([r.next_on(t0) for r in self.rosters])
        hours = np.where(self.overhead_kind[:n_kinds], self.overhead_hours, 0.0) + campaign_hours
        hours[start >= t0 + 24.0] = 0.0  # not on duty today
        part = np.divide(campaign_hours, hours, out=np.zeros_like(hours), where=hours > 0)
        kind = st.kind[working]
        self.campaign_part[working] = part[kind]
        due = hours[kind] > 0
        who, kind = working[due], kind[due]
        when, length = start[kind], hours[kind]
        for t in sorted(set(start[np.bincount(kind, minlength=n_kinds) > 0].tolist())):
            at = when == t
            self.clock.at(t, self._blocks, (who[at], length[at]))

    def _blocks(self, arg: tuple) -> None:
        """Shift start: each person (staff slots, hours) begins the day's block (after the case
        in hand, if any). A slot's person never changes (slots are only added)."""
        start_blocks(self.staff.agents, *arg, self.clock.now)

    def _fit(self, cap: int) -> None:
        """Grow the per-slot arrays to the staff's ``cap`` slots and bind the day close to them
        (the staff's columns are replaced exactly when they grow)."""
        if len(self.busy_mark) < cap:
            for name in ("campaign_part", "busy_mark", "block_mark"):
                old = getattr(self, name)
                new = np.zeros(cap, dtype=old.dtype)
                new[: len(old)] = old
                setattr(self, name, new)
            st = self.staff
            self.day_close.bind(
                st.kind, st.shares, st.team, st.left, st.post, self.busy_mark, self.block_mark, self.campaign_part,
                st.totals, st.periods,
            )  # fmt: skip

    # ---------------------------------------------------------------- evening

    def end_day(
        self, d: int, accounted: np.ndarray, working: np.ndarray, team_need: np.ndarray, n_grids: int
    ) -> dict[str, np.ndarray]:
        """Close the day's accounts of ``accounted`` people (``working`` ⊆ accounted were on
        the job). Returns per-grid patrol hours, records (None where nobody can enter one) and
        the households visited.

        The day close (``sim.kernels.DayClose``): the workers' hour fields, the accounts, then
        visits and records drawn and every row added to the totals."""
        st, now = self.staff, self.clock.now
        self._fit(st.cap)
        s, close = accounted, self.day_close
        hour_fields(st.agents, s, close.fields(len(s)))
        rows = close.accounts(s, working, now, team_need)
        if self.withdrawal > 0:  # unfairly scored workers hold back discretionary hours: idle instead
            held = rows[4:7] * (self.withdrawal * st.unfairness[s])
            rows[4:7] -= held
            rows[7] += held.sum(axis=0)
        records, self.today = close.draws()
        if self.padding_speed > 0:
            self._pad(rows, s, close.grid, records)
        visited = self._nobody if self._no_visits else np.repeat(close.grid, close.visits)
        return {"patrol": rows[_ROW_PATROL], "records": None if self._no_records else records, "visited": visited}

    def _pad(self, rows: np.ndarray, s: np.ndarray, grid: np.ndarray, records: np.ndarray) -> None:
        """Padding (gaming): a share ``staff.padding`` of each worker's entry hours produces padded
        records (``padding_speed`` times as many an hour) that count but verify no register entry;
        the verified records are thinned to the rest of the hours."""
        st = self.staff
        pi = st.padding[s]
        real = rows[len(HOURS) + 1].astype(np.int64)
        kept = self.rng.binomial(real, 1.0 - pi)
        padded = self.rng.poisson(pi * rows[ENTRY + 4] * self.productivity[ENTRY] * self.padding_speed)
        delta = kept + padded - real
        for acc in (st.totals, st.periods):
            acc[len(HOURS) + 1, s] += delta
        st.padded[s] += padded
        np.subtract.at(records, grid, real - kept)

    def meet_households(self, residents, visited_grids: np.ndarray, first: np.ndarray, households: np.ndarray) -> None:
        """Each successful visit meets a random household of the grid: awareness and trust rise."""
        if not len(visited_grids):
            return
        h = first[visited_grids] + (self.rng.random(len(visited_grids)) * households[visited_grids]).astype(np.int64)
        aw, tr = residents.awareness, residents.trust  # numpy views of the columns
        aw[h] += self.visit_awareness * (1.0 - aw[h])
        tr[h] += self.visit_trust * (1.0 - tr[h])
