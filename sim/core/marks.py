"""Marks: the rows the event core appends as it runs — each step of a case (the transition log)
and each block of a worker's non-case work — as C doubles one after another.

A row costs a few stores into one growing buffer: no tuple, and no Python number per value,
while the day runs. The spool that owns the marks (:class:`sim.core.spool.Spool`) packs them
into its typed columns at each flush (:meth:`Marks.take`), every value exact below 2**53 as
before. Written once in Python; ``marks.pxd`` types it for Cython.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable

import numpy as np

from sim.core.clock import _grown_d

FIRST_ROWS = 1024
"""Rows the buffer holds before it first grows (it doubles; a flush keeps its size)."""


class Marks:
    """Rows of ``width`` numbers, appended by :meth:`add3` / :meth:`add5` (a row of that width)
    or :meth:`extend` (flat values, ``width`` a row), taken out as one array by :meth:`take`."""

    def __init__(self, width: int):
        self.width = width
        self.n = 0  # values marked since the last take
        self.cap = FIRST_ROWS * width
        self.buf = array("d", [0.0]) * self.cap

    def __len__(self) -> int:
        """Rows marked since the last :meth:`take`."""
        return self.n // self.width

    def _room(self, k: int) -> None:
        """Make room for ``k`` more values."""
        if self.n + k > self.cap:
            cap = 2 * self.cap
            while self.n + k > cap:
                cap *= 2
            self.buf = _grown_d(self.buf, 0, self.n, cap)
            self.cap = cap

    def add3(self, a: float, b: float, c: float) -> None:
        """Mark a row of three values (the marks' width is 3)."""
        n = self.n
        if n + 3 > self.cap:
            self._room(3)
        self.buf[n] = a
        self.buf[n + 1] = b
        self.buf[n + 2] = c
        self.n = n + 3

    def add5(self, a: float, b: float, c: float, d: float, e: float) -> None:
        """Mark a row of five values (the marks' width is 5)."""
        n = self.n
        if n + 5 > self.cap:
            self._room(5)
        self.buf[n] = a
        self.buf[n + 1] = b
        self.buf[n + 2] = c
        self.buf[n + 3] = d
        self.buf[n + 4] = e
        self.n = n + 5

    def extend(self, values: Iterable[float]) -> None:
        """Mark rows given as flat values, ``width`` a row."""
        values = list(values)
        if len(values) % self.width:
            raise ValueError(f"{len(values)} values are not rows of {self.width}")
        self._room(len(values))
        for v in values:
            self.buf[self.n] = v
            self.n += 1

    def take(self) -> np.ndarray:
        """The rows marked since the last take, one row each (a fresh float64 array), and start afresh."""
        rows = np.array(self.buf[: self.n], dtype=np.float64).reshape(-1, self.width)
        self.n = 0
        return rows
