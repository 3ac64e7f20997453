# Declarations shared with the compiled event core (sim/core/_core.pyx), which reads duty rosters at C speed.

cdef class Roster:
    cdef bint always
    cdef const double[:] starts
    cdef const double[:] ends
    cdef Py_ssize_t k
    cdef double hours_per_week

    cpdef double on_hours(self, double t0, double t1)
    cpdef double next_on(self, double t)
    cpdef bint is_on(self, double t)
    cdef double next_on_v(self, double t) noexcept nogil
