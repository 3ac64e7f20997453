"""The event calendar: continuous hours, a binary heap, one callback per event.

Deliberately minimal — a (time, sequence, callback, argument) heap — because it sits on
the hottest path of every run; ``benchmarks/peers.py`` compares it with SimPy, Ciw and
Mesa's own event list. The sequence number makes ties deterministic (FIFO).

Two helpers keep the heap small. Items that already come in time order — a fixed delay
(:class:`DelayLine`) or a day's pre-planned surfacings (:class:`Timetable`) — hold a
single heap entry for their head, and when they fire they keep running their own items
for as long as those come strictly before everything else on the calendar (a merge of
sorted streams). The order of events is unchanged: strictly earlier first, and at equal
times the calendar's FIFO order.
"""

from __future__ import annotations

import gc
from collections import defaultdict, deque
from heapq import heappop, heappush
from itertools import count

import numpy as np


class Clock:
    """Future events in time order; ``now`` never runs backwards."""

    __slots__ = ("now", "until", "_heap", "_seq", "events_run")

    def __init__(self, start: float = 0.0):
        self.now = start
        self.until = start  # end of the current run_until: streams never run past it
        self._heap: list = []
        self._seq = count()
        self.events_run = 0

    def at(self, t: float, callback, arg) -> None:
        """Run ``callback(arg)`` at time ``t`` (never earlier than now)."""
        if t < self.now:
            raise ValueError(f"cannot schedule at {t} before now {self.now}")
        heappush(self._heap, (t, next(self._seq), callback, arg))

    def run_until(self, until: float) -> None:
        """Run every event with time < ``until``; leave the clock at ``until``.

        The cyclic garbage collector is paused meanwhile: events allocate only short-lived,
        acyclic tuples (freed by reference counting), yet each automatic collection would
        rescan the whole long-lived model — about 15% of run time on a city-sized year.
        """
        self.until = until
        heap = self._heap
        n = 0
        collecting = gc.isenabled()
        gc.disable()
        try:
            while heap and heap[0][0] < until:
                t, _, callback, arg = heappop(heap)
                self.now = t
                callback(arg)
                n += 1
        finally:
            if collecting:
                gc.enable()
        self.events_run += n
        self.now = until

    def next_time(self) -> float:
        """Time of the earliest event on the calendar (inf if none)."""
        return self._heap[0][0] if self._heap else float("inf")

    def runs_first(self, t: float) -> bool:
        """Would an event at ``t`` run strictly before everything on the calendar, in this run?"""
        heap = self._heap
        return t < self.until and (not heap or t < heap[0][0])

    def __len__(self) -> int:
        return len(self._heap)


class DelayLine:
    """Items that all wait the same fixed delay (feedback, time limits, response times).

    Because the delay is constant, items fall due in the order they were pushed, so the
    line needs one calendar event at a time (for its head) instead of one per item.
    ``alive(arg, due)``, if given, says whether an item still matters (a time limit on a
    case that has since been served does not): dead items are dropped without an event.
    """

    __slots__ = ("clock", "delay", "callback", "alive", "_items", "_armed")

    def __init__(self, clock: Clock, delay: float, callback, alive=None):
        self.clock = clock
        self.delay = delay
        self.callback = callback
        self.alive = alive
        self._items: deque = deque()
        self._armed = False

    def push(self, arg) -> None:
        """``callback(arg)`` will run ``delay`` hours from now."""
        due = self.clock.now + self.delay
        self._items.append((due, arg))
        if not self._armed:
            self._armed = True
            self.clock.at(due, self._fire, None)

    def _fire(self, _) -> None:
        items, clock, callback, alive = self._items, self.clock, self.callback, self.alive
        heap = clock._heap
        while True:
            callback(items.popleft()[1])
            if alive is not None:
                while items and not alive(items[0][1], items[0][0]):
                    items.popleft()
            if not items:
                self._armed = False
                return
            due = items[0][0]
            if due <= clock.now:
                continue
            if due < clock.until and (not heap or due < heap[0][0]):
                clock.now = due  # our head is the next event anywhere: run it in place
                clock.events_run += 1
                continue
            clock.at(due, self._fire, None)
            return

    def __len__(self) -> int:
        return len(self._items)


class Timetable:
    """Events planned ahead at known times (surfacings), fed to the clock a period at a time.

    ``plan`` files (time, arg) pairs into per-period buckets; ``open(k)`` sorts bucket
    ``k`` once and puts only its head on the calendar. Call ``open(k)`` when the clock
    reaches the start of period ``k``, after every plan that can land in it.
    """

    __slots__ = ("clock", "callback", "period", "_buckets", "_times", "_args", "_pos")

    def __init__(self, clock: Clock, callback, period: float = 24.0):
        self.clock = clock
        self.callback = callback
        self.period = period
        self._buckets: dict[int, list] = defaultdict(list)
        self._times: list = []
        self._args: list = []
        self._pos = 0

    def plan(self, times: np.ndarray, args: np.ndarray) -> None:
        """``callback(arg)`` at each finite ``time`` (never before the current period)."""
        keep = np.isfinite(times)
        times, args = times[keep], args[keep]
        if not len(times):
            return
        order = np.argsort(times, kind="stable")
        times, args = times[order], args[order]
        period = np.minimum(times // self.period, 2.0**62).astype(np.int64)  # far future: one far bucket
        bounds = [0, *(np.diff(period).nonzero()[0] + 1).tolist(), len(times)]
        for lo, hi in zip(bounds[:-1], bounds[1:]):
            self._buckets[int(period[lo])].append((times[lo:hi], args[lo:hi]))

    def open(self, k: int) -> None:
        """Start feeding period ``k``'s events to the clock."""
        if self._pos < len(self._times):
            raise RuntimeError(f"period {k} opened before the previous one ran out")
        parts = self._buckets.pop(k, None)
        if not parts:
            self._times, self._args, self._pos = [], [], 0
            return
        times = np.concatenate([p[0] for p in parts])
        args = np.concatenate([p[1] for p in parts])
        order = np.argsort(times, kind="stable")  # equal times: planned first, runs first
        self._times, self._args, self._pos = times[order].tolist(), args[order].tolist(), 0
        self.clock.at(self._times[0], self._fire, None)

    def _fire(self, _) -> None:
        times, args, clock, callback = self._times, self._args, self.clock, self.callback
        heap = clock._heap
        pos, n = self._pos, len(times)
        while True:
            callback(args[pos])
            pos += 1
            if pos == n:
                break
            due = times[pos]
            if due <= clock.now:
                continue
            if due < clock.until and (not heap or due < heap[0][0]):
                clock.now = due
                clock.events_run += 1
                continue
            clock.at(due, self._fire, None)
            break
        self._pos = pos

    def __len__(self) -> int:
        return len(self._times) - self._pos + sum(len(p[0]) for b in self._buckets.values() for p in b)
