"""Incidents: the workflow states and the columnar log that records every case.

An incident is a row in :class:`IncidentLog` — typed ``array.array`` columns grown a day
at a time — rather than an object, so a city-year of cases fits in memory and turns
into a table without copying field by field. Every transition is also appended to a
long-format transition log (incident, time, state, level, actor) for tracing
(:mod:`sim.core.transitions`).
"""

from __future__ import annotations

from array import array
from enum import IntEnum

import numpy as np
import pandas as pd

from sim import kernels
from sim.core.transitions import TransitionLog


class State(IntEnum):
    """Workflow states (a case moves forward; ``REOPENED`` sends it back to WAITING)."""

    LATENT = 0  # occurred, nobody official knows yet
    SURFACED = 1  # reported, dispatched (派单) or discovered on patrol
    ACCEPTED = 2  # first responder took it on (首问负责)
    WAITING = 3  # in a desk's queue
    HANDLING = 4  # someone is working on it
    ESCALATED = 5  # passed up a level (momentary; followed by WAITING)
    RESOLVED = 6  # handled; awaiting the resident's feedback
    FEEDBACK = 7  # resident gave feedback (t_feedback; the CLOSED / REOPENED row follows it)
    CLOSED = 8  # signed off (办结销号)
    REOPENED = 9  # resident unsatisfied, case reopened
    WORSENED = 10  # severity rose while latent (unseen: only the t_worsened column records it)
    VISIT_FAILED = 11  # door not opened; visit to repeat (logged only)


STATE_NAMES = {s.value: s.name.lower() for s in State}

CHANNELS = ("report", "hotline", "patrol")
"""How a case surfaces: a resident calls the worker, the 12345 hotline dispatches, a patrol finds it."""

_INT_COLS = (
    "category",
    "severity",
    "severity_initial",
    "grid",
    "household",
    "channel",
    "state",
    "level",
    "escalations",
    "handler",
    "resolver",
    "reopens",
    "visits_failed",
    "satisfied",
    "desk",
    "outcome",
    "absorbed",
)
_FLOAT_COLS = (
    "t_occurred",
    "t_surfaced",
    "t_accepted",
    "t_handling",
    "t_escalated",
    "t_resolved",
    "t_feedback",
    "t_closed",
    "t_reopened",
    "t_worsened",
    "t_join",
    "depth",
)  # handling depth of whoever resolved it (1 thorough, < 1 rushed)
_DRAWS = ("work", "u_solve", "u_feedback", "u_reopen", "u_visit")  # per-incident random draws (no default)
_DEFAULT_INT = {
    "state": 0,
    "level": 0,
    "escalations": 0,
    "reopens": 0,
    "visits_failed": 0,
    "satisfied": -1,
    "handler": -1,
    "resolver": -1,
    "desk": -1,
    "outcome": -1,
    "absorbed": 0,
}


class IncidentLog:
    """Columnar store of all incidents; column ``c`` of incident ``i`` is ``log.c[i]``."""

    def __init__(self, n_levels: int, transitions: bool = True):
        self.n = 0
        self.recording = transitions
        self.n_levels = n_levels
        for c in _INT_COLS:
            setattr(self, c, array("q"))
        for c in _FLOAT_COLS:
            setattr(self, c, array("d"))
        # per-incident random draws, drawn in batches at occurrence (common random numbers)
        self.work = array("d")  # unit-mean handling-time multiplier, per (incident, level)
        self.u_solve = array("d")  # per (incident, level)
        self.u_feedback = array("d")
        self.u_reopen = array("d")
        self.u_visit = array("d")
        self._columns: list | None = None  # see _appends
        self._watchers: list = []  # hold typed views of the columns (the workflow): let go while they grow
        # transition log: hot paths call ``mark((incident, time, state, level, actor))`` and
        # ``mark_block((actor, start, end))`` when ``recording`` (sweeps turn it off)
        self.transition_log = TransitionLog()
        self.mark = self.transition_log.mark
        self.mark_block = self.transition_log.mark_block

    def watch(self, viewer) -> None:
        """``viewer.release_columns()`` before the columns grow, ``viewer.bind_columns()`` after."""
        self._watchers.append(viewer)

    def extend(self, **cols: np.ndarray) -> range:
        """Append a day's new incidents; unspecified columns get their defaults."""
        for v in self._watchers:
            v.release_columns()  # a view blocks resizing its array
        try:
            return self._extend(cols)
        finally:
            for v in self._watchers:
                v.bind_columns()

    def _extend(self, cols: dict) -> range:
        k = len(cols["category"])
        kernels.extend_columns(self._appends(), cols, k)  # compiled, or its numpy reference
        start = self.n
        self.n += k
        return range(start, self.n)

    def _appends(self) -> list:
        """(column, name, numpy type, default) for every per-incident column, in a fixed order."""
        if self._columns is None:
            f8, i8 = np.dtype(np.float64), np.dtype(np.int64)
            self._columns = (
                [(getattr(self, c), c, i8, _DEFAULT_INT.get(c, -1)) for c in _INT_COLS]
                + [(getattr(self, c), c, f8, np.nan) for c in _FLOAT_COLS]
                + [(getattr(self, c), c, f8, None) for c in _DRAWS]
            )
        return self._columns

    def flush(self) -> None:
        """Pack the transitions marked since the last flush (see :class:`TransitionLog`)."""
        self.transition_log.flush()

    def add_latent(self, ids: range, t: np.ndarray) -> None:
        """Log the LATENT transition of a batch of new incidents in one go."""
        if self.recording:
            self.transition_log.add_latent(ids, t)

    def column(self, name: str) -> np.ndarray:
        """A zero-copy numpy view of a column."""
        a = getattr(self, name)
        return (
            np.frombuffer(a, dtype=np.int64 if a.typecode == "q" else np.float64)
            if len(a)
            else (np.empty(0, dtype=np.int64 if a.typecode == "q" else np.float64))
        )

    def transitions(self) -> pd.DataFrame:
        """Long-format transition log, in the order transitions were recorded."""
        if not self.recording:
            raise RuntimeError("this model was built with transitions=False: no transition log")
        tr = self.transition_log.columns()
        return pd.DataFrame(
            {
                "incident": tr["incident"],
                "time": tr["time"],
                "state": pd.Categorical.from_codes(
                    tr["state"].astype(np.int64),
                    categories=pd.Index([STATE_NAMES[i] for i in range(len(STATE_NAMES))]),
                ),
                "level": tr["level"].astype(np.int64),
                "actor": tr["actor"],
            }
        )
