"""The event calendar: continuous hours, a binary heap of events, an actor per event.

Deliberately minimal because it sits on the hottest path of every run (``benchmarks/peers.py``
compares it with SimPy, Ciw and Mesa's own event list). An event is a row of three parallel
typed arrays — time, key, argument — kept as a binary heap ordered by (time, key); the key is
the event's sequence number above its actor's handle (``seq << 24 | actor``), so ties run in
the order they were scheduled (FIFO). The actor is named by its row in ``Clock.actors`` (a
list the garbage collector sees), and the clock calls its ``_fire(arg)``: no tuples, no bound
methods. Python callbacks (:meth:`Clock.at`) are actor 0.

Two helpers keep the heap small. Items that already come in time order — a fixed delay
(:class:`DelayLine`) or a day's pre-planned surfacings (:class:`Timetable`) — hold a single
heap entry for their head, and when they fire they keep running their own items for as long
as those come strictly before everything else on the calendar (a merge of sorted streams).
The order of events is unchanged: strictly earlier first, and at equal times the calendar's
FIFO order.

Written once in Python; ``clock.pxd`` types it for Cython (pure Python mode), and without a
compiled build the same code runs interpreted with identical results.
"""

from __future__ import annotations

import contextlib
import gc
import math
from array import array
from collections.abc import Callable, Iterator
from typing import Any

import cython
import numpy as np
from cython.cimports.libc.math import floor, fmod

INF = cython.declare(cython.double, math.inf)
ACTOR_BITS = cython.declare(cython.int, 24)  # an event's key: its sequence number above its actor's handle
MAX_ACTORS = cython.declare(cython.longlong, 1 << 24)
ACCEPT = cython.declare(cython.int, 2)  # the tag a Timetable calls its target's ``_due`` with (accept)


def _grown_d(src: Any, lo: int, hi: int, cap: int) -> array:
    """A new array of ``cap`` doubles holding ``src[lo:hi]`` at its start.

    Arrays are never resized in place: where compiled, a typed view of an array blocks that."""
    out = array("d", [0.0]) * cap
    view = out
    view[: hi - lo] = src[lo:hi]
    return out


def _grown_q(src: Any, lo: int, hi: int, cap: int) -> array:
    """:func:`_grown_d` for 64-bit integers."""
    out = array("q", [0]) * cap
    view = out
    view[: hi - lo] = src[lo:hi]
    return out


def _period_of(t: float, period: float) -> int:
    """``min(t // period, 2**62)`` for a finite ``t``, as Python and numpy divide: fmod-based (Cython's ``//``
    on doubles is ``floor(t / period)``, another number at some period boundaries)."""
    mod = fmod(t, period)
    div = (t - mod) / period
    if mod and (period < 0) != (mod < 0):
        div -= 1.0
    fl = 0.0
    if div:
        fl = floor(div)
        if div - fl > 0.5:
            fl += 1.0
    if fl > 4.611686018427388e18:  # 2**62: the far future, one far bucket
        fl = 4.611686018427388e18
    return cython.cast(cython.longlong, fl)


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector paused for the block (or the decorated function), as it was
    after: while a model's long-lived objects are made (a build) or events run that make only
    short-lived, acyclic ones, an automatic collection would only rescan the whole model."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


class Actor:
    """Anything an event on the calendar concerns; the clock names it by ``_h``, its row in
    ``Clock.actors`` (0: not yet on the calendar)."""

    def __init__(self) -> None:
        self._h = 0

    def _fire(self, arg: int) -> None:
        """An event of this actor is due now."""
        raise NotImplementedError

    def _due(self, tag: int, i: int) -> None:
        """Item ``i`` of this actor's delay line or timetable ``tag`` is due now."""
        raise NotImplementedError

    def _alive(self, tag: int, i: int, due: float) -> bool:
        """Does item ``i`` of delay line ``tag``, due at ``due``, still matter?"""
        return True


