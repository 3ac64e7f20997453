"""Risk grading of grids: green / yellow / red (routine / general prevention / key governance).

Laocheng re-grades its micro-grids dynamically (seed 001). Here a grid's grade follows
the surfaced incidents per 100 households over a trailing window, re-graded on a fixed
period; a grid's grade raises its patrol intensity (``risk.patrol_multiplier``).
"""

from __future__ import annotations

import numpy as np

from sim import kernels
from sim.scenario.schema import Risk
from sim.world.district import World

GREEN, YELLOW, RED = 0, 1, 2


class RiskGrader:
    """Holds each grid's current grade and re-grades it from the incident log."""

    def __init__(self, spec: Risk, world: World):
        self.spec = spec
        self.households = world.grid_households
        self._per = self.households.astype(np.float64)  # (what a rate divides by)
        self.level = np.zeros(world.n_grids, dtype=np.int64)
        self.level.flags.writeable = False  # each grading is kept as it is (``history``)
        self.history: list[tuple[int, np.ndarray]] = []
        self._before = 0  # every incident below this id surfaced before ``_start`` (not in any later window)
        self._start = -np.inf

    def due(self, day: int) -> bool:
        """Whether the grids are re-graded on ``day``."""
        return day % self.spec.regrade_every_days == 0

    def regrade(self, log, now: float, households: np.ndarray | None = None) -> None:
        """Re-grade from incidents surfaced in the window ending now, per 100 households of
        the register if given (which may drift from the actual count, see ``sim.world.register``).
        The incidents surfaced before the last window's start are skipped (``kernels.risk_grades``);
        unchanged grades stay the same array (what is counted from them is not counted again)."""
        start = now - 24.0 * self.spec.window_days
        if start < self._start:  # a window further back than the last: start over
            self._before = 0
        self._start = start
        hh = self._per if households is None else np.asarray(households, dtype=np.float64)
        s = self.spec
        self._before, self.level = kernels.risk_grades(
            log.column("t_surfaced"), log.column("t_accepted"), log.column("grid"), self._before, start, now, hh,
            s.red_per_100_households, s.yellow_per_100_households, self.level,
        )  # fmt: skip
        self.history.append((int(round(now / 24.0)), self.level))  # (read-only: kept as it is)
