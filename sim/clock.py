"""The event calendar: continuous hours, a binary heap, one callback per event.

Deliberately minimal — a (time, sequence, callback, argument) heap — because it sits on
the hottest path of every run; ``benchmarks/peers.py`` compares it with SimPy, Ciw and
Mesa's own ``schedule_event``. The sequence number makes ties deterministic (FIFO).
"""

from __future__ import annotations

from heapq import heappop, heappush
from itertools import count


class Clock:
    """Future events in time order; ``now`` never runs backwards."""

    __slots__ = ("now", "_heap", "_seq", "events_run")

    def __init__(self, start: float = 0.0):
        self.now = start
        self._heap: list = []
        self._seq = count()
        self.events_run = 0

    def at(self, t: float, callback, arg) -> None:
        """Run ``callback(arg)`` at time ``t`` (never earlier than now)."""
        if t < self.now:
            raise ValueError(f"cannot schedule at {t} before now {self.now}")
        heappush(self._heap, (t, next(self._seq), callback, arg))

    def run_until(self, until: float) -> None:
        """Run every event with time < ``until``; leave the clock at ``until``."""
        heap = self._heap
        n = 0
        while heap and heap[0][0] < until:
            t, _, callback, arg = heappop(heap)
            self.now = t
            callback(arg)
            n += 1
        self.events_run += n
        self.now = until

    def __len__(self) -> int:
        return len(self._heap)