class Clock:
    """Future events in time order; ``now`` never runs backwards."""

    def __init__(self, start: float = 0.0):
        self.now = start
        self.until = start  # end of the current run_until: streams never run past it
        self.events_run = 0
        self.seq = 0
        self.n = 0
        self.cap = 256
        self._t = array("d", [0.0]) * self.cap
        self._key = array("q", [0]) * self.cap
        self._arg = array("q", [0]) * self.cap
        self.actors: list = [None]  # what events concern, by handle (0: a Python callback)
        self._calls: dict = {}  # Python callbacks waiting on the calendar: seq -> (callback, arg)

    def _handle(self, o: Actor | None) -> int:
        if o is None:
            return 0
        if o._h == 0:
            if len(self.actors) >= MAX_ACTORS:
                raise OverflowError("more actors than an event's key can name")
            o._h = len(self.actors)
            self.actors.append(o)
        return o._h

    def _grow(self) -> None:
        n, cap = self.n, 2 * self.cap
        self._t = _grown_d(self._t, 0, n, cap)
        self._key = _grown_q(self._key, 0, n, cap)
        self._arg = _grown_q(self._arg, 0, n, cap)
        self.cap = cap

    def push(self, t: float, who: Actor | None, arg: int) -> None:
        """``who._fire(arg)`` at time ``t`` (the caller checks ``t`` is not before now)."""
        if self.n == self.cap:
            self._grow()
        key = (self.seq << ACTOR_BITS) | self._handle(who)
        self.seq += 1
        j = self.n
        while j > 0:  # sift up from the new last slot
            p = (j - 1) >> 1
            tp = self._t[p]
            if t < tp or (t == tp and key < self._key[p]):
                self._t[j] = tp
                self._key[j] = self._key[p]
                self._arg[j] = self._arg[p]
                j = p
            else:
                break
        self._t[j] = t
        self._key[j] = key
        self._arg[j] = arg
        self.n += 1

    def _drop_first(self) -> None:
        """Remove the earliest event: the last one refills the root, downward."""
        self.n -= 1
        n = self.n
        if n == 0:
            return
        t, key, arg = self._t[n], self._key[n], self._arg[n]
        j = 0
        while True:
            c = 2 * j + 1
            if c >= n:
                break
            if c + 1 < n and (
                self._t[c + 1] < self._t[c] or (self._t[c + 1] == self._t[c] and self._key[c + 1] < self._key[c])
            ):
                c += 1
            if self._t[c] < t or (self._t[c] == t and self._key[c] < key):
                self._t[j] = self._t[c]
                self._key[j] = self._key[c]
                self._arg[j] = self._arg[c]
                j = c
            else:
                break
        self._t[j] = t
        self._key[j] = key
        self._arg[j] = arg

    def runs_first(self, t: float) -> bool:
        """Would an event at ``t`` run strictly before everything on the calendar, in this run?"""
        return t < self.until and (self.n == 0 or t < self._t[0])

    def at(self, t: float, callback: Callable[[Any], object], arg: Any) -> None:
        """Run ``callback(arg)`` at time ``t`` (never earlier than now)."""
        if t < self.now:
            raise ValueError(f"cannot schedule at {t} before now {self.now}")
        self._calls[self.seq] = (callback, arg)
        self.push(t, None, 0)

    def run_until(self, until: float) -> None:
        """Run every event with time < ``until``; leave the clock at ``until``.

        The cyclic garbage collector is paused meanwhile: events allocate only short-lived,
        acyclic objects (freed by reference counting), yet each automatic collection would
        rescan the whole long-lived model — about 15% of run time on a city-sized year.
        """
        self.until = until
        k = 0
        collecting = gc.isenabled()  # collector_paused(), written out: 0.1 µs a day, not 1.7
        gc.disable()
        try:
            while self.n and self._t[0] < until:
                t, key, arg = self._t[0], self._key[0], self._arg[0]
                self._drop_first()
                self.now = t
                h = key & (MAX_ACTORS - 1)
                if h:
                    actor = cython.cast(Actor, self.actors[h])  # (compiled: unchecked, as the handle says)
                    actor._fire(arg)
                else:
                    callback, x = self._calls.pop(key >> ACTOR_BITS)
                    callback(x)
                k += 1
        finally:
            if collecting:
                gc.enable()
        self.events_run += k
        self.now = until

    def next_time(self) -> float:
        """Time of the earliest event on the calendar (inf if none)."""
        return self._t[0] if self.n else INF

    def __len__(self) -> int:
        return self.n


class DelayLine(Actor):
    """Items that all wait the same fixed delay (feedback, time limits, response times).

    Because the delay is constant, items fall due in the order they were pushed, so the line
    is a ring of (due, item) with one calendar event at a time, for its head. When due, an
    item calls ``target._due(tag, item)``; with ``prune``, items for which
    ``target._alive(tag, item, due)`` is false (a time limit on a case since served) are
    dropped without an event.
    """

    def __init__(self, clock: Clock, delay: float, target: Actor, tag: int, prune: bool = False):
        Actor.__init__(self)
        self.clock = clock
        self.delay = delay
        self.target = target
        self.tag = tag
        self.prune = prune
        self.head = self.tail = 0
        self.cap = 64
        self.armed = False
        self._due_at = array("d", [0.0]) * self.cap
        self._item = array("q", [0]) * self.cap

    def push(self, i: int) -> None:
        """``target._due(tag, i)`` will run ``delay`` hours from now."""
        clock = self.clock
        due = clock.now + self.delay
        if self.tail == self.cap:  # full: reuse the space already fired, or double it
            head, tail = self.head, self.tail
            cap = self.cap if head > self.cap // 2 else 2 * self.cap
            self._due_at = _grown_d(self._due_at, head, tail, cap)
            self._item = _grown_q(self._item, head, tail, cap)
            self.head, self.tail, self.cap = 0, tail - head, cap
        self._due_at[self.tail] = due
        self._item[self.tail] = i
        self.tail += 1
        if not self.armed:
            self.armed = True
            if due < clock.now:
                raise ValueError(f"cannot schedule at {due} before now {clock.now}")
            clock.push(due, self, 0)

    def _fire(self, arg: int) -> None:
        clock, target, tag = self.clock, self.target, self.tag
        while True:
            i = self._item[self.head]
            self.head += 1
            target._due(tag, i)
            if self.prune:
                while self.head < self.tail and not target._alive(tag, self._item[self.head], self._due_at[self.head]):
                    self.head += 1
            if self.head == self.tail:
                self.head = self.tail = 0
                self.armed = False
                return
            due = self._due_at[self.head]
            if due <= clock.now:
                continue
            if clock.runs_first(due):
                clock.now = due  # our head is the next event anywhere: run it in place
                clock.events_run += 1
                continue
            clock.push(due, self, 0)
            return

    def __len__(self) -> int:
        return self.tail - self.head


