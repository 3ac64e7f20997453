# Cython declarations for sim/core/workflow.py (pure Python mode): the workflow's tables and counters.

cimport cython

from sim.core.cases cimport CaseFlow
from sim.core.clock cimport DelayLine
from sim.core.desks cimport Desk
from sim.core.workers cimport WorkerState


cdef class Workflow(CaseFlow):
    cdef public object model, residents, policy, rework, entry_desk
    cdef public bint joint_visits
    cdef public list desks, desks_by_id
    cdef public long long L, top, max_visits, max_reopens, n_sev, n_grids
    cdef public long long n_accepted, n_resolved, n_closed, n_escalated, n_reopened, n_feedback, n_satisfied, n_started
    cdef public double wait_sum, joint_factor, sat_base, sat_day, sat_latent, sat_esc, sat_floor, p_reopen, rush_loss
    cdef public double trust_gain, trust_loss, aware_gain, weight
    cdef public DelayLine revisits, feedbacks_due
    cdef double[::1] level_mult, triage, p_solve, grid_access, grid_travel
    cdef long long[::1] authority, next_level, grid_desk, is_visit
    cdef double[::1] trust, awareness, satisfaction, sat_sum
    cdef long long[::1] feedbacks, sat_n

    cdef _due(self, int tag, long long i)
    @cython.locals(now=cython.double, desk=Desk)
    cpdef accept(self, long long i)
    @cython.locals(d=Desk)
    cpdef wait(self, long long i, double now, object desk)
    @cython.locals(d=Desk, th=cython.double, cat=cython.longlong, lvl=cython.longlong, k=cython.longlong,
                   hours=cython.double, travel=cython.double, sev=cython.longlong, u=cython.double)
    cpdef double begin(self, long long i, double now, object desk, WorkerState worker) except? -1.0
    @cython.locals(o=cython.longlong, d=Desk)
    cpdef end(self, long long i, double now, object desk, WorkerState worker)
    @cython.locals(desk=Desk)
    cdef _revisit(self, long long i)
    @cython.locals(d=Desk)
    cpdef bint timeout(self, long long i, double now, object desk) except -1
    @cython.locals(d=Desk, nxt=cython.longlong, up=Desk)
    cpdef escalate(self, long long i, double now, object desk, WorkerState worker=*)
    @cython.locals(d=Desk, h=cython.longlong)
    cpdef resolve(self, long long i, double now, object desk, WorkerState worker)
    @cython.locals(old=cython.double, new=cython.double)
    cdef void record_feedback(self, long long h, bint satisfied) noexcept
    @cython.locals(now=cython.double, h=cython.longlong, days=cython.double, latent_days=cython.double, p=cython.double,
                   u=cython.double,
                   first=cython.bint, satisfied=cython.bint, desk=Desk)
    cpdef feedback(self, long long i)
