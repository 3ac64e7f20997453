# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False, cdivision=False
"""Compiled event core: the calendar, desks and case workflow over typed state.

A twin of the pure-Python reference — ``sim.core.clock`` (Clock, DelayLine, Timetable),
``sim.core.desks`` (Team, Meeting, Referral) and ``sim.core.workflow`` (Workflow) — statement for
statement, so a run gives bit-identical tables either way (tests/test_kernels.py compares
the fingerprints; ``GRIDSIM_PURE=1`` runs the reference). What makes it fast is the data,
not the compilation: the calendar is a C heap of events (no tuples, no bound methods), the
fields a desk touches on every case live in C slots of each worker (:class:`WorkerState`,
a base class of ``sim.workforce.agents.Worker``), the incident log's columns are read through their
``array.array`` buffers, duty rosters are compiled (``sim.kernels._kernels.Roster``) and the
escalation policy is tabulated once at the start. Docstrings of the reference explain the rules.
"""

cimport cython
from cpython cimport array
from cpython.pycapsule cimport PyCapsule_GetPointer
from libc.math cimport INFINITY
from libc.stdlib cimport free, malloc, realloc
from libc.string cimport memmove
from numpy.random cimport bitgen_t

from sim.kernels._kernels cimport Roster

import gc
from collections import defaultdict

import numpy as np

from sim.kernels import _kernels

# workflow states and outcomes (sim.core.incidents.State, sim.core.workflow)
cdef enum:
    LATENT = 0
    SURFACED = 1
    ACCEPTED = 2
    WAITING = 3
    HANDLING = 4
    ESCALATED = 5
    RESOLVED = 6
    FEEDBACK = 7
    CLOSED = 8
    REOPENED = 9
    WORSENED = 10
    VISIT_FAILED = 11
    RESOLVE = 0
    ESCALATE = 1
    REVISIT = 2
    MAJOR = 2

# what an event on the calendar does
cdef enum:
    K_CALL = 0  # a Python callback and its argument (Clock._calls)
    K_FINISH = 1  # team o1: worker o2 finishes the case in hand
    K_WAKE = 2  # team o1 wakes (shift start, or the end of a block with a major case waiting)
    K_LINE = 3  # delay line o1 fires its head
    K_TABLE = 4  # timetable o1 fires its head
    K_MEET = 5  # meeting o1 sits
    K_DONE = 6  # meeting or referral o1 finishes case a

# what a delay line's items are for
cdef enum:
    L_FEEDBACK = 0  # Workflow.feedback
    L_REVISIT = 1  # Workflow._revisit
    L_TIMEOUT = 2  # Team._timeout (dead items: Team._still_waiting)
    L_RESPONSE = 3  # Referral._start


cdef struct Event:
    double t
    long long seq
    long long a
    int kind
    Py_ssize_t h1  # the actors it concerns (Clock.actors; -1: none)
    Py_ssize_t h2


cdef struct Entry:  # a case in a team's queue: (-severity, t_join, seq) orders it
    long long negsev
    double tj
    long long seq
    long long i


ctypedef fused Item:  # what the two heaps hold: calendar events, a team's waiting cases
    Event
    Entry


cdef inline bint _before(Item* x, Item* y) noexcept nogil:
    """Events by (time, sequence); waiting cases by (-severity, t_join, sequence)."""
    if Item is Event:
        return x.t < y.t or (x.t == y.t and x.seq < y.seq)
    else:
        if x.negsev != y.negsev:
            return x.negsev < y.negsev
        if x.tj != y.tj:
            return x.tj < y.tj
        return x.seq < y.seq


cdef inline void _sift_up(Item* h, Py_ssize_t j, Item x) noexcept nogil:
    """Place ``x`` in the binary heap ``h`` from its new last slot ``j`` upward."""
    cdef Py_ssize_t parent
    while j > 0:
        parent = (j - 1) >> 1
        if _before(&x, &h[parent]):
            h[j] = h[parent]
            j = parent
        else:
            break
    h[j] = x


cdef inline void _sift_down(Item* h, Py_ssize_t n, Item x) noexcept nogil:
    """Refill the emptied root of the heap ``h`` (``n`` items left) with ``x``, downward."""
    cdef Py_ssize_t j = 0, c
    while True:
        c = 2 * j + 1
        if c >= n:
            break
        if c + 1 < n and _before(&h[c + 1], &h[c]):
            c += 1
        if _before(&h[c], &x):
            h[j] = h[c]
            j = c
        else:
            break
    h[j] = x


cdef inline double* D(array.array a) noexcept:
    return a.data.as_doubles


cdef inline long long* Q(array.array a) noexcept:
    return a.data.as_longlongs


# ------------------------------------------------------------------------ workers

cdef class _Actor:
    """Anything an event on the calendar concerns. The calendar names it by its row in
    ``Clock.actors`` (a list the garbage collector sees), not by a pointer it could not."""

    cdef Py_ssize_t _h

    def __cinit__(self, *args, **kwargs):
        self._h = -1


cdef class WorkerState(_Actor):
    """The fields desks read and write on every case, as C slots (``sim.workforce.agents.Worker``
    inherits them; Python sees them as ordinary attributes)."""

    cdef public long long current, cases_handled, role_code, uid
    cdef public double busy_since, busy_hours, owed, free_at, block_hours, depth
    cdef public bint leaving
    cdef public object desk
    cdef object _roster
    cdef Roster duty

    def __cinit__(self, *args, **kwargs):
        self.current = -1
        self.depth = 1.0
        self.uid = -1
        self.role_code = -1

    @property
    def roster(self):
        """The weekly duty pattern (``sim.workforce.shifts.Roster``; its compiled twin answers the desks)."""
        return self._roster

    @roster.setter
    def roster(self, r):
        self._roster = r
        if r is None:
            self.duty = None
        else:  # the shared twin made with the roster (where the kernels were switched off then: one of its own)
            self.duty = r.twin if r.twin is not None else _kernels.Roster(r)


