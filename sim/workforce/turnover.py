"""Absence and turnover (人员流动): sick leave, maternity, resignation, retirement, refill.

Each day, for every post whose holder is at work, one row of uniform draws decides (in
this order) retirement, resignation, maternity leave and sick leave. The resignation
hazard rises with sustained overload (overtime as a share of shift hours last scoring
period) and with perceived unfairness (how far the worker's score percentile falls below
the percentile of the work they see of their own, closures per expected incident; zero when
``scoring.workers_respond`` is false, see ``sim.workforce.scoring``):

    hazard/year = resign_per_year × exp(resign_overload × overload + resign_unfairness × unfairness)

A post left by an exit stays vacant until the recruit arrives (``recruit_days_mean``,
exponential). What happens meanwhile is the refill (补员) policy (``turnover.refill``:
``wait`` / ``borrow`` / ``reserve``), and a team with nobody present hands its cases to the
desk its cover policy names (``turnover.cover``: ``neighbour`` / ``community``); both are
registered policies in ``sim.policies.vacancy``.
"""

from __future__ import annotations

import numpy as np

from sim import kernels
from sim.core.desks import staffed
from sim.scenario.schema import Turnover as TurnoverSpec
from sim.workforce.staffing import KIND_CODE

EXIT_REASONS = ("resigned", "retired")
RESIGNED, RETIRED = 0, 1


