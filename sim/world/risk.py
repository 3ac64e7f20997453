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

    def due(self, day: int) -> bool:
        """Whether the grids are re-graded on ``day``."""
        return day % self.spec.regrade_every_days == 0

    def regrade(self, log, now: float, households: np.ndarray | None = None) -> None:
        """Re-grade from incidents surfaced in the window ending now, per 100 households of
        the register if given (which may drift from the actual count, see ``sim.world.register``)."""
        t = log.column("t_surfaced")
        acc = log.column("t_accepted")
        start = now - 24.0 * self.spec.window_days
        seen = (t >= start) & (t < now) & ~np.isnan(acc)
        hh = self.households if households is None else households
        rate = np.bincount(log.column("grid")[seen], minlength=len(self.households)) * 100.0 / hh
        level = np.where(
            rate >= self.spec.red_per_100_households,
            RED,
            np.where(rate >= self.spec.yellow_per_100_households, YELLOW, GREEN),
        )
        self.level = level.astype(np.int64)
        self.history.append((int(round(now / 24.0)), self.level.copy()))