def hour_fields(list agents, const long long[:] slots, double[:, :] out):
    """``sim.kernels._kernels.hour_fields`` read off the workers' C slots (every midnight, every worker)."""
    cdef Py_ssize_t i
    cdef WorkerState a
    for i in range(slots.shape[0]):
        a = <WorkerState?>agents[slots[i]]
        out[0, i] = a.busy_hours
        out[1, i] = a.busy_since
        out[2, i] = a.current
        out[3, i] = a.block_hours
        out[4, i] = a.free_at


# ------------------------------------------------------------------------ the calendar

cdef class Clock:
    """``sim.core.clock.Clock`` over a C heap of events."""

    cdef public double now, until
    cdef public long long events_run
    cdef long long seq
    cdef Event* heap
    cdef Py_ssize_t n, cap
    cdef readonly list actors  # what events concern, by handle
    cdef dict _calls  # Python callbacks waiting on the calendar: seq -> (callback, arg)

    def __cinit__(self, double start=0.0):
        self.cap = 256
        self.heap = <Event*>malloc(self.cap * sizeof(Event))
        if self.heap == NULL:
            raise MemoryError()
        self.n = 0
        self.actors = []
        self._calls = {}

    def __init__(self, double start=0.0):
        self.now = start
        self.until = start
        self.events_run = 0

    def __dealloc__(self):
        free(self.heap)

    cdef inline Py_ssize_t handle(self, _Actor o) except -2:
        if o is None:
            return -1
        if o._h < 0:
            o._h = len(self.actors)
            self.actors.append(o)
        return o._h

    cdef int push(self, double t, int kind, _Actor o1, _Actor o2, long long a) except -1:
        cdef Event ev
        cdef Event* grown
        if self.n == self.cap:
            grown = <Event*>realloc(self.heap, 2 * self.cap * sizeof(Event))
            if grown == NULL:
                raise MemoryError()
            self.heap, self.cap = grown, 2 * self.cap
        ev.t, ev.seq, ev.a, ev.kind = t, self.seq, a, kind
        ev.h1, ev.h2 = self.handle(o1), self.handle(o2)
        self.seq += 1
        _sift_up(self.heap, self.n, ev)
        self.n += 1
        return 0

    cdef Event pop(self) noexcept:
        """Remove the earliest event."""
        cdef Event top = self.heap[0]
        self.n -= 1
        if self.n:
            _sift_down(self.heap, self.n, self.heap[self.n])
        return top

    cdef inline bint runs_first_c(self, double t) noexcept:
        return t < self.until and (self.n == 0 or t < self.heap[0].t)

    def at(self, double t, callback, arg):
        """Run ``callback(arg)`` at time ``t`` (never earlier than now)."""
        if t < self.now:
            raise ValueError(f"cannot schedule at {t} before now {self.now}")
        self._calls[self.seq] = (callback, arg)
        self.push(t, K_CALL, None, None, 0)

    def run_until(self, double until):
        """Run every event with time < ``until``; leave the clock at ``until`` (the cyclic
        garbage collector paused meanwhile, as in the reference)."""
        cdef Event ev
        cdef long long k = 0
        cdef object o1
        self.until = until
        collecting = gc.isenabled()
        gc.disable()
        try:
            while self.n and self.heap[0].t < until:
                ev = self.pop()
                self.now = ev.t
                o1 = self.actors[ev.h1] if ev.h1 >= 0 else None
                if ev.kind == K_FINISH:
                    (<Team>o1)._finish(<WorkerState>self.actors[ev.h2])
                elif ev.kind == K_LINE:
                    (<DelayLine>o1)._fire()
                elif ev.kind == K_TABLE:
                    (<Timetable>o1)._fire()
                elif ev.kind == K_WAKE:
                    (<Team>o1)._wake()
                elif ev.kind == K_DONE:
                    (<Desk>o1)._done(ev.a)
                elif ev.kind == K_MEET:
                    (<Meeting>o1)._meet()
                else:
                    callback, arg = self._calls.pop(ev.seq)
                    callback(arg)
                k += 1
        finally:
            if collecting:
                gc.enable()
        self.events_run += k
        self.now = until

    def next_time(self):
        """Time of the earliest event on the calendar (inf if none)."""
        return self.heap[0].t if self.n else INFINITY

    def runs_first(self, double t):
        return self.runs_first_c(t)

    def __len__(self):
        return self.n