class Turnover:
    """Who is at work today; absences, exits, recruits, stand-ins and vacancy cover."""

    def __init__(self, spec: TurnoverSpec, ctx, hiring, refill, cover):
        """``ctx``: the model's context (``staff``, ``plan``, ``world``, ``desks``, ``log``,
        ``streams``); ``hiring``: who hires a recruit into a post; ``refill`` and ``cover``: the
        vacancy policies (``sim.policies.vacancy``)."""
        self.spec = spec
        self.staff = ctx.staff
        plan = ctx.plan
        self.plan = plan
        self.world, self.log = ctx.world, ctx.log
        self.teams = ctx.desks[0]  # the grid teams' desks
        self.hiring = hiring
        self.refill, self.cover = refill, cover
        self.rng = ctx.streams["workforce"]
        n_posts = plan.n_posts
        self.holder = np.full(n_posts, -1, dtype=np.int64)  # slot holding each post
        self.standin = np.full(n_posts, -1, dtype=np.int64)
        self.recruit_day = np.full(n_posts, -1, dtype=np.int64)
        self.vacant_days = np.zeros(n_posts)
        self.applies = np.isin(plan.post_kind, [KIND_CODE[k] for k in self.spec.kinds])
        self._applies_u8 = self.applies.astype(np.uint8)
        self.at_work = np.zeros(0, dtype=bool)
        self.pool: list[list[int]] = [[] for _ in range(len(plan.reserve))]  # free reserve slots per street
        self.exits = np.zeros(len(EXIT_REASONS), dtype=np.int64)
        self.cover_of = np.full(len(plan.team_grids), -1, dtype=np.int64)  # cover team per vacant team
        self.cover_log: list[tuple[float, int, int]] = []  # (time, vacant team's desk id, cover desk id)
        self._covered: list[int] = []  # teams given a cover at the last recover
        # the next day anyone is back from leave / a recruit starts (the days between look at nobody)
        self._next_back, self._next_recruit = 0, 0
        self._working: tuple = (-1, -1, np.empty(0, np.int64))  # (staff.moves, staff.n, slots at work)
        self._vacant: tuple = (-1, np.zeros(0, dtype=bool), 0)  # (staff.moves, vacant posts, their count)

    # ---------------------------------------------------------------- bookkeeping

    def _fit(self) -> None:
        cap = self.staff.cap
        if len(self.at_work) < cap:
            a = np.zeros(cap, dtype=bool)
            a[: len(self.at_work)] = self.at_work
            self.at_work = a

    def staff_up(self) -> None:
        """Day 0: fill every post, and the streets' reserve pools."""
        for p in range(self.plan.n_posts):
            self.fill(p, self.hiring.hire(p, 0))
        for street, n in enumerate(self.plan.reserve.tolist()):
            for _ in range(n):  # the pool waits at the street until sent to a vacant post
                self.add_reserve(street, self.hiring.hire_reserve(street))

    def fill(self, post: int, slot: int) -> None:
        """Record that ``slot`` holds ``post`` and is at work (used when hiring)."""
        self._fit()
        self.holder[post] = slot
        self.at_work[slot] = True
        self.staff.moves += 1

    def add_reserve(self, street: int, slot: int) -> None:
        """Put reserve ``slot`` into the pool of ``street``, free to be sent to a vacant post."""
        self._fit()
        self.pool[street].append(slot)

    def working(self) -> np.ndarray:
        """Slots on the job today (holders not absent, and stand-ins): read-only, the same array
        until someone moves (``staff.moves``)."""
        st = self.staff
        moves, n, slots = self._working
        if moves != st.moves or n != st.n:
            slots = np.flatnonzero(self.at_work[: st.n])
            slots.flags.writeable = False
            self._working = (st.moves, st.n, slots)
        return slots

    def vacant(self) -> tuple[np.ndarray, int]:
        """Posts with neither holder nor stand-in (read-only), and how many (worked out again
        only when someone has moved)."""
        if self._vacant[0] != self.staff.moves:
            mask = (self.holder < 0) & (self.standin < 0)
            mask.flags.writeable = False
            self._vacant = (self.staff.moves, mask, int(np.count_nonzero(mask)))
        return self._vacant[1], self._vacant[2]

    # ---------------------------------------------------------------- the day

    def start_of_day(self, d: int) -> None:
        """Returns from leave, recruits arriving, then today's absences and exits."""
        st = self.staff
        now = 24.0 * d
        self._fit()
        changed = False
        if d >= self._next_back:  # (leaves end only on days set by _draw)
            away = st.absent_until[: st.n]
            for s in (away == d).nonzero()[0].tolist():  # back from leave
                if st.left[s] < 0:
                    self._join(s, int(st.team[s]), now)
                    changed = True
            later = away[away > d]
            self._next_back = int(later.min()) if len(later) else 1 << 62
        if d >= self._next_recruit:  # (recruit days are set only by exit)
            for p in (self.recruit_day == d).nonzero()[0].tolist():  # a recruit starts
                self.recruit_day[p] = -1
                r = int(self.standin[p])
                s = self.hiring.hire(p, d)
                self.fill(p, s)
                if r >= 0:  # the stand-in goes back to the pool
                    self.standin[p] = -1
                    self._leave(r, now)
                    st.team[r] = -1
                    st.moves += 1
                    self.pool[self.world.grid_street[self.plan.post_grid[p]]].append(r)
                changed = True
            later = self.recruit_day[self.recruit_day > d]
            self._next_recruit = int(later.min()) if len(later) else 1 << 62
        changed |= self._draw(d, now)
        if changed:
            self.recover(now)
        vacant, n_vacant = self.vacant()
        if n_vacant:  # (adding no vacant day to any post changes nothing)
            self.vacant_days += vacant

    def _draw(self, d: int, now: float) -> bool:
        sp, st = self.spec, self.staff
        if not (sp.retire_per_year or sp.maternity_per_year or sp.sick_per_year or sp.resign_per_year):
            return False  # no hazard at all: no draw could start an exit or a leave (and none is used)
        u = self.rng.random((len(self.holder), 5))  # a fixed number of draws per day (common random numbers)
        h = self.holder
        if kernels.quiet_day(
            u,
            h,
            self._applies_u8,
            self.at_work.view(np.uint8),
            st.overload,
            st.unfairness,
            sp.retire_per_year / 365.0,
            sp.maternity_per_year / 365.0,
            sp.sick_per_year / 365.0,
            sp.resign_per_year,
            sp.resign_overload,
            sp.resign_unfairness,
        ):
            return False  # most days: no draw can start an exit or a leave (screened before any numpy work)
        ok = (h >= 0) & self.applies
        ok[ok] = self.at_work[h[ok]]
        posts = ok.nonzero()[0]
        s = h[posts]
        uu = u[posts]
        hazard = sp.resign_per_year * np.exp(
            sp.resign_overload * st.overload[s] + sp.resign_unfairness * st.unfairness[s]
        )
        retire = uu[:, 0] < sp.retire_per_year / 365.0
        resign = ~retire & (uu[:, 1] < -np.expm1(-hazard / 365.0))
        leave = ~(retire | resign)
        maternity = leave & (uu[:, 2] < sp.maternity_per_year / 365.0)
        sick = leave & ~maternity & (uu[:, 3] < sp.sick_per_year / 365.0)
        gone = (retire | resign).nonzero()[0]
        away = (maternity | sick).nonzero()[0]
        if not (len(gone) or len(away)):
            return False
        # spell and recruitment lengths, worked out only for the few who go (element by element
        # the same values as over every post)
        lead = np.maximum(1, np.ceil(-sp.recruit_days_mean * np.log1p(-uu[gone, 4]))).astype(np.int64)
        length = np.maximum(1, np.ceil(-sp.sick_days_mean * np.log1p(-uu[away, 4]))).astype(np.int64)
        for k, n_days in zip(gone.tolist(), lead.tolist(), strict=True):
            self.exit(int(posts[k]), d, n_days, RETIRED if retire[k] else RESIGNED)
        for k, n_days in zip(away.tolist(), length.tolist(), strict=True):
            slot = int(s[k])
            st.absent_until[slot] = d + (sp.maternity_days if maternity[k] else n_days)
            self._next_back = min(self._next_back, int(st.absent_until[slot]))
            self._leave(slot, now)
        return True

    def exit(self, post: int, d: int, lead: int, reason: int = RESIGNED) -> None:
        """The holder of ``post`` leaves on day ``d``; the recruit starts ``lead`` days later.
        (Call :meth:`recover` afterwards to name covers, as the day's draws do.)"""
        st = self.staff
        now = 24.0 * d
        slot = int(self.holder[post])
        st.left[slot], st.reason[slot] = d, reason
        self.exits[reason] += 1
        self._leave(slot, now)
        st.agents[slot].remove()  # leaves the Mesa model (their records stay in the staff register)
        self.holder[post] = -1
        self.recruit_day[post] = d + lead
        self._next_recruit = min(self._next_recruit, d + lead)
        st.moves += 1
        self.refill.on_exit(self, post, now)

    def send_standin(self, post: int, now: float) -> None:
        """A stand-in from the street's reserve pool takes vacant ``post``, if one is free."""
        st = self.staff
        street = int(self.world.grid_street[self.plan.post_grid[post]])
        if self.pool[street]:
            r = self.pool[street].pop(0)
            self.standin[post] = r
            st.team[r] = self.plan.post_team[post]
            self._join(r, int(st.team[r]), now)
            st.moves += 1

    def _join(self, slot: int, team: int, now: float) -> None:
        self.at_work[slot] = True
        self.staff.moves += 1
        self.teams[team].join(self.staff.agents[slot], now)

    def _leave(self, slot: int, now: float) -> None:
        self.at_work[slot] = False
        self.staff.moves += 1
        self.teams[int(self.staff.team[slot])].leave(self.staff.agents[slot], now)

    # ---------------------------------------------------------------- cover

    def recover(self, now: float) -> None:
        """Name a covering team for every team with nobody present, then hand each vacant
        team's queue on: every case to its own grid's team if someone is there, else to the
        cover named for that team (not to whoever covered the team holding it)."""
        teams = self.teams
        present = np.zeros(len(teams), dtype=np.uint8)
        staffed(teams, present)
        present = present.view(bool)
        vacant = np.flatnonzero(~present).tolist()
        self.cover_of[:] = -1
        for t in vacant:
            cover = self.cover.choose(t, present)
            if isinstance(cover, int):
                self.cover_of[t] = cover
                teams[t].cover = teams[cover]
            else:
                teams[t].cover = cover
            self.cover_log.append((now, teams[t].id, -1 if teams[t].cover is None else teams[t].cover.id))
        for t in self._covered:  # teams covered until now that have someone again
            if present[t]:
                teams[t].cover = None
        self._covered = vacant
        home, grid = self.plan.team_of_grid, self.log.grid

        def route(i: int):
            team = teams[home[grid[i]]]
            return team if team.members else team.cover

        for t in vacant:
            teams[t].hand_over(now, route)

    def patrol_area(self) -> list[tuple[int, list[int]]]:
        """Extra grids a covering team patrols under ``borrow`` (team, vacant grids)."""
        if not self.refill.patrols_vacant:
            return []
        out: dict[int, list[int]] = {}
        for t in np.flatnonzero(self.cover_of >= 0).tolist():
            out.setdefault(int(self.cover_of[t]), []).extend(self.plan.team_grids[t])
        return list(out.items())
