"""What desks know of a worker: the fields read and written on every case, and the duty roster.

:class:`WorkerState` is the base of ``sim.workforce.agents.Worker`` (the Mesa agent); compiled,
its fields are C slots (``workers.pxd``), and to Python they are ordinary attributes either way.
:func:`hour_fields` reads the running hours off them for the day's accounts.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.core.clock import Actor


class WorkerState(Actor):
    """A worker's case-handling state (desks, workflow and the day's accounts read it)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        Actor.__init__(self)
        self.uid = -1  # the agent's unique id (recorded as who resolved a case)
        self.role_code = -1
        self.meets_residents = False  # a grid worker residents meet (their awareness rises when served)
        self.current = -1  # incident in hand, -1 when free
        self.busy_since = 0.0
        self.busy_hours = 0.0
        self.cases_handled = 0
        self.desk: Any = None  # the team they work in now
        self.owed = 0.0  # non-case hours still to do today (taken after the case in hand)
        self.leaving = False  # finishing the case in hand, then off (leave, exit, moved)
        self.free_at = 0.0  # end of the current block of non-case work: no cases before then
        self.block_hours = 0.0  # non-case work booked so far (blocks are booked when they start)
        self.depth = 1.0  # handling depth: 1 thorough; below 1 rushing (sim.workforce.effort)
        self.shed = 0.0  # probability of passing a case the grid may decide up the ladder (gaming; 0 = off)
        self.cherry = 0.0  # probability of taking the quickest queued case, not the next in order (gaming; 0 = off)
        self._roster: Any = None
        self.duty: Any = None

    @property
    def roster(self) -> Any:
        """The weekly duty pattern (``sim.workforce.shifts.Roster``); desks ask its ``twin``
        (``is_on``/``next_on``: compiled where the kernels are, else the roster itself)."""
        return self._roster

    @roster.setter
    def roster(self, r: Any) -> None:
        self._roster = r
        self.duty = None if r is None else (r.twin if r.twin is not None else r)


HOUR_FIELDS = ("busy_hours", "busy_since", "current", "block_hours", "free_at")
"""The rows :func:`hour_fields` fills, in order."""


def hour_fields(agents: list, slots: np.ndarray, out: np.ndarray) -> None:
    """The running hour fields of the workers ``agents[slots]`` into ``out`` (rows: busy_hours,
    busy_since, current, block_hours, free_at) — every midnight, every worker."""
    for k in range(slots.shape[0]):
        a: WorkerState = agents[slots[k]]
        out[0, k] = a.busy_hours
        out[1, k] = a.busy_since
        out[2, k] = a.current
        out[3, k] = a.block_hours
        out[4, k] = a.free_at
