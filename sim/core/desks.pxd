# Cython declarations for sim/core/desks.py (pure Python mode): desks, and a team's queue as typed arrays.

cimport cython

from sim.core.cases cimport CaseFlow
from sim.core.clock cimport Actor, Clock, DelayLine, _grown_d, _grown_q
from sim.core.workers cimport WorkerState
from sim.kernels._kernels cimport Roster


cdef class Desk(Actor):
    cdef public CaseFlow wf
    cdef public Clock clock
    cdef public long long id, level, rank, unit, n_waiting
    cdef public object name
    cdef public double multiplier

    cpdef admit(self, long long i, double now)


cdef class Team(Desk):
    cdef public list members, idle, membership
    cdef Py_ssize_t qn, qcap
    cdef long long[::1] q_negsev, q_seq, q_case
    cdef double[::1] q_tj
    cdef long long qseq, _urgent
    cdef public long long n_picked
    cdef public object time_limit
    cdef double limit
    cdef public DelayLine deadlines
    cdef public double wake_at, blocked_until
    cdef public Desk cover
    cdef bint _always
    cdef Roster _roster

    @cython.locals(first=WorkerState)
    cdef _rosters_changed(self)
    @cython.locals(n=Py_ssize_t, cap=Py_ssize_t, j=Py_ssize_t)
    cdef _q_push(self, long long negsev, double tj, long long seq, long long i)
    @cython.locals(p=Py_ssize_t)
    cdef inline Py_ssize_t _q_sift_up(self, Py_ssize_t j, long long negsev, double tj, long long seq) noexcept
    cdef inline void _q_drop_first(self) noexcept
    @cython.locals(n=Py_ssize_t, c=Py_ssize_t, negsev=cython.longlong, tj=cython.double,
                   seq=cython.longlong, i=cython.longlong, k=Py_ssize_t)
    cdef void _q_drop_at(self, Py_ssize_t j) noexcept
    cdef inline bint _q_before(self, Py_ssize_t a, Py_ssize_t b) noexcept
    @cython.locals(wf=CaseFlow, sev=cython.longlong, idle=list, n=Py_ssize_t, j=Py_ssize_t, k=Py_ssize_t,
                   w=WorkerState)
    cpdef admit(self, long long i, double now)
    cdef _fire(self, long long arg)
    cdef _start(self, WorkerState w, long long i, double now)
    @cython.locals(now=cython.double, i=cython.longlong, team=Team)
    cdef _finish(self, WorkerState w)
    @cython.locals(wf=CaseFlow, i=cython.longlong)
    cdef bint _pop_valid(self) noexcept
    @cython.locals(head=cython.bint, i=cython.longlong)
    cdef _next(self, WorkerState w, double now)
    @cython.locals(j=Py_ssize_t, i=cython.longlong)
    cdef long long _take(self, WorkerState w, double now) except -1
    @cython.locals(wf=CaseFlow, n=Py_ssize_t, best=Py_ssize_t, j=Py_ssize_t, i=cython.longlong, h=cython.double,
                   bh=cython.double)
    cdef Py_ssize_t _quickest(self) noexcept
    @cython.locals(idle=list, n=Py_ssize_t, k=Py_ssize_t, t=cython.double, x=cython.double, w=WorkerState)
    cdef _wake_when_on(self, double now)
    @cython.locals(now=cython.double, free=list, k=Py_ssize_t, w=WorkerState, i=cython.longlong)
    cdef _wake(self)
    cpdef block(self, WorkerState w, double hours, double now)
    @cython.locals(t0=cython.double, t1=cython.double, desk=Team)
    cpdef start_block(self, WorkerState w, double now)
    @cython.locals(wf=CaseFlow)
    cdef bint _alive(self, int tag, long long i, double due) except -1
    @cython.locals(wf=CaseFlow, now=cython.double)
    cdef _due(self, int tag, long long i)


@cython.locals(k=Py_ssize_t, w=WorkerState)
cpdef start_blocks(list agents, const long long[::1] slots, const double[::1] hours, double now)
@cython.locals(k=Py_ssize_t)
cpdef staffed(list teams, unsigned char[::1] out)


cdef class Meeting(Desk):
    cdef public WorkerState chair
    cdef public double at_week_hour, next_meeting, last_meeting
    cdef public list pending

    @cython.locals(base=cython.double, t=cython.double)
    cpdef admit(self, long long i, double now)
    cdef _fire(self, long long arg)
    @cython.locals(now=cython.double, wf=CaseFlow, i=cython.longlong, tj=cython.double, t=cython.double)
    cdef _meet(self)


cdef class Referral(Desk):
    cdef public WorkerState agent
    cdef public double response_hours, whistle_hours
    cdef public DelayLine responses, whistled
    cdef public long long summon_lo, summon_hi, capacity, in_hand
    cdef public dict started
    cdef public object backlog

    @cython.locals(wf=CaseFlow, prev=cython.longlong)
    cpdef admit(self, long long i, double now)
    cdef _due(self, int tag, long long i)
    @cython.locals(t=cython.double)
    cdef _start(self, long long i, double now)
    @cython.locals(now=cython.double)
    cdef _fire(self, long long arg)
