"""Risk grading of grids: green / yellow / red (routine / general prevention / key governance).

Laocheng re-grades its micro-grids dynamically (seed 001). Here a grid's grade follows
the surfaced incidents per 100 households over a trailing window, re-graded on a fixed
period; a grid's grade raises its patrol intensity (``risk.patrol_multiplier``).
"""

from __future__ import annotations

import numpy as np

from sim.scenario.schema import Risk
from sim.world.district import World

GREEN, YELLOW, RED = 0, 1, 2


class RiskGrader:
    """Holds each grid's current grade and re-grades it from the incident log."""

    def __init__(self, spec: Risk, world: World):
        self.spec = spec
        self.households = world.grid_households
        self.level = np.zeros(world.n_grids, dtype=np.int64)
        self.history: list[tuple[int, np.ndarray]] = []
        self._before = 0  # every incident below this id surfaced before ``_start`` (not in any later window)
        self._start = -np.inf

    def _first_in_window(self, t: np.ndarray, start: float) -> int:
        """The first incident id that may have surfaced at or after ``start``: every one before it
        surfaced earlier. Ids follow occurrence, and surfacing never precedes occurrence, so the
        prefix only grows while windows move forward; it is scanned a chunk at a time."""
        if start < self._start:  # a window further back than the last: start over
            self._before = 0
        self._start = start
        k, n = self._before, len(t)
        while k < n:
            late = np.flatnonzero(~(t[k : k + 4096] < start))  # (NaN counts as late)
            if len(late):
                k += int(late[0])
                break
            k = min(k + 4096, n)
        self._before = k
        return k

    def due(self, day: int) -> bool:
        """Whether the grids are re-graded on ``day``."""
        return day % self.spec.regrade_every_days == 0

    def regrade(self, log, now: float, households: np.ndarray | None = None) -> None:
        """Re-grade from incidents surfaced in the window ending now, per 100 households of
        the register if given (which may drift from the actual count, see ``sim.world.register``)."""
        start = now - 24.0 * self.spec.window_days
        t = log.column("t_surfaced")
        k = self._first_in_window(t, start)  # the earlier incidents are all out of the window
        t, acc = t[k:], log.column("t_accepted")[k:]
        seen = (t >= start) & (t < now) & ~np.isnan(acc)
        hh = self.households if households is None else households
        rate = np.bincount(log.column("grid")[k:][seen], minlength=len(self.households)) * 100.0 / hh
        level = np.where(
            rate >= self.spec.red_per_100_households,
            RED,
            np.where(rate >= self.spec.yellow_per_100_households, YELLOW, GREEN),
        )
        self.level = level.astype(np.int64)
        self.history.append((int(round(now / 24.0)), self.level.copy()))
