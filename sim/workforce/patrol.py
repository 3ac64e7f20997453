"""Patrol (巡查) effort per grid: what drives patrol discoveries.

A grid's patrol intensity, per calendar hour, is its patrol hours over the last week (a day's
average) plus its informants, times the multiplier of its risk grade and of any campaign.
A team patrols its grids evenly (and, under a refill policy that borrows, the vacant grids
it covers).
"""

from __future__ import annotations

import numpy as np

from sim.scenario.schema import ACTIVITIES, Scenario
from sim.workforce.shifts import Roster
from sim.workforce.staffing import Plan, Staff

_PATROL = ACTIVITIES.index("patrol")


class Patrol:
    """Keeps last week's patrol hours per grid and gives today's intensity."""

    def __init__(self, sc: Scenario, plan: Plan, staff: Staff, full_time: Roster, risk, campaigns):
        self.plan, self.staff, self.full_time, self.risk, self.campaigns = plan, staff, full_time, risk, campaigns
        self.discretionary = sc.effort.discretionary_hours_per_day
        self.informant_hours = plan.informants * sc.staffing.informant_discovery_factor
        self.risk_multiplier = np.asarray(sc.risk.patrol_multiplier, dtype=np.float64)
        self.days: list[np.ndarray] = []  # per-grid patrol hours of the last (up to) seven days
        self.day = 0
        self._working = np.empty(0, np.int64)
        self._area: list = []
        self._intensity: np.ndarray | None = None
        self._grid_size: np.ndarray | None = None  # each grid's team size (the plan's, fixed)
        self._idle: np.ndarray | None = None  # a day's spread when nobody patrols

    def start_day(self, day: int, working: np.ndarray, area: list[tuple[int, list[int]]]) -> None:
        """A new day: who is at work and the extra grids covering teams patrol (``area``)."""
        self.day, self._working, self._area = day, working, area
        self._intensity = None

    def intensity(self) -> np.ndarray:
        """Patrol discovery effort per grid, per calendar hour, today (worked out when first asked)."""
        if self._intensity is None:
            days = self.days
            if days:  # np.mean's own arithmetic (a sum over the days in order, over their count)
                hours = np.add.reduce(np.array(days), axis=0) / len(days)
            else:  # day 0: what the workers plan
                hours = self.planned()
            effort = hours + self.informant_hours
            mult = self.risk_multiplier[self.risk.level]
            self._intensity = effort * mult * self.campaigns.patrol_multiplier(self.day) / 24.0
        return self._intensity

    def planned(self) -> np.ndarray:
        """Per-grid patrol hours the workers at work plan to do (before any has been done)."""
        st, r, s = self.staff, self.full_time, self._working
        days_on = r.days_per_week
        per_slot = self.discretionary * st.shares[s, _PATROL] * days_on / 7.0
        return self.spread(s, per_slot, self._area)

    def end_day(self, slots: np.ndarray, hours: np.ndarray, area: list[tuple[int, list[int]]]) -> None:
        """Record the day's patrol hours of ``slots`` (keeping a week). Without discretionary hours
        nobody patrols (every hour is 0: ``sim.workforce.workday``): each day without extra grids
        to cover then spreads the same zeros, kept once (read-only)."""
        if self.discretionary > 0 or area:
            self.days.append(self.spread(slots, hours, area))
        else:
            if self._idle is None:
                self._idle = self.spread(slots, hours, area)
                self._idle.flags.writeable = False
            self.days.append(self._idle)
        del self.days[:-7]

    def spread(self, slots: np.ndarray, hours: np.ndarray, area: list[tuple[int, list[int]]]) -> np.ndarray:
        """Per-grid patrol hours from per-person hours: a team patrols its grids evenly, and
        the extra grids ``area`` gives it, (team, grids)."""
        plan = self.plan
        n_teams = len(plan.team_grids)
        team = np.bincount(self.staff.team[slots], hours, minlength=n_teams)
        if not area:  # (each grid's team size looked up once for the run)
            if self._grid_size is None:
                self._grid_size = plan.team_size[plan.team_of_grid]
            return team[plan.team_of_grid] / self._grid_size
        size = plan.team_size.copy()
        for t, grids in area:
            size[t] += len(grids)
        grid = team[plan.team_of_grid] / size[plan.team_of_grid]
        for t, grids in area:
            grid[grids] = team[t] / size[t]
        return grid
