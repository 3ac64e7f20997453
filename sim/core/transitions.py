"""The transition log: every step of every case, and every block of a worker's non-case work.

Hot paths call ``marks.add5(incident, time, state, level, actor)`` and ``block_marks.add3(actor,
start, end)`` for overhead and campaign (专项工作) work (:class:`sim.core.marks.Marks`: a row is a
few C stores), both only when the model records transitions (sweeps do not). Both are :class:`~sim.core.spool.Spool`
tables: packed into typed columns once a day and, past a few megabytes, spilled to a temporary
file, so a city-year's 15 M transitions do not stay in memory (they read back chunk by chunk,
in the order recorded, for the run directory's ``transitions.parquet``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import pandas as pd

from sim.core.spool import Chunk, Spool

TRANSITION_COLUMNS = (
    ("incident", np.int64),
    ("time", np.float64),
    ("state", np.int8),
    ("level", np.int8),
    ("actor", np.int64),  # the acting agent's id, −1 if none
)
BLOCK_COLUMNS = (("actor", np.int64), ("start", np.float64), ("end", np.float64))


class TransitionLog:
    """Transitions (incident, time, state, level, actor) and workers' blocks (actor, start, end)."""

    def __init__(self, spill_bytes: int | None = None):
        self.rows = Spool(TRANSITION_COLUMNS, spill_bytes)
        self.work_blocks = Spool(BLOCK_COLUMNS, spill_bytes)
        self.marks = self.rows.pending
        self.block_marks = self.work_blocks.pending

    def __len__(self) -> int:
        """Transitions recorded."""
        return len(self.rows)

    def flush(self) -> None:
        """Pack the rows marked since the last flush (the model does it every midnight)."""
        self.rows.flush()
        self.work_blocks.flush()

    def add_latent(self, ids: range, t: np.ndarray) -> None:
        """Log the LATENT transition (state 0, level 0, no actor) of a batch of new incidents."""
        n = len(ids)
        self.rows.extend(
            incident=np.arange(ids.start, ids.stop, dtype=np.int64),
            time=t,
            state=np.zeros(n, np.int8),
            level=np.zeros(n, np.int8),
            actor=np.full(n, -1, np.int64),
        )

    def columns(self, keep: Callable[[Chunk], np.ndarray] | None = None) -> Chunk:
        """Every transition (or those where ``keep(chunk)`` is true), one fresh array per column."""
        return self.rows.columns(keep)

    def row_groups(self, size: int, until: float | None = None) -> Iterator[Chunk]:
        """The transitions at or before ``until`` (default: all) in blocks of ``size`` rows."""
        return self.rows.blocks(size, None if until is None else (lambda c: c["time"] <= until))

    def blocks(self) -> pd.DataFrame:
        """Blocks of non-case work (overhead, campaigns) as booked: actor, start, end (hours)."""
        return pd.DataFrame(self.work_blocks.columns())
