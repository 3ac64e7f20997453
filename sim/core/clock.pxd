# Cython declarations for sim/core/clock.py (pure Python mode): the calendar's typed layout.

cimport cython

@cython.locals(view=cython.double[::1])
cpdef object _grown_d(double[::1] src, Py_ssize_t lo, Py_ssize_t hi, Py_ssize_t cap)
@cython.locals(view=cython.longlong[::1])
cpdef object _grown_q(long long[::1] src, Py_ssize_t lo, Py_ssize_t hi, Py_ssize_t cap)

@cython.locals(mod=cython.double, div=cython.double, fl=cython.double)
cdef long long _period_of(double t, double period) except? -2

cdef class Actor:
    cdef Py_ssize_t _h

    cdef _fire(self, long long arg)
    cdef _due(self, int tag, long long i)
    cdef bint _alive(self, int tag, long long i, double due) except -1


cdef class Clock:
    cdef public double now, until
    cdef public long long events_run
    cdef long long seq
    cdef Py_ssize_t n, cap
    cdef double[::1] _t
    cdef long long[::1] _key, _arg
    cdef readonly list actors
    cdef dict _calls

    cdef Py_ssize_t _handle(self, Actor o) except -1
    cdef _grow(self)
    @cython.locals(key=cython.longlong, j=Py_ssize_t, p=Py_ssize_t, tp=cython.double)
    cdef push(self, double t, Actor who, long long arg)
    @cython.locals(n=Py_ssize_t, j=Py_ssize_t, c=Py_ssize_t, t=cython.double, key=cython.longlong,
                   arg=cython.longlong)
    cdef void _drop_first(self) noexcept
    cpdef bint runs_first(self, double t) noexcept
    @cython.locals(k=cython.longlong, t=cython.double, key=cython.longlong, h=cython.longlong,
                   arg=cython.longlong, actor=Actor)
    cpdef run_until(self, double until)


cdef class DelayLine(Actor):
    cdef Clock clock
    cdef public double delay
    cdef Actor target
    cdef int tag
    cdef bint prune, armed
    cdef Py_ssize_t head, tail, cap
    cdef double[::1] _due_at
    cdef long long[::1] _item

    @cython.locals(due=cython.double, head=Py_ssize_t, tail=Py_ssize_t, cap=Py_ssize_t)
    cdef push(self, long long i)
    @cython.locals(i=cython.longlong, due=cython.double)
    cdef _fire(self, long long arg)


cdef class Timetable(Actor):
    cdef Clock clock
    cdef object callback
    cdef Actor target
    cdef public double period
    cdef dict _buckets
    cdef double[::1] _t
    cdef long long[::1] _a
    cdef long long[::1] _order
    cdef Py_ssize_t _pos, _n

    @cython.locals(t=cython.double[::1], p=cython.longlong[::1], n=Py_ssize_t, i=Py_ssize_t, j=Py_ssize_t,
                   k=cython.longlong, ti=cython.double, in_order=cython.bint, part=tuple)
    cpdef plan(self, object times, object args)
    @cython.locals(pos=Py_ssize_t, n=Py_ssize_t, due=cython.double)
    cdef _fire(self, long long arg)
