"""True need: the incidents each team can expect today from the *actual* households (what a
worker's true value is measured against; covering teams carry the need of those they cover)."""

from __future__ import annotations

import numpy as np

from sim.workforce.staffing import Plan


class TeamNeed:
    """Expected incidents per team per day."""

    def __init__(self, plan: Plan, arrivals):
        self.team_of_grid, self.n_teams = plan.team_of_grid, len(plan.team_grids)
        self.arrivals = arrivals
        self._base: np.ndarray | None = None  # on a day without a campaign (the same every day)

    def today(self, mult: np.ndarray | None, cover_of: np.ndarray) -> np.ndarray:
        """Need per team under today's rate multipliers (None: no campaign); ``cover_of``:
        the covering team of each vacant team (−1 where none)."""
        n_teams = self.n_teams
        if mult is None and self._base is not None:
            need = self._base
        else:
            rate = self.arrivals.daily_rate if mult is None else self.arrivals.daily_rate * mult[None, :]
            need = np.bincount(self.team_of_grid, rate.sum(axis=1), minlength=n_teams)
            if mult is None:
                self._base = need
                need.flags.writeable = False
        if len(cover_of) and cover_of.max() >= 0:  # some vacant team is covered
            moved = (cover_of >= 0).nonzero()[0]
            need = need + np.bincount(cover_of[moved], need[moved], minlength=n_teams)
            need[moved] = 0.0
        return need
