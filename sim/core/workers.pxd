# Cython declarations for sim/core/workers.py (pure Python mode): workers' hot fields as C slots.

cimport cython

from sim.core.clock cimport Actor
from sim.kernels._kernels cimport Roster


cdef class WorkerState(Actor):
    cdef public long long current, cases_handled, role_code, uid
    cdef public double busy_since, busy_hours, owed, free_at, block_hours, depth, shed, cherry
    cdef public bint leaving, meets_residents
    cdef public object desk
    cdef object _roster
    cdef public Roster duty


@cython.locals(k=Py_ssize_t, a=WorkerState)
cpdef hour_fields(list agents, const long long[:] slots, double[:, :] out)