class Timetable(Actor):
    """Events planned ahead at known times (surfacings), fed to the clock a period at a time.

    ``plan`` files (time, arg) pairs into per-period buckets, in planning order; ``open(k)``
    sorts bucket ``k`` once (stably: equal times run as planned) and puts only its head on
    the calendar. Call ``open(k)`` when the clock reaches the start of period ``k``, after
    every plan that can land in it. Where ``callback`` is an actor's ``accept`` (the
    workflow's), it is called as that actor's ``_due(ACCEPT, arg)``.
    """

    def __init__(self, clock: Clock, callback: Callable[[int], object], period: float = 24.0):
        Actor.__init__(self)
        self.clock = clock
        self.callback = callback
        owner = getattr(callback, "__self__", None)
        self.target = owner if isinstance(owner, Actor) and getattr(callback, "__name__", "") == "accept" else None
        self.period = period
        self._buckets: dict[int, tuple[array, array]] = {}  # period -> (times, args), in planning order
        self._t = array("d")
        self._a = array("q")
        self._order = np.zeros(0, dtype=np.int64)
        self._pos = self._n = 0

    def plan(self, times: np.ndarray, args: np.ndarray) -> None:
        """``callback(arg)`` at each finite ``time`` (never before the current period)."""
        times = np.ascontiguousarray(times, dtype=np.float64)
        args = np.ascontiguousarray(args, dtype=np.int64)
        n = len(times)
        if not n:
            return
        periods = np.empty(n, dtype=np.int64)
        t, p = times, periods  # (typed views where compiled)
        in_order = True
        for i in range(n):
            ti = t[i]
            p[i] = _period_of(ti, self.period) if -INF < ti < INF else -1  # -1: never (filed nowhere)
            if i and p[i] < p[i - 1]:
                in_order = False
        if not in_order:  # each period's plans together, still in planning order
            order = np.argsort(periods, kind="stable")
            times, args, periods = times[order], args[order], periods[order]
            p = periods
        # a run of plans in one period goes into its bucket in one piece (a day's plans span
        # several periods: latent cases surface days or weeks later)
        tb, ab = memoryview(times).cast("B"), memoryview(args).cast("B")
        i = 0
        while i < n:
            k = p[i]
            j = i + 1
            while j < n and p[j] == k:
                j += 1
            if k >= 0:
                part = self._buckets.get(k)
                if part is None:
                    part = self._buckets[k] = (array("d"), array("q"))
                part[0].frombytes(tb[8 * i : 8 * j])
                part[1].frombytes(ab[8 * i : 8 * j])
            i = j

    def open(self, k: int) -> None:
        """Start feeding period ``k``'s events to the clock."""
        if self._pos < self._n:
            raise RuntimeError(f"period {k} opened before the previous one ran out")
        part = self._buckets.pop(k, None)
        if part is None:
            self._pos = self._n = 0
            return
        self._t, self._a = part
        self._order = np.argsort(np.frombuffer(part[0], dtype=np.float64), kind="stable").astype(np.int64)
        self._pos, self._n = 0, len(part[0])
        t = self._t[self._order[0]]
        if t < self.clock.now:
            raise ValueError(f"cannot schedule at {t} before now {self.clock.now}")
        self.clock.push(t, self, 0)

    def _fire(self, arg: int) -> None:
        clock, target = self.clock, self.target
        pos, n = self._pos, self._n
        while True:
            if target is not None:
                target._due(ACCEPT, self._a[self._order[pos]])
            else:
                self.callback(self._a[self._order[pos]])
            pos += 1
            if pos == n:
                break
            due = self._t[self._order[pos]]
            if due <= clock.now:
                continue
            if clock.runs_first(due):
                clock.now = due
                clock.events_run += 1
                continue
            clock.push(due, self, 0)
            break
        self._pos = pos

    def __len__(self) -> int:
        return self._n - self._pos + sum(len(t) for t, _ in self._buckets.values())
