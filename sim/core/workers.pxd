# Cython declarations for sim/core/workers.py (pure Python mode): workers' hot fields as C slots.

cimport cython

from sim.core.clock cimport Actor
from sim.kernels._kernels cimport Roster


cdef class WorkerState(Actor):
    # declared in the order of the object's memory: what a case's start and finish and the midnight
    # accounts read, in the object's first two cache lines; then what a resolution reads (and the count)
    cdef public long long current
    cdef public double busy_since, busy_hours, free_at, owed, depth, shed, cherry, block_hours
    cdef public object desk
    cdef public Roster duty
    cdef public bint leaving, meets_residents
    cdef public long long cases_handled, uid, role_code
    cdef object _roster


@cython.locals(k=Py_ssize_t, a=WorkerState)
cpdef hour_fields(list agents, const long long[:] slots, double[:, :] out)