cdef class DelayLine(_Actor):
    """``sim.core.clock.DelayLine`` for incident ids: a ring of (due, case), one event for its head."""

    cdef Clock clock
    cdef public double delay
    cdef int kind
    cdef object target
    cdef double* due
    cdef long long* item
    cdef Py_ssize_t head, tail, cap
    cdef bint armed

    def __cinit__(self, Clock clock, double delay, int kind, target):
        self.cap = 64
        self.due = <double*>malloc(self.cap * sizeof(double))
        self.item = <long long*>malloc(self.cap * sizeof(long long))
        if self.due == NULL or self.item == NULL:
            raise MemoryError()
        self.clock, self.delay, self.kind, self.target = clock, delay, kind, target

    def __dealloc__(self):
        free(self.due)
        free(self.item)

    cdef int push(self, long long i) except -1:
        cdef double due = self.clock.now + self.delay
        cdef Py_ssize_t live
        if self.tail == self.cap:
            live = self.tail - self.head
            if self.head > self.cap // 2:  # reuse the space already fired
                memmove(self.due, self.due + self.head, live * sizeof(double))
                memmove(self.item, self.item + self.head, live * sizeof(long long))
            else:
                self.cap *= 2
                self.due = <double*>realloc(self.due, self.cap * sizeof(double))
                self.item = <long long*>realloc(self.item, self.cap * sizeof(long long))
                if self.due == NULL or self.item == NULL:
                    raise MemoryError()
                if self.head:
                    memmove(self.due, self.due + self.head, live * sizeof(double))
                    memmove(self.item, self.item + self.head, live * sizeof(long long))
            self.head, self.tail = 0, live
        self.due[self.tail] = due
        self.item[self.tail] = i
        self.tail += 1
        if not self.armed:
            self.armed = True
            if due < self.clock.now:
                raise ValueError(f"cannot schedule at {due} before now {self.clock.now}")
            self.clock.push(due, K_LINE, self, None, 0)
        return 0

    cdef int call(self, long long i) except -1:
        if self.kind == L_FEEDBACK:
            (<Workflow>self.target).feedback(i)
        elif self.kind == L_REVISIT:
            (<Workflow>self.target)._revisit(i)
        elif self.kind == L_TIMEOUT:
            (<Team>self.target)._timeout(i)
        else:
            (<Referral>self.target)._start(i)
        return 0

    cdef int _fire(self) except -1:
        cdef Clock clock = self.clock
        cdef long long i
        cdef double due
        cdef Team team = <Team>self.target if self.kind == L_TIMEOUT else None
        while True:
            i = self.item[self.head]
            self.head += 1
            self.call(i)
            if team is not None:
                while self.head < self.tail and not team._still_waiting(self.item[self.head], self.due[self.head]):
                    self.head += 1
            if self.head == self.tail:
                self.head = self.tail = 0
                self.armed = False
                return 0
            due = self.due[self.head]
            if due <= clock.now:
                continue
            if clock.runs_first_c(due):
                clock.now = due  # our head is the next event anywhere: run it in place
                clock.events_run += 1
                continue
            clock.push(due, K_LINE, self, None, 0)
            return 0

    def __len__(self):
        return self.tail - self.head


