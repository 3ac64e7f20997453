"""The event calendar: continuous hours, a binary heap, one callback per event.

Deliberately minimal — a (time, sequence, callback, argument) heap — because it sits on
the hottest path of every run; ``benchmarks/peers.py`` compares it with SimPy, Ciw and
Mesa's own ``schedule_event``. The sequence number makes ties deterministic (FIFO).
"""

from __future__ import annotations

from collections import deque
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


class DelayLine:
    """Items that all wait the same fixed delay (feedback, time limits, response times).

    Because the delay is constant, items fall due in the order they were pushed, so the
    line needs one calendar event at a time (for its head) instead of one per item.
    """

    __slots__ = ("clock", "delay", "callback", "_items", "_armed")

    def __init__(self, clock: Clock, delay: float, callback):
        self.clock = clock
        self.delay = delay
        self.callback = callback
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
        items, now, callback = self._items, self.clock.now, self.callback
        while items and items[0][0] <= now:
            callback(items.popleft()[1])
        if items:
            self.clock.at(items[0][0], self._fire, None)
        else:
            self._armed = False

    def __len__(self) -> int:
        return len(self._items)
