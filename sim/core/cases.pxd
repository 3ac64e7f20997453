# Cython declarations for sim/core/cases.py (pure Python mode): the calls between desks and workflow.

from sim.core.clock cimport Actor, Clock
from sim.core.marks cimport Marks
from sim.core.workers cimport WorkerState


cdef class CaseFlow(Actor):
    cdef public Clock clock
    cdef public object log, picking
    cdef public Marks marks, block_marks
    cdef public bint recording
    cdef long long[::1] state, desk, severity, category, level, outcome, grid, escalations, resolver
    cdef long long[::1] handler, household, reopens, visits_failed, satisfied
    cdef double[::1] t_join, t_handling, t_surfaced, t_accepted, t_escalated, t_resolved, t_feedback
    cdef double[::1] t_occurred, t_reopened, t_closed, depth, work, u_solve, u_visit, u_feedback, u_reopen
    cdef double[::1] cat_hours

    cpdef bind_columns(self)
    cpdef release_columns(self)
    cpdef wait(self, long long i, double now, object desk)
    cpdef double begin(self, long long i, double now, object desk, WorkerState worker) except? -1.0
    cpdef end(self, long long i, double now, object desk, WorkerState worker)
    cpdef bint timeout(self, long long i, double now, object desk) except -1