cdef class Timetable(_Actor):
    """``sim.core.clock.Timetable``: a day's planned surfacings, fed to the clock in time order.

    Plans are filed into their period unsorted, in planning order, and each period is sorted
    once (stably) when it opens. The reference sorts each plan first; both sorts being stable,
    events at equal times come out in the same order either way (plan by plan, then as given).
    """

    cdef Clock clock
    cdef object callback
    cdef Workflow wf  # set when the callback is the compiled Workflow.accept: called in C
    cdef public double period
    cdef dict _buckets  # period -> (array of times, array of args), in planning order
    cdef array.array _t, _a  # the open period's
    cdef object _order_arr
    cdef long long[::1] _order
    cdef Py_ssize_t _pos, _n

    def __init__(self, Clock clock, callback, double period=24.0):
        self.clock = clock
        self.callback = callback
        owner = getattr(callback, "__self__", None)
        self.wf = owner if isinstance(owner, Workflow) and callback.__name__ == "accept" else None
        self.period = period
        self._buckets = {}
        self._pos = self._n = 0

    def plan(self, times, args):
        """``callback(arg)`` at each finite ``time`` (never before the current period)."""
        cdef double[::1] tv
        cdef long long[::1] av, pv
        cdef Py_ssize_t i, n
        cdef long long k, last = -1
        cdef array.array bt = None, ba = None
        times = np.ascontiguousarray(times, dtype=np.float64)
        args = np.ascontiguousarray(args, dtype=np.int64)
        keep = np.isfinite(times)
        if not keep.all():
            times, args = times[keep], args[keep]
        n = len(times)
        if not n:
            return
        period = np.minimum(times // self.period, 2.0**62).astype(np.int64)  # the reference's periods
        tv, av, pv = times, args, period
        for i in range(n):
            k = pv[i]
            if bt is None or k != last:
                part = self._buckets.get(k)
                if part is None:
                    part = self._buckets[k] = (array.array("d"), array.array("q"))
                bt, ba = part
                last = k
            array.resize_smart(bt, len(bt) + 1)
            bt.data.as_doubles[len(bt) - 1] = tv[i]
            array.resize_smart(ba, len(ba) + 1)
            ba.data.as_longlongs[len(ba) - 1] = av[i]

    def open(self, k):
        """Start feeding period ``k``'s events to the clock."""
        if self._pos < self._n:
            raise RuntimeError(f"period {k} opened before the previous one ran out")
        part = self._buckets.pop(k, None)
        if part is None:
            self._pos = self._n = 0
            return
        self._t, self._a = part
        self._order_arr = np.argsort(np.frombuffer(self._t, dtype=np.float64), kind="stable")
        self._order = self._order_arr
        self._pos, self._n = 0, len(self._t)
        t = self._t.data.as_doubles[self._order[0]]
        if t < self.clock.now:
            raise ValueError(f"cannot schedule at {t} before now {self.clock.now}")
        self.clock.push(t, K_TABLE, self, None, 0)

    cdef int _fire(self) except -1:
        cdef Clock clock = self.clock
        cdef Py_ssize_t pos = self._pos, n = self._n
        cdef double* times = self._t.data.as_doubles
        cdef long long* args = self._a.data.as_longlongs
        cdef long long[::1] order = self._order
        cdef double due
        while True:
            if self.wf is not None:
                self.wf.accept_c(args[order[pos]])
            else:
                self.callback(args[order[pos]])
            pos += 1
            if pos == n:
                break
            due = times[order[pos]]
            if due <= clock.now:
                continue
            if clock.runs_first_c(due):
                clock.now = due
                clock.events_run += 1
                continue
            clock.push(due, K_TABLE, self, None, 0)
            break
        self._pos = pos
        return 0

    def __len__(self):
        return self._n - self._pos + sum(len(t) for t, _ in self._buckets.values())


# ------------------------------------------------------------------------ desks

cdef class Desk(_Actor):
    """``sim.core.desks.Desk``."""

    cdef public Workflow wf
    cdef public Clock clock
    cdef public long long id, level, rank, unit, n_waiting
    cdef public object name
    cdef public double multiplier

    discipline = "desk"

    def __init__(self, Clock clock, long long ident, long long level, long long rank, long long unit, name,
                 double multiplier=1.0):
        self.wf = None
        self.clock = clock
        self.id, self.level, self.rank, self.unit = ident, level, rank, unit
        self.name = name
        self.multiplier = multiplier
        self.n_waiting = 0

    @property
    def workers(self):
        return []

    cpdef admit(self, long long i, double now):
        raise NotImplementedError

    cdef int _done(self, long long i) except -1:
        raise NotImplementedError


cdef class _Queue:
    """A team's waiting cases: a binary heap of (-severity, t_join, seq, case)."""

    cdef Entry* e
    cdef Py_ssize_t n, cap

    def __cinit__(self):
        self.cap = 8
        self.e = <Entry*>malloc(self.cap * sizeof(Entry))
        if self.e == NULL:
            raise MemoryError()

    def __dealloc__(self):
        free(self.e)

    cdef int push(self, Entry x) except -1:
        cdef Entry* grown
        if self.n == self.cap:
            grown = <Entry*>realloc(self.e, 2 * self.cap * sizeof(Entry))
            if grown == NULL:
                raise MemoryError()
            self.e, self.cap = grown, 2 * self.cap
        _sift_up(self.e, self.n, x)
        self.n += 1
        return 0

    cdef Entry pop(self) noexcept:
        cdef Entry top = self.e[0]
        self.n -= 1
        if self.n:
            _sift_down(self.e, self.n, self.e[self.n])
        return top


cdef class Team(Desk):
    """``sim.core.desks.Team``: rostered workers serving a priority queue."""

    cdef public list members, idle, membership
    cdef _Queue q
    cdef public object time_limit
    cdef double limit
    cdef public DelayLine deadlines
    cdef public double wake_at, blocked_until
    cdef long long _urgent, qseq
    cdef public Desk cover
    cdef bint _always
    cdef Roster _roster

    discipline = "team"

    def __init__(self, Clock clock, long long ident, long long level, long long rank, long long unit, name, members,
                 time_limit=None, double multiplier=1.0, bint on_call=True):
        Desk.__init__(self, clock, ident, level, rank, unit, name, multiplier)
        self.members = list(members)
        self.idle = list(members)
        self.q = _Queue()
        self.time_limit = time_limit
        self.limit = INFINITY if time_limit is None else time_limit
        self.deadlines = None if time_limit is None else DelayLine(clock, time_limit, L_TIMEOUT, self)
        self.wake_at = INFINITY
        self.blocked_until = -INFINITY
        self._urgent = MAJOR if on_call else -1
        self.cover = None
        self.membership = []
        for w in members:
            w.desk = self
        self._rosters_changed()

    cdef _rosters_changed(self):
        members = self.members
        self._always = bool(members) and all(w.roster.always for w in members)
        rosters = {id(w.roster) for w in members}
        self._roster = (<WorkerState>members[0]).duty if len(rosters) == 1 else None

    @property
    def workers(self):
        return self.members

    @property
    def queue(self):
        """The waiting entries (-severity, t_join, seq, case), in heap order."""
        return [(self.q.e[j].negsev, self.q.e[j].tj, self.q.e[j].seq, self.q.e[j].i) for j in range(self.q.n)]

    cpdef admit(self, long long i, double now):
        cdef Workflow wf = self.wf
        cdef long long sev = Q(wf.a_severity)[i]
        cdef list idle = self.idle
        cdef Py_ssize_t j, k, n
        cdef WorkerState w
        cdef Entry x
        n = len(idle)
        if n:
            if now < self.blocked_until:
                for j in range(n):
                    k = n - 1 - j if self._always else j
                    w = <WorkerState>idle[k]
                    if w.free_at <= now and (sev == self._urgent or w.duty.is_on(now)):
                        del idle[k]
                        self._start(w, i, now)
                        return
            elif self._always:
                self._start(<WorkerState>idle.pop(), i, now)
                return
            elif self._roster is not None:
                if sev == self._urgent or self._roster.is_on(now):
                    self._start(<WorkerState>idle.pop(0), i, now)
                    return
            else:
                for k in range(n):
                    w = <WorkerState>idle[k]
                    if sev == self._urgent or w.duty.is_on(now):
                        del idle[k]
                        self._start(w, i, now)
                        return
        elif not self.members and self.cover is not None:
            self.cover.admit(i, now)
            return
        wf.wait(i, now, self)
        x.negsev, x.tj, x.seq, x.i = -sev, now, self.qseq, i
        self.qseq += 1
        self.q.push(x)
        self.n_waiting += 1
        if self.deadlines is not None:
            self.deadlines.push(i)
        if idle:
            self._wake_when_on(now)

    cdef int _start(self, WorkerState w, long long i, double now) except -1:
        w.current = i
        w.busy_since = now
        self.clock.push(now + self.wf.begin(i, now, self, w), K_FINISH, self, w, 0)
        return 0

    cdef int _finish(self, WorkerState w) except -1:
        cdef double now = self.clock.now
        cdef long long i = w.current
        w.current = -1
        w.busy_hours += now - w.busy_since
        w.cases_handled += 1
        if w.owed:
            self.start_block(w, now)
        if not w.leaving:
            (<Team>w.desk)._next(w, now)
        self.wf.end(i, now, self, w)
        return 0

    cdef bint _pop_valid(self) noexcept:
        """Drop queue entries whose case already left; is a live one at the head?"""
        cdef Workflow wf = self.wf
        cdef long long* state = Q(wf.a_state)
        cdef long long* desk = Q(wf.a_desk)
        cdef double* t_join = D(wf.a_t_join)
        cdef Entry* h
        while self.q.n:
            h = &self.q.e[0]
            if state[h.i] == WAITING and desk[h.i] == self.id and t_join[h.i] == h.tj:
                return True
            self.q.pop()
        return False

    cdef int _next(self, WorkerState w, double now) except -1:
        cdef bint head = self._pop_valid()
        cdef long long i
        if head and w.free_at <= now and (self.q.e[0].negsev == -self._urgent or w.duty.is_on(now)):
            i = self.q.pop().i
            self.n_waiting -= 1
            self._start(w, i, now)
            return 0
        self.idle.append(w)
        if head:
            self._wake_when_on(now)
        return 0

    cdef int _wake_when_on(self, double now) except -1:
        cdef list idle = self.idle
        cdef WorkerState w
        cdef double t, x
        cdef Py_ssize_t k, n = len(idle)
        if self.q.n and self.q.e[0].negsev == -self._urgent:
            t = INFINITY
            for k in range(n):
                w = <WorkerState>idle[k]
                x = w.free_at if w.free_at > now else now
                if k == 0 or x < t:
                    t = x
        elif n == 1:
            w = <WorkerState>idle[0]
            t = w.duty.next_on(w.free_at if w.free_at > now else now)
        elif now < self.blocked_until:
            t = INFINITY
            for k in range(n):
                w = <WorkerState>idle[k]
                x = w.duty.next_on(w.free_at if w.free_at > now else now)  # max(now, free_at)
                if k == 0 or x < t:
                    t = x
        elif self._roster is not None:
            t = self._roster.next_on(now)
        else:
            t = INFINITY
            for k in range(n):
                w = <WorkerState>idle[k]
                x = w.duty.next_on(now)
                if k == 0 or x < t:
                    t = x
        if t <= now or t == INFINITY:
            return 0
        if self.wake_at <= now or t < self.wake_at:
            self.wake_at = t
            self.clock.push(t, K_WAKE, self, None, 0)
        return 0

    cdef int _wake(self) except -1:
        cdef double now = self.clock.now
        cdef WorkerState w
        cdef long long i
        if now != self.wake_at:
            return 0
        self.wake_at = INFINITY
        for w in [w for w in self.idle if (<WorkerState>w).free_at <= now]:
            if not self._pop_valid():
                return 0
            if self.q.e[0].negsev != -self._urgent and not w.duty.is_on(now):
                continue
            i = self.q.pop().i
            self.n_waiting -= 1
            self.idle.remove(w)
            self._start(w, i, now)
        if self._pop_valid() and self.idle:
            self._wake_when_on(now)
        return 0

    # -------------------------------------------------------------- people come and go

    def join(self, WorkerState w, double now):
        w.leaving = False
        w.desk = self
        self.blocked_until = max(self.blocked_until, w.free_at)
        self.membership.append((now, (<object>w).unique_id, True))
        self.members.append(w)
        self._rosters_changed()
        if w.current == -1:
            self._next(w, now)

    def leave(self, WorkerState w, double now):
        self.members.remove(w)
        self.membership.append((now, (<object>w).unique_id, False))
        self._rosters_changed()
        if w in self.idle:
            self.idle.remove(w)
        else:
            w.leaving = True
        if not self.members:
            self.hand_over(now)

    def hand_over(self, double now, route=None):
        cdef Entry head
        cdef list keep
        if self.cover is None and route is None:
            return
        keep = []
        while self._pop_valid():
            head = self.q.pop()
            dest = self.cover if route is None else route(head.i)
            if dest is None or dest is self:
                keep.append(head)
                continue
            self.n_waiting -= 1
            (<Desk>dest).admit(head.i, now)
        for head in keep:
            self.q.push(head)

    def block(self, WorkerState w, double hours, double now):
        w.owed += hours
        if w.current == -1:
            self.start_block(w, now)

    cpdef start_block(self, WorkerState w, double now):
        cdef double t0 = now if w.free_at < now else w.free_at
        cdef double t1 = t0 + w.owed
        cdef Team desk
        if self.wf.recording:
            (<object>w).blocks.append((t0, t1))
        w.block_hours += w.owed
        w.owed = 0.0
        w.free_at = t1
        desk = <Team>w.desk
        if t1 > desk.blocked_until:
            desk.blocked_until = t1

    cdef bint _still_waiting(self, long long i, double due) noexcept:
        cdef Workflow wf = self.wf
        return (Q(wf.a_state)[i] == WAITING and Q(wf.a_desk)[i] == self.id
                and D(wf.a_t_join)[i] + self.limit == due)

    cdef int _timeout(self, long long i) except -1:
        cdef Workflow wf = self.wf
        cdef double now = self.clock.now
        if Q(wf.a_state)[i] == WAITING and Q(wf.a_desk)[i] == self.id and D(wf.a_t_join)[i] + self.limit == now:
            if wf.timeout(i, now, self):
                self.n_waiting -= 1
        return 0


cdef class Meeting(Desk):
    """``sim.core.desks.Meeting``: the weekly work-group meeting (组长召集)."""

    cdef public WorkerState chair
    cdef public double at_week_hour, next_meeting, last_meeting
    cdef public list pending

    discipline = "meeting"

    def __init__(self, Clock clock, long long ident, long long level, long long rank, long long unit, name, chair,
                 long long weekday, double hour, double multiplier=1.0):
        Desk.__init__(self, clock, ident, level, rank, unit, name, multiplier)
        self.chair = chair
        self.at_week_hour = weekday * 24.0 + hour
        self.pending = []
        self.next_meeting = -INFINITY
        self.last_meeting = -INFINITY

    @property
    def workers(self):
        return [self.chair]

    cpdef admit(self, long long i, double now):
        cdef double base, t
        self.wf.wait(i, now, self)
        self.pending.append((i, now))
        self.n_waiting += 1
        if self.next_meeting < now or self.next_meeting == self.last_meeting:
            base = now - (now % 168.0)
            t = base + self.at_week_hour
            if t < now or t <= self.last_meeting:
                t += 168.0
            self.next_meeting = t
            if t < self.clock.now:
                raise ValueError(f"cannot schedule at {t} before now {self.clock.now}")
            self.clock.push(t, K_MEET, self, None, 0)

    cdef int _meet(self) except -1:
        cdef double now = self.clock.now
        cdef Workflow wf = self.wf
        cdef long long i
        cdef double tj, t
        self.last_meeting = now
        batch, self.pending = self.pending, []
        for i, tj in batch:
            if Q(wf.a_state)[i] == WAITING and Q(wf.a_desk)[i] == self.id and D(wf.a_t_join)[i] == tj:
                self.n_waiting -= 1
                t = now + wf.begin(i, now, self, self.chair)
                if t < self.clock.now:
                    raise ValueError(f"cannot schedule at {t} before now {self.clock.now}")
                self.clock.push(t, K_DONE, self, None, i)
        return 0

    cdef int _done(self, long long i) except -1:
        self.chair.cases_handled += 1
        self.wf.end(i, self.clock.now, self, self.chair)
        return 0


cdef class Referral(Desk):
    """``sim.core.desks.Referral``: a response time, then the handling time."""

    cdef public WorkerState agent
    cdef public double response_hours
    cdef public DelayLine responses

    discipline = "referral"

    def __init__(self, Clock clock, long long ident, long long level, long long rank, long long unit, name, agent,
                 double response_hours, double multiplier=1.0):
        Desk.__init__(self, clock, ident, level, rank, unit, name, multiplier)
        self.agent = agent
        self.response_hours = response_hours
        self.responses = DelayLine(clock, response_hours, L_RESPONSE, self)

    @property
    def workers(self):
        return [self.agent]

    cpdef admit(self, long long i, double now):
        self.wf.wait(i, now, self)
        self.n_waiting += 1
        self.responses.push(i)

    cdef int _start(self, long long i) except -1:
        cdef double now = self.clock.now
        cdef double t
        self.n_waiting -= 1
        t = now + self.wf.begin(i, now, self, self.agent)
        if t < now:
            raise ValueError(f"cannot schedule at {t} before now {now}")
        self.clock.push(t, K_DONE, self, None, i)
        return 0

    cdef int _done(self, long long i) except -1:
        self.agent.cases_handled += 1
        self.wf.end(i, self.clock.now, self, self.agent)
        return 0


# ------------------------------------------------------------------------ the workflow

cdef class Workflow:
    """``sim.core.workflow.Workflow``: moves cases between states and desks."""

    cdef public object model, log, residents, policy, rework, mark
    cdef public Clock clock
    cdef public bint recording, joint_visits
    cdef public list desks, desks_by_id
    cdef public long long L, top, max_visits, max_reopens
    cdef public long long n_accepted, n_resolved, n_closed, n_escalated, n_reopened, n_feedback, n_satisfied, n_started
    cdef public double wait_sum, joint_factor, sat_base, sat_day, sat_esc, sat_floor, p_reopen, rush_loss
    cdef public double trust_gain, trust_loss, aware_gain
    cdef public DelayLine revisits, feedbacks_due
    cdef bitgen_t* rng
    cdef object _keep  # arrays behind the C tables below
    cdef double[::1] cat_hours, level_mult, triage, p_solve, grid_access
    cdef long long[::1] authority, next_level, grid_desk, is_visit
    cdef long long n_sev, n_grids, grid_roles
    cdef array.array a_state, a_desk, a_t_join, a_t_handling, a_t_surfaced, a_t_accepted, a_category, a_severity
    cdef array.array a_level, a_work, a_u_solve, a_u_visit, a_visits_failed, a_outcome, a_grid, a_escalations
    cdef array.array a_t_escalated, a_t_resolved, a_resolver, a_handler, a_depth, a_household, a_t_feedback
    cdef array.array a_reopens, a_u_feedback, a_u_reopen, a_satisfied, a_t_reopened, a_t_closed, a_entry
    cdef array.array a_trust, a_awareness, a_satisfaction, a_feedbacks, a_sat_sum, a_sat_n
    cdef double weight

    def __init__(self, model):
        from sim.workforce.agents import GRID_ROLES
        sc = model.config
        self.model = model
        self.clock = model.clock
        log = self.log = model.log
        self.recording = log.recording
        self.mark = log.mark
        self.rework = model.streams["rework"]
        self.rng = <bitgen_t*>PyCapsule_GetPointer(self.rework.bit_generator.capsule, "BitGenerator")
        self.policy = model.escalation
        self.joint_visits = model.routing.joint_visits
        self.desks = model.desks
        self.desks_by_id = model.desks_by_id
        self.L = len(sc.levels)
        self.top = self.L - 1
        cats = list(sc.categories.values())
        level_index = {lv.name: k for k, lv in enumerate(sc.levels)}
        authority = np.array([[level_index[a] for a in c.authority] for c in cats], dtype=np.int64).reshape(len(cats), -1)
        self.n_sev = authority.shape[1]
        # the escalation policy, tabulated: next rung for (category, severity, rank)
        nxt = np.array([[[self.policy.next_level(c, s, r) for r in range(self.L)] for s in range(self.n_sev)]
                        for c in range(len(cats))], dtype=np.int64)
        types = list(sc.community_types.values())
        self.n_grids = model.world.n_grids
        arrays = dict(
            cat_hours=np.array([c.handling_hours for c in cats], dtype=np.float64),
            level_mult=np.array([lv.handling_multiplier for lv in sc.levels], dtype=np.float64),
            triage=np.array([lv.triage_fraction for lv in sc.levels], dtype=np.float64),
            p_solve=np.array([lv.p_solve for lv in sc.levels], dtype=np.float64),
            grid_access=np.array([types[t].access_difficulty for t in model.world.grid_type.tolist()], dtype=np.float64),
            authority=np.ascontiguousarray(authority.ravel()),
            next_level=np.ascontiguousarray(nxt.ravel()),
            grid_desk=np.ascontiguousarray(np.asarray(model.level_grid_desk, dtype=np.int64).ravel()),
            is_visit=np.array([int(c.visit) for c in cats], dtype=np.int64),
        )
        self._keep = arrays
        self.cat_hours, self.level_mult, self.triage = arrays["cat_hours"], arrays["level_mult"], arrays["triage"]
        self.p_solve, self.grid_access = arrays["p_solve"], arrays["grid_access"]
        self.authority, self.next_level, self.grid_desk = arrays["authority"], arrays["next_level"], arrays["grid_desk"]
        self.is_visit = arrays["is_visit"]
        self.grid_roles = 0
        for r in GRID_ROLES:
            self.grid_roles |= 1 << r
        self.joint_factor = sc.police.joint_visit_access_factor if self.joint_visits else 1.0
        st = sc.staffing
        self.max_visits = st.max_visit_attempts
        self.revisits = DelayLine(self.clock, st.visit_retry_hours, L_REVISIT, self)
        r = sc.residents
        self.feedbacks_due = DelayLine(self.clock, r.feedback_delay_hours, L_FEEDBACK, self)
        self.sat_base, self.sat_day, self.sat_esc, self.sat_floor = (
            r.satisfaction_base, r.satisfaction_loss_per_day, r.satisfaction_loss_per_escalation,
            r.satisfaction_floor)
        self.p_reopen = r.reopen_if_unsatisfied
        ef = sc.effort
        self.rush_loss = ef.rush_satisfaction_loss / (1.0 - ef.min_depth) if ef.min_depth < 1 else 0.0
        self.max_reopens = sc.escalation.max_reopens
        self.trust_gain, self.trust_loss, self.aware_gain = r.trust_gain, r.trust_loss, r.awareness_gain_on_contact
        res = self.residents = model.residents
        self.a_trust, self.a_awareness = res._trust, res._awareness
        self.a_satisfaction, self.a_feedbacks = res._satisfaction, res.feedbacks
        self.a_sat_sum, self.a_sat_n, self.weight = res._sat_sum, res._sat_n, res.weight
        self.a_state, self.a_desk, self.a_t_join, self.a_t_handling = log.state, log.desk, log.t_join, log.t_handling
        self.a_t_surfaced, self.a_t_accepted, self.a_category = log.t_surfaced, log.t_accepted, log.category
        self.a_severity, self.a_level, self.a_work, self.a_u_solve = log.severity, log.level, log.work, log.u_solve
        self.a_u_visit, self.a_visits_failed, self.a_outcome = log.u_visit, log.visits_failed, log.outcome
        self.a_grid, self.a_escalations, self.a_t_escalated = log.grid, log.escalations, log.t_escalated
        self.a_t_resolved, self.a_resolver, self.a_handler = log.t_resolved, log.resolver, log.handler
        self.a_depth, self.a_household, self.a_t_feedback = log.depth, log.household, log.t_feedback
        self.a_reopens, self.a_u_feedback, self.a_u_reopen = log.reopens, log.u_feedback, log.u_reopen
        self.a_satisfied, self.a_t_reopened, self.a_t_closed = log.satisfied, log.t_reopened, log.t_closed
        self.a_entry = model.entry_desk
        self.n_accepted = self.n_resolved = self.n_closed = self.n_escalated = 0
        self.n_reopened = self.n_feedback = self.n_satisfied = self.n_started = 0
        self.wait_sum = 0.0

    # ---------------------------------------------------------------- entry

    def accept(self, long long i):
        """Event: the first responder accepts a surfaced case (``Workflow.accept``)."""
        self.accept_c(i)

    cdef int accept_c(self, long long i) except -1:
        cdef double now = self.clock.now
        cdef Desk desk
        Q(self.a_state)[i] = ACCEPTED
        D(self.a_t_accepted)[i] = now
        if self.recording:
            self.mark((i, D(self.a_t_surfaced)[i], SURFACED, 0, -1, i, now, ACCEPTED, 0, -1))
        self.n_accepted += 1
        desk = <Desk>self.desks_by_id[Q(self.a_entry)[i]]
        Q(self.a_level)[i] = desk.level
        desk.admit(i, now)
        return 0

    # ---------------------------------------------------------------- at a desk

    cpdef wait(self, long long i, double now, Desk desk):
        Q(self.a_state)[i] = WAITING
        Q(self.a_desk)[i] = desk.id
        D(self.a_t_join)[i] = now
        if self.recording:
            self.mark((i, now, WAITING, desk.level, -1))

    cpdef double begin(self, long long i, double now, Desk desk, WorkerState worker) except? -1.0:
        cdef long long cat, lvl, k, sev
        cdef double hours, u, th
        Q(self.a_state)[i] = HANDLING
        Q(self.a_desk)[i] = desk.id
        th = D(self.a_t_handling)[i]
        if th != th:
            D(self.a_t_handling)[i] = now
            self.wait_sum += now - D(self.a_t_surfaced)[i]
            self.n_started += 1
        if self.recording:
            self.mark((i, now, HANDLING, desk.level, worker.uid))
        cat = Q(self.a_category)[i]
        lvl = desk.level
        k = i * self.L + lvl
        hours = self.cat_hours[cat] * self.level_mult[lvl] * desk.multiplier * D(self.a_work)[k] * worker.depth
        sev = Q(self.a_severity)[i]
        if desk.rank < self.authority[cat * self.n_sev + sev]:
            Q(self.a_outcome)[i] = ESCALATE
            return hours * self.triage[lvl]
        if self.is_visit[cat]:
            if Q(self.a_visits_failed)[i] == 0:
                u = D(self.a_u_visit)[i]
            else:
                u = self.rng.next_double(self.rng.state)
            if u < self.grid_access[Q(self.a_grid)[i]] * self.joint_factor:
                Q(self.a_outcome)[i] = REVISIT
                return hours
        Q(self.a_outcome)[i] = RESOLVE if (D(self.a_u_solve)[k] < self.p_solve[lvl] or desk.rank >= self.top) else ESCALATE
        return hours

    cpdef end(self, long long i, double now, Desk desk, WorkerState worker):
        cdef long long o = Q(self.a_outcome)[i]
        if o == RESOLVE:
            self.resolve(i, now, desk, worker)
        elif o == ESCALATE:
            self.escalate(i, now, desk, worker)
        else:
            Q(self.a_visits_failed)[i] += 1
            if self.recording:
                self.mark((i, now, VISIT_FAILED, desk.level, worker.uid))
            if Q(self.a_visits_failed)[i] >= self.max_visits:
                self.escalate(i, now, desk, worker)
            else:
                Q(self.a_state)[i] = WAITING
                D(self.a_t_join)[i] = float("nan")
                self.revisits.push(i)

    cdef int _revisit(self, long long i) except -1:
        (<Desk>self.desks_by_id[Q(self.a_desk)[i]]).admit(i, self.clock.now)
        return 0

    cpdef bint timeout(self, long long i, double now, Desk desk) except -1:
        cdef long long cat = Q(self.a_category)[i], sev = Q(self.a_severity)[i]
        if self.next_level[(cat * self.n_sev + sev) * self.L + desk.rank] <= desk.rank:
            return False
        self.escalate(i, now, desk, None)
        return True

    # ---------------------------------------------------------------- moving on

    cpdef escalate(self, long long i, double now, Desk desk, WorkerState worker=None):
        cdef long long cat = Q(self.a_category)[i], sev = Q(self.a_severity)[i]
        cdef long long nxt = self.next_level[(cat * self.n_sev + sev) * self.L + desk.rank]
        if nxt <= desk.rank:
            self.resolve(i, now, desk, worker if worker is not None else (<object>desk).workers[0])
            return
        Q(self.a_state)[i] = ESCALATED
        Q(self.a_escalations)[i] += 1
        D(self.a_t_escalated)[i] = now
        Q(self.a_level)[i] = nxt
        if self.recording:
            self.mark((i, now, ESCALATED, nxt, -1))
        self.n_escalated += 1
        (<Desk>self.desks_by_id[self.grid_desk[nxt * self.n_grids + Q(self.a_grid)[i]]]).admit(i, now)

    cpdef resolve(self, long long i, double now, Desk desk, WorkerState worker):
        cdef long long h
        cdef double* aw
        Q(self.a_state)[i] = RESOLVED
        D(self.a_t_resolved)[i] = now
        Q(self.a_resolver)[i] = worker.uid
        Q(self.a_handler)[i] = worker.role_code
        D(self.a_depth)[i] = worker.depth
        Q(self.a_level)[i] = desk.level
        Q(self.a_desk)[i] = desk.id
        if self.recording:
            self.mark((i, now, RESOLVED, desk.level, worker.uid))
        self.n_resolved += 1
        if 0 <= worker.role_code < 64 and (self.grid_roles >> worker.role_code) & 1:
            h = Q(self.a_household)[i]
            aw = D(self.a_awareness)
            aw[h] += self.aware_gain * (1.0 - aw[h])
        self.feedbacks_due.push(i)

    cdef inline void record_feedback(self, long long h, bint satisfied) noexcept:
        """``ResidentState.record_feedback``: the household's satisfaction moves toward the outcome."""
        cdef double* s = D(self.a_satisfaction)
        cdef double* total = D(self.a_sat_sum)
        cdef long long* seen = Q(self.a_feedbacks)
        cdef double old = s[h]
        cdef double new = old + self.weight * ((1.0 if satisfied else 0.0) - old)
        s[h] = new
        if seen[h]:
            total[0] += new - old
        else:
            Q(self.a_sat_n)[0] += 1
            total[0] += new
        seen[h] += 1

    cdef int feedback(self, long long i) except -1:
        cdef double now = self.clock.now
        cdef long long h = Q(self.a_household)[i]
        cdef double days = (D(self.a_t_resolved)[i] - D(self.a_t_surfaced)[i]) / 24.0
        cdef double p, u
        cdef double* trust = D(self.a_trust)
        cdef bint first, satisfied
        p = (self.sat_base - self.sat_day * days - self.sat_esc * Q(self.a_escalations)[i]
             - self.rush_loss * (1.0 - D(self.a_depth)[i]))
        if p < self.sat_floor:
            p = self.sat_floor
        first = Q(self.a_reopens)[i] == 0
        u = D(self.a_u_feedback)[i] if first else self.rng.next_double(self.rng.state)
        satisfied = u < p
        Q(self.a_satisfied)[i] = satisfied
        D(self.a_t_feedback)[i] = now
        self.n_feedback += 1
        if satisfied:
            self.n_satisfied += 1
            trust[h] += self.trust_gain * (1.0 - trust[h])
        else:
            trust[h] -= self.trust_loss * trust[h]
        self.record_feedback(h, satisfied)
        if not satisfied and Q(self.a_reopens)[i] < self.max_reopens:
            u = D(self.a_u_reopen)[i] if first else self.rng.next_double(self.rng.state)
            if u < self.p_reopen:
                Q(self.a_reopens)[i] += 1
                D(self.a_t_reopened)[i] = now
                Q(self.a_state)[i] = REOPENED
                if self.recording:
                    self.mark((i, now, REOPENED, Q(self.a_level)[i], -1))
                self.n_reopened += 1
                (<Desk>self.desks_by_id[Q(self.a_desk)[i]]).admit(i, now)
                return 0
        Q(self.a_state)[i] = CLOSED
        D(self.a_t_closed)[i] = now
        if self.recording:
            self.mark((i, now, CLOSED, Q(self.a_level)[i], -1))
        self.n_closed += 1
        return 0
