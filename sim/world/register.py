"""The household register (台账) and how it drifts from reality (seed 004).

Every grid has two counts: the *actual* households (where incidents come from) and the
*registered* households the platform shows. Floating households move away without
deregistering, so stale entries accumulate; each record a worker enters verifies one
registered household and removes it if stale. Rules that size, grade or score by the
register (``outcome_adjusted`` scoring, risk grading) therefore act on drifting numbers.
"""

from __future__ import annotations

import numpy as np

from sim.scenario.schema import Scenario


class Register:
    """Stale entries per grid; ``registered`` = actual + stale."""

    def __init__(self, sc: Scenario, world):
        spec = sc.household_register
        self.actual = world.grid_households.astype(np.float64)
        floating = np.array([t.floating_share for t in sc.community_types.values()])[world.grid_type]
        self.stale = spec.initial_excess * self.actual
        self.daily_drift = self.actual * floating * spec.stale_per_year / 365.0
        # every grid inhabited: a day without records verifies nothing (each grid's share checked is 0)
        self._inhabited = bool((self.actual > 0).all())
        self._drifts = bool(self.daily_drift.any())
        self._actual_sum = self.actual.sum()
        self._excess: float | None = None  # stale over actual households, while the register stands
        self._none = np.zeros(len(self.actual))  # the records of a day without any
        self._none.flags.writeable = False

    @property
    def registered(self) -> np.ndarray:
        """Households on the register per grid: the actual ones plus stale entries."""
        return self.actual + self.stale

    def excess(self) -> float:
        """Stale entries as a share of the actual households (the daily ``registered_excess``)."""
        if self._excess is None:
            self._excess = float(self.stale.sum() / self._actual_sum)
        return self._excess

    def day(self, records_per_grid: np.ndarray | None) -> None:
        """One day: new stale entries appear; records entered verify entries and drop stale ones
        (None: nobody can enter a record, a day without records)."""
        if records_per_grid is None:
            records_per_grid = self._none
        if self._inhabited and (records_per_grid is self._none or not records_per_grid.any()):  # (as below then)
            if self._drifts:
                self.stale += self.daily_drift
                self._excess = None
            return
        self.stale += self.daily_drift
        registered = self.registered
        checked = np.minimum(records_per_grid, registered)
        self.stale -= checked * self.stale / registered
        self._excess = None
