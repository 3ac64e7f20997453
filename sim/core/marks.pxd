# Cython declarations for sim/core/marks.py (pure Python mode): a row is a few C stores.

cimport cython

from sim.core.clock cimport _grown_d


@cython.final
cdef class Marks:
    cdef public Py_ssize_t width, n, cap
    cdef double[::1] buf

    @cython.locals(cap=Py_ssize_t)
    cdef void _room(self, Py_ssize_t k) except *
    @cython.locals(n=Py_ssize_t)
    cpdef void add3(self, double a, double b, double c) except *
    @cython.locals(n=Py_ssize_t)
    cpdef void add5(self, double a, double b, double c, double d, double e) except *
    @cython.locals(v=cython.double)
    cpdef extend(self, values)
    cpdef take(self)
