"""Incidents: the workflow states and the columnar log that records every case.

An incident is a row in :class:`IncidentLog` — typed columns with room to spare, grown by a
factor when full (their first ``n`` rows are the log) — rather than an object, so a city-year
of cases fits in memory and turns into a table without copying field by field. Every transition
is also appended to a long-format transition log (incident, time, state, level, actor) for
tracing (:mod:`sim.core.transitions`).
"""

from __future__ import annotations

import mmap
from collections.abc import Callable
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
_PER_LEVEL = ("work", "u_solve")  # draws with one row per (incident, level), the level fastest
COLUMNS = _INT_COLS + _FLOAT_COLS + _DRAWS
"""Every per-incident column of :class:`IncidentLog`, by name (``log.column(name)``, ``log.<name>``)."""
_FIRST_CAPACITY = 1024  # incidents the buffers first hold
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
        self.n = 0  # incidents logged: every column reads as its first ``n`` rows (× its width)
        self.capacity = 0  # incidents the buffers hold before they next grow
        self.recording = transitions
        self.n_levels = n_levels
        self._width = {c: n_levels if c in _PER_LEVEL else 1 for c in COLUMNS}
        # each column's buffer: an anonymous memory map, grown in place (mremap: nothing copied,
        # the spare rows untouched, so not resident) — ``_buffers`` its typed numpy view
        self._maps: dict[str, mmap.mmap] = {}
        self._buffers: dict[str, np.ndarray] = {}
        self._reserve(_FIRST_CAPACITY)
        self._appends: Callable[[dict, int, int], None] | None = None  # see _bind
        self._watchers: list = []  # hold typed views of the columns (the workflow): rebound when they grow
        # transition log: hot paths call ``marks.add5(incident, time, state, level, actor)`` and
        # ``block_marks.add3(actor, start, end)`` when ``recording`` (sweeps turn it off)
        self.transition_log = TransitionLog()
        self.marks = self.transition_log.marks
        self.block_marks = self.transition_log.block_marks

    def watch(self, viewer) -> None:
        """``viewer.release_columns()`` before the buffers grow, ``viewer.bind_columns()`` after."""
        self._watchers.append(viewer)

    def buffer(self, name: str) -> memoryview:
        """A writable view of column ``name``'s whole buffer (``capacity`` rows, the first ``n``
        logged), for the event core's typed views; valid until the buffers next grow."""
        return memoryview(self._buffers[name])

    def extend(self, **cols: np.ndarray) -> range:
        """Append a day's new incidents; unspecified columns get their defaults."""
        k = len(cols["category"])
        if self.n + k > self.capacity:
            self._grow(self.n + k)
        appends = self._appends if self._appends is not None else self._bind()
        appends(cols, self.n, k)  # compiled, or its numpy reference
        start = self.n
        self.n += k
        return range(start, self.n)

    def _grow(self, need: int) -> None:
        """Make room for at least ``need`` incidents, by a growth factor of 1.5: a run grows its
        buffers a few dozen times, not daily; the watchers' views let go meanwhile."""
        for v in self._watchers:
            v.release_columns()
        try:
            self._reserve(max(need, self.capacity + self.capacity // 2))
        finally:
            for v in self._watchers:
                v.bind_columns()

    def _reserve(self, cap: int) -> None:
        """Every buffer to ``cap`` incidents, in place where the system can (and no view of it is
        held), else into a new map with the logged rows copied (the old one stays with its views)."""
        self._appends = None  # (it holds views of the buffers)
        self._buffers.clear()  # (a view blocks resizing its map)
        for c in COLUMNS:
            size, used = cap * self._width[c] * 8, self.n * self._width[c] * 8
            m = self._maps.get(c)
            if m is None:
                m = _anonymous_map(size)
            else:
                try:
                    m.resize(size)
                except (BufferError, OSError, SystemError, ValueError):  # a view held; no mremap here
                    new = _anonymous_map(size)
                    new.write(memoryview(m)[:used])
                    m = new
            self._maps[c] = m
            self._buffers[c] = np.frombuffer(m, dtype=np.int64 if c in _INT_COLS else np.float64)
        self.capacity = cap

    def _bind(self) -> Callable[[dict, int, int], None]:
        """The appends bound to the buffers, every per-incident column in a fixed order as
        (buffer, name, numpy type, default, width): once a growth, not once a day."""
        b, w = self._buffers, self._width
        self._appends = appends = kernels.ColumnAppends(
            [(b[c], c, b[c].dtype, _DEFAULT_INT.get(c, -1), w[c]) for c in _INT_COLS]
            + [(b[c], c, b[c].dtype, np.nan, w[c]) for c in _FLOAT_COLS]
            + [(b[c], c, b[c].dtype, None, w[c]) for c in _DRAWS]
        )
        return appends

    def flush(self) -> None:
        """Pack the transitions marked since the last flush (see :class:`TransitionLog`)."""
        self.transition_log.flush()

    def add_latent(self, ids: range, t: np.ndarray) -> None:
        """Log the LATENT transition of a batch of new incidents in one go."""
        if self.recording:
            self.transition_log.add_latent(ids, t)

    def column(self, name: str) -> np.ndarray:
        """A zero-copy numpy view of a column: its ``n`` rows (``n × levels`` for the per-level draws)."""
        return self._buffers[name][: self.n * self._width[name]]

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


def _anonymous_map(size: int) -> mmap.mmap:
    """``size`` bytes of private anonymous memory (private: a shared map would fault past its first size)."""
    if hasattr(mmap, "MAP_PRIVATE"):  # (POSIX)
        return mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    return mmap.mmap(-1, size)


def _column_property(name: str) -> property:
    """``log.<name>``: the same view as ``log.column(name)``."""
    return property(lambda self: self.column(name), doc=f"Column ``{name}`` (:meth:`IncidentLog.column`).")


for _name in COLUMNS:
    setattr(IncidentLog, _name, _column_property(_name))
