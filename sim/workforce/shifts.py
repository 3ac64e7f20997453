"""Working time: weekly shift patterns, in model hours (t = 0 is Monday 00:00).

A shift whose ``end_hour`` is before its ``start_hour`` is a night shift: it runs past midnight
into the next day (Sunday's into Monday's, across the week's end)."""

from __future__ import annotations

import math
from bisect import bisect_right

import numpy as np

from sim import kernels
from sim.scenario.schema import Shift

WEEK = 168.0


class Roster:
    """A weekly on-duty pattern; answers "on duty now?" and "when next on duty?"."""

    __slots__ = ("always", "intervals", "_starts", "_ends", "_a", "_b", "hours_per_week", "days_per_week", "twin")

    def __init__(self, shift: Shift):
        self.always = shift.always
        self.days_per_week = 7 if shift.always else len(set(shift.weekdays))  # shifts begun per week
        if self.always:
            self.intervals = [(0.0, WEEK)]
        else:
            self.intervals = _week_intervals(shift)
        self._starts = np.array([a for a, _ in self.intervals])
        self._ends = np.array([b for _, b in self.intervals])
        self._a = [a for a, _ in self.intervals]  # as lists, for bisect on the hot path
        self._b = [b for _, b in self.intervals]
        self.hours_per_week = float(sum(b - a for a, b in self.intervals))
        # what the desks and the day close ask: the compiled twin where it runs, else this roster (same answers)
        self.twin = kernels.roster_twin(self)

    def is_on(self, t: float) -> bool:
        """Whether this roster is on duty at time ``t`` (hours)."""
        if self.always:
            return True
        w = t % WEEK
        k = bisect_right(self._a, w) - 1  # the last interval starting at or before w (they are disjoint)
        return k >= 0 and w < self._b[k]

    def next_on(self, t: float) -> float:
        """The earliest time ≥ t at which this roster is on duty (inf if never)."""
        if self.always:
            return t
        if not self.intervals:
            return math.inf
        base = t - (t % WEEK)
        w = t - base
        k = bisect_right(self._b, w)  # the first interval ending after w
        if k < len(self._b):
            a = self._a[k]
            return t if w >= a else base + a
        return base + WEEK + self._a[0]

    def next_on_v(self, t: float) -> float:
        """:meth:`next_on` by :meth:`next_on_array`'s rule, for one time: never (inf) stays never,
        and the wrap into next week adds in that rule's order."""
        if self.always:
            return t
        if not self.intervals:
            return math.inf
        if not math.isfinite(t):
            return t
        base = t - (t % WEEK)
        w = t - base
        k = bisect_right(self._b, w)  # the first interval ending after w
        if k >= len(self._b):
            return base + (self._a[0] + WEEK)
        return t if w >= self._a[k] else base + self._a[k]

    def next_on_many(self, t: np.ndarray) -> list[float]:
        """:meth:`next_on_v` over an array."""
        return [self.next_on_v(x) for x in np.asarray(t, dtype=np.float64).tolist()]

    def next_on_array(self, t: np.ndarray) -> np.ndarray:
        """Vectorised :meth:`next_on`."""
        if self.always or not len(t):
            return t.copy()
        if not self.intervals:
            return np.full_like(t, np.inf)
        finite = np.isfinite(t)  # never (inf) stays never
        tf = np.where(finite, t, 0.0)
        base = tf - np.mod(tf, WEEK)
        w = tf - base
        k = np.searchsorted(self._ends, w, side="right")  # first interval ending after w
        wrap = k >= len(self._ends)
        kk = np.where(wrap, 0, k)
        start = self._starts[kk] + np.where(wrap, WEEK, 0.0)
        return np.where(finite, np.where(~wrap & (w >= self._starts[kk]), tf, base + start), t)

    def on_hours(self, t0: float, t1: float) -> float:
        """Hours on duty in [t0, t1)."""
        if t1 <= t0:
            return 0.0
        if self.always:
            return t1 - t0
        weeks0 = math.floor(t0 / WEEK)
        weeks1 = math.floor(t1 / WEEK)
        total = 0.0
        for wk in (weeks0,) if weeks0 == weeks1 else (weeks0, weeks1):
            base = wk * WEEK
            for a, b in self.intervals:
                total += max(0.0, min(t1, base + b) - max(t0, base + a))
        if weeks1 - weeks0 > 1:
            total += (weeks1 - weeks0 - 1) * self.hours_per_week
        return total


def _week_intervals(shift: Shift) -> list[tuple[float, float]]:
    """The shift's on-duty intervals within one week, sorted and disjoint: a night shift ends
    the next day, and Sunday night's wraps to Monday morning; touching intervals merge."""
    raw = []
    for d in sorted(set(shift.weekdays)):
        a = d * 24.0 + shift.start_hour
        b = d * 24.0 + shift.end_hour + (24.0 if shift.end_hour < shift.start_hour else 0.0)
        if b > WEEK:
            raw += [(a, WEEK), (0.0, b - WEEK)]
        else:
            raw.append((a, b))
    out: list[tuple[float, float]] = []
    for a, b in sorted(raw):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out
