# cython: language_level=3, boundscheck=False, wraparound=False, initializedcheck=False, cdivision=True
"""Compiled daily kernels: a pass over the day's new incidents (arrivals, surfacing) or over
the day's workers (hour accounts, the turnover screen), in place of tens of small numpy calls.

Each kernel does exactly the arithmetic of its numpy reference of the same name in
``sim.kernels.reference`` (the roster's: ``sim.workforce.shifts.Roster``), operation for operation,
so a run gives bit-identical tables either way (tests/test_daily_kernels.py; ``sim.kernels`` picks
one, ``GRIDSIM_PURE=1`` the reference). Their random draws call numpy's own C
distributions (``numpy.random.c_distributions``) on the stream's bit generator, one value
after another as the ``Generator`` calls they replace do, so they draw the same numbers.
Built at install time (setup.py).
"""

cimport numpy as cnp
from cpython cimport array
from cpython.pycapsule cimport PyCapsule_GetPointer, PyCapsule_IsValid
from libc.math cimport INFINITY, NAN, exp, floor, fmod, isfinite
from libc.string cimport memcpy, memset
from numpy.random cimport bitgen_t
from cpython.mem cimport PyMem_Free, PyMem_Malloc
from numpy.random.c_distributions cimport (
    binomial_t,
    random_binomial,
    random_poisson,
    random_standard_exponential_fill,
    random_standard_uniform_fill,
)

import numpy as np

cnp.import_array()

cdef double WEEK = 168.0
cdef enum:
    REPORT = 0
    HOTLINE = 1
    PATROL = 2


cdef class Roster:
    """A weekly duty pattern (``sim.workforce.shifts.Roster``): hours on duty and the next duty time,
    scalar as ``next_on``/``on_hours`` and element-wise as ``next_on_array`` round them."""

    def __init__(self, roster):
        self.always = roster.always
        self.starts = roster._starts.astype("float64")
        self.ends = roster._ends.astype("float64")
        self.k = len(roster._ends)
        self.hours_per_week = roster.hours_per_week

    cpdef double on_hours(self, double t0, double t1):
        """``sim.workforce.shifts.Roster.on_hours``, operation for operation."""
        cdef double total = 0.0, base, lo, hi, x
        cdef long long w0, w1, wk
        cdef Py_ssize_t j, j2
        if t1 <= t0:
            return 0.0
        if self.always:
            return t1 - t0
        w0 = <long long>floor(t0 / WEEK)
        w1 = <long long>floor(t1 / WEEK)
        for j2 in range(1 if w0 == w1 else 2):  # the first and the last week (the rest are whole)
            wk = w0 if j2 == 0 else w1
            base = wk * WEEK
            for j in range(self.k):
                hi = base + self.ends[j]
                hi = t1 if t1 <= hi else hi  # min(t1, base + b)
                lo = base + self.starts[j]
                lo = t0 if t0 >= lo else lo  # max(t0, base + a)
                x = hi - lo
                total += x if x > 0.0 else 0.0  # max(0.0, x)
        if w1 - w0 > 1:
            total += (w1 - w0 - 1) * self.hours_per_week
        return total

    cpdef double next_on(self, double t):
        """``sim.workforce.shifts.Roster.next_on`` (the scalar rule, whose wrap adds in its own order)."""
        cdef double base, w
        cdef Py_ssize_t j
        if self.always:
            return t
        if self.k == 0:
            return INFINITY
        base = t - fmod(t, WEEK)
        w = t - base
        for j in range(self.k):
            if w < self.ends[j]:
                return t if w >= self.starts[j] else base + self.starts[j]
        return base + WEEK + self.starts[0]

    cpdef bint is_on(self, double t):
        """``sim.workforce.shifts.Roster.is_on``: inside one of the week's duty intervals (they are disjoint)."""
        cdef double w
        cdef Py_ssize_t j
        if self.always:
            return True
        w = fmod(t, WEEK)  # t >= 0: Python's t % WEEK
        for j in range(self.k):
            if self.starts[j] <= w:
                if w < self.ends[j]:
                    return True
            else:
                return False
        return False

    def next_on_many(self, const double[:] t):
        """The rule over an array (for tests against the reference)."""
        out = [self.next_on_v(t[i]) for i in range(t.shape[0])]
        return out

    cdef double next_on_v(self, double t) noexcept nogil:
        cdef double base, w, start
        cdef Py_ssize_t lo, hi, mid
        if self.always:
            return t
        if self.k == 0:
            return INFINITY
        if not isfinite(t):
            return t
        base = t - fmod(t, WEEK)
        w = t - base
        lo, hi = 0, self.k  # first interval ending after w (searchsorted, side="right")
        while lo < hi:
            mid = (lo + hi) >> 1
            if self.ends[mid] <= w:
                lo = mid + 1
            else:
                hi = mid
        if lo >= self.k:
            start = self.starts[0] + WEEK
            return base + start
        if w >= self.starts[lo]:
            return t
        start = self.starts[lo] + 0.0
        return base + start


cdef class SurfacingKernel:
    """Surfacing and acceptance plans of a day's new incidents, given their draws
    (``sim.kernels.reference.SurfacingKernel``)."""

    cdef const double[:] propensity, delay, discover, worsen, absorbs
    cdef const unsigned char[:] absorbable, police_cat
    cdef const long long[:] grid_type
    cdef double willingness, dispatch, accept_delay
    cdef Roster patrol_roster, responder_roster

    def __init__(self, s, grid_type, patrol_roster, responder_roster):
        self.propensity, self.delay, self.discover = s.propensity, s.delay, s.discover
        self.worsen, self.absorbs = s.worsen, s.absorbs
        self.absorbable = s.absorbable.astype("uint8")
        self.police_cat = s.police_cat.astype("uint8")
        self.grid_type = grid_type
        self.willingness, self.dispatch, self.accept_delay = s.willingness, s.dispatch, s.accept_delay
        self.patrol_roster = Roster(patrol_roster)
        self.responder_roster = Roster(responder_roster)

    def plan(self, const long long[::1] cat, const long long[::1] grid, const long long[::1] h,
             const double[::1] t0, long long[::1] sev,
             const double[::1] u_rep, const double[::1] u_chan, const double[::1] u_abs,
             const double[::1] e_rep, const double[::1] e_pat, const double[::1] e_wor,
             const double[::1] trust, const double[::1] awareness, const double[::1] patrol,
             double[::1] t_surfaced, double[::1] t_worsened, long long[::1] channel,
             long long[::1] absorbed, double[::1] t_acc):
        """Fills the five output columns; ``sev`` (a copy) is raised where the case worsens."""
        self._plan(cat.shape[0], &cat[0], &grid[0], &h[0], &t0[0], &sev[0], &u_rep[0], &u_chan[0], &u_abs[0],
                   &e_rep[0], &e_pat[0], &e_wor[0], &trust[0], &awareness[0], &patrol[0],
                   &t_surfaced[0], &t_worsened[0], &channel[0], &absorbed[0], &t_acc[0])

    cdef void _plan(self, Py_ssize_t n, const long long *cat, const long long *grid, const long long *h,
                    const double *t0, long long *sev, const double *u_rep, const double *u_chan,
                    const double *u_abs, const double *e_rep, const double *e_pat, const double *e_wor,
                    const double *trust, const double *awareness, const double *patrol,
                    double *t_surfaced, double *t_worsened, long long *channel, long long *absorbed,
                    double *t_acc) noexcept:
        """``plan`` over raw columns of ``n`` cases (the occurrence kernel's own arrays)."""
        cdef Py_ssize_t i
        cdef long long c, g, ch
        cdef double t_rep, t_pat, t_wor, t_surf, t_in, hazard, wrate, on_duty, ta, first
        cdef double w = self.willingness, dispatch = self.dispatch, accept = self.accept_delay
        cdef bint worse, immediate, ab
        for i in range(n):
            c, g = cat[i], grid[i]
            if u_rep[i] < self.propensity[c] * (w + (1.0 - w) * trust[h[i]]):
                t_rep = t0[i] + e_rep[i] * self.delay[c]
            else:
                t_rep = INFINITY
            hazard = self.discover[c] * patrol[g]
            t_pat = t0[i] + e_pat[i] / hazard if hazard > 0 else INFINITY
            t_pat = self.patrol_roster.next_on_v(t_pat)
            wrate = self.worsen[c]
            t_wor = t0[i] + e_wor[i] / wrate if (wrate > 0 and sev[i] < 2) else INFINITY
            first = t_rep if t_rep < t_pat else t_pat
            worse = t_wor < first
            if worse:
                sev[i] += 1
                ta = t_wor + e_rep[i] * self.delay[c]
                if ta < t_rep:
                    t_rep = ta
            t_surf = t_rep if t_rep < t_pat else t_pat
            if t_pat < t_rep:
                ch = PATROL
            elif u_chan[i] < awareness[h[i]]:
                ch = REPORT
            else:
                ch = HOTLINE
            ab = self.absorbable[c] and u_abs[i] < self.absorbs[self.grid_type[g]]
            t_in = t_surf + dispatch if ch == HOTLINE else t_surf
            on_duty = self.responder_roster.next_on_v(t_in if isfinite(t_in) else 0.0)
            immediate = sev[i] == 2 or ab or self.police_cat[c]
            ta = (t_in if immediate else on_duty) + accept
            if ch == PATROL:
                ta = t_surf
            if not isfinite(t_surf):
                ta = INFINITY
            t_surfaced[i] = t_surf if isfinite(t_surf) else NAN
            t_worsened[i] = t_wor if worse else NAN
            channel[i] = ch
            absorbed[i] = ab
            t_acc[i] = ta


cdef inline double _max(double a, double b) noexcept nogil:
    return a if a >= b else b  # numpy.maximum without NaNs (which never occur here)


cdef inline double _min(double a, double b) noexcept nogil:
    return a if a <= b else b


cdef double _pairwise_sum(const double *a, Py_ssize_t n) noexcept nogil:
    """Numpy's pairwise sum of ``n`` contiguous doubles (8 running sums per block of up to 128,
    halves above); ``numpy.add.reduce`` adds it to its start, ``0.0``, so ``0.0 +`` this is its total."""
    cdef double res, r0, r1, r2, r3, r4, r5, r6, r7
    cdef Py_ssize_t i, n2
    if n < 8:
        res = -0.0  # (numpy's start: a sum of negative zeros stays negative)
        for i in range(n):
            res += a[i]
        return res
    if n <= 128:
        r0, r1, r2, r3, r4, r5, r6, r7 = a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]
        i = 8
        while i < n - n % 8:
            r0 += a[i]
            r1 += a[i + 1]
            r2 += a[i + 2]
            r3 += a[i + 3]
            r4 += a[i + 4]
            r5 += a[i + 5]
            r6 += a[i + 6]
            r7 += a[i + 7]
            i += 8
        res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
        while i < n:
            res += a[i]
            i += 1
        return res
    n2 = n // 2
    n2 -= n2 % 8
    return _pairwise_sum(a, n2) + _pairwise_sum(a + n2, n - n2)


def row_sums(const double[:, ::1] rows, Py_ssize_t k):
    """The first ``k`` rows' sums as ``numpy.add.reduce(rows[:k], 1).tolist()`` gives them (for tests)."""
    return [0.0 + _pairwise_sum(&rows[r, 0], rows.shape[1]) if rows.shape[1] else 0.0
            for r in range(min(k, rows.shape[0]))]


cdef object _contiguous(a, dtype, int typenum):
    """``a`` itself where it is a C-contiguous array of numpy type ``typenum``, else a copy that is."""
    if (isinstance(a, np.ndarray) and cnp.PyArray_TYPE(<cnp.ndarray>a) == typenum
            and cnp.PyArray_IS_C_CONTIGUOUS(<cnp.ndarray>a)):
        return a
    return np.ascontiguousarray(a, dtype=dtype)


cdef class DayClose:
    """The workers' midnight close (``sim.kernels.reference.DayClose``): hour accounts, then visits
    and records drawn and every account row added to the running totals. The staff's long-lived
    columns are bound once (``bind``, again whenever they are replaced), so a day passes only what
    changes; ``fields`` is the day's buffer of the workers' hour fields, filled by the caller."""

    cdef list rosters
    cdef tuple names
    cdef object rng, lock, kept, bound, s_arr
    cdef bitgen_t *bg
    cdef double discretionary, full_day, log_threshold, per_visit_hour, per_entry_hour
    cdef Py_ssize_t n_kinds, n_grids, n_teams, cap, n
    cdef double *ros
    cdef double *n_team
    cdef const double *success
    cdef const long long *post_grid
    cdef const long long *team_first
    cdef const long long *kind
    cdef const long long *team
    cdef const long long *left
    cdef const long long *post
    cdef const double *shares
    cdef const double *campaign_part
    cdef double *busy_mark
    cdef double *block_mark
    cdef double *totals
    cdef double *periods
    cdef unsigned char *on_buf
    cdef const long long *s
    cdef readonly object hours, rows, grid, visits
    """The day's buffers: hour fields (5 × people), account rows (16 × people), home grid and visits."""

    def __init__(self, list rosters, double discretionary, double full_day, double log_threshold,
                 double per_visit_hour, double per_entry_hour, success, post_grid, team_first, rng, names):
        self.rosters = [r for r in rosters]
        self.names = tuple(names)
        if len(self.names) > 16:
            raise ValueError("DayClose: at most one name per account row (16)")
        for r in self.rosters:
            if not isinstance(r, Roster):
                raise TypeError("DayClose: rosters must be the compiled twins (sim.kernels.roster_twin)")
        self.discretionary, self.full_day, self.log_threshold = discretionary, full_day, log_threshold
        self.per_visit_hour, self.per_entry_hour = per_visit_hour, per_entry_hour
        self.rng, self.bg, self.lock = rng, _bitgen(rng), rng.bit_generator.lock
        success = _contiguous(success, np.float64, cnp.NPY_FLOAT64)
        post_grid = _contiguous(post_grid, np.int64, cnp.NPY_INT64)
        team_first = _contiguous(team_first, np.int64, cnp.NPY_INT64)
        ros, n_team = np.zeros(max(len(rosters), 1)), np.zeros(max(len(team_first), 1))
        self.kept = (success, post_grid, team_first, ros, n_team)
        self.n_kinds, self.n_grids, self.n_teams = len(rosters), len(success), len(team_first)
        self.success = <const double *>cnp.PyArray_DATA(success)
        self.post_grid = <const long long *>cnp.PyArray_DATA(post_grid)
        self.team_first = <const long long *>cnp.PyArray_DATA(team_first)
        self.ros = <double *>cnp.PyArray_DATA(ros)
        self.n_team = <double *>cnp.PyArray_DATA(n_team)
        self.n = -1
        self.cap = 0

    def __dealloc__(self):
        PyMem_Free(self.on_buf)

    def bind(self, kind, shares, team, left, post, busy_mark, block_mark, campaign_part, totals, periods):
        """Bind the columns of every slot (``cap`` of them): staff kind, activity shares (cap × 3),
        team, day left, post, the running busy and block marks, today's campaign part, and the
        account totals and period (16 × cap). Call again whenever one of them is replaced."""
        cdef Py_ssize_t cap = len(kind)
        cdef unsigned char *on_buf
        cols = []
        for a, typenum, shape in (
            (kind, cnp.NPY_INT64, (cap,)), (shares, cnp.NPY_FLOAT64, (cap, 3)), (team, cnp.NPY_INT64, (cap,)),
            (left, cnp.NPY_INT64, (cap,)), (post, cnp.NPY_INT64, (cap,)), (busy_mark, cnp.NPY_FLOAT64, (cap,)),
            (block_mark, cnp.NPY_FLOAT64, (cap,)), (campaign_part, cnp.NPY_FLOAT64, (cap,)),
            (totals, cnp.NPY_FLOAT64, (16, cap)), (periods, cnp.NPY_FLOAT64, (16, cap)),
        ):
            if (not isinstance(a, np.ndarray) or cnp.PyArray_TYPE(<cnp.ndarray>a) != typenum
                    or not cnp.PyArray_IS_C_CONTIGUOUS(<cnp.ndarray>a) or a.shape != shape):
                raise TypeError(f"DayClose.bind: expected a C-contiguous array of shape {shape} and type {typenum}")
            cols.append(a)
        for a in cols[5:]:
            if not (<cnp.ndarray>a).flags.writeable:
                raise ValueError("DayClose.bind: the marks, campaign part and accounts must be writeable")
        on_buf = <unsigned char *>PyMem_Malloc(max(cap, 1))
        if on_buf == NULL:
            raise MemoryError()
        memset(on_buf, 0, max(cap, 1))
        PyMem_Free(self.on_buf)
        self.on_buf = on_buf
        self.bound = tuple(cols)
        self.kind = <const long long *>cnp.PyArray_DATA(kind)
        self.shares = <const double *>cnp.PyArray_DATA(shares)
        self.team = <const long long *>cnp.PyArray_DATA(team)
        self.left = <const long long *>cnp.PyArray_DATA(left)
        self.post = <const long long *>cnp.PyArray_DATA(post)
        self.busy_mark = <double *>cnp.PyArray_DATA(busy_mark)
        self.block_mark = <double *>cnp.PyArray_DATA(block_mark)
        self.campaign_part = <const double *>cnp.PyArray_DATA(campaign_part)
        self.totals = <double *>cnp.PyArray_DATA(totals)
        self.periods = <double *>cnp.PyArray_DATA(periods)
        self.cap = cap

    def fields(self, Py_ssize_t n):
        """The buffer (5 × ``n``) for the hour fields of the ``n`` people closed next (rows of
        ``sim.core.workers.HOUR_FIELDS``); the day's buffers are kept while ``n`` stays the same."""
        cdef cnp.npy_intp dims[2]
        if n != self.n:  # (every entry of these is written before it is read)
            dims[0], dims[1] = 5, n
            self.hours = cnp.PyArray_EMPTY(2, dims, cnp.NPY_FLOAT64, 0)
            dims[0] = 16
            self.rows = cnp.PyArray_EMPTY(2, dims, cnp.NPY_FLOAT64, 0)
            self.grid, self.visits = _i8(n), _i8(n)
            self.n = n
        return self.hours

    def accounts(self, s, working, double now, team_need):
        """The day's hour accounts of slots ``s`` (``working`` ⊆ s were on the job), from the hour
        fields in ``fields(len(s))``, up to the random draws: fills the account rows except the
        visits made and records (rows 9, 10), moves the running marks on; returns the rows."""
        cdef Py_ssize_t i, k, n, nw, cap = self.cap
        cdef long long si, ti
        cdef double b, bl, cases, nonc, shift, used, free, plan, disc, camp, ros, hold, t0 = now - 24.0
        cdef bint on
        s = _contiguous(s, np.int64, cnp.NPY_INT64)
        working = _contiguous(working, np.int64, cnp.NPY_INT64)
        team_need = _contiguous(team_need, np.float64, cnp.NPY_FLOAT64)
        n, nw = len(s), len(working)
        if n != self.n:
            raise ValueError("DayClose.accounts: fields(len(s)) was not filled for these people")
        if len(team_need) != self.n_teams:
            raise ValueError("DayClose.accounts: team_need has one value per team")
        cdef const long long *sp = <const long long *>cnp.PyArray_DATA(s)
        cdef const long long *wp = <const long long *>cnp.PyArray_DATA(working)
        cdef const double *need = <const double *>cnp.PyArray_DATA(team_need)
        for i in range(n):
            if not 0 <= sp[i] < cap:
                raise IndexError("DayClose.accounts: a slot beyond the bound columns (bind again after they grow)")
            if not (0 <= self.kind[sp[i]] < self.n_kinds and 0 <= self.team[sp[i]] < self.n_teams):
                raise IndexError("DayClose.accounts: a person's kind or team out of range")
        for k in range(nw):
            if not 0 <= wp[k] < cap:
                raise IndexError("DayClose.accounts: a slot beyond the bound columns (bind again after they grow)")
        for k in range(self.n_kinds):
            self.ros[k] = (<Roster>self.rosters[k]).on_hours(t0, now)
        cdef const double *busy = <const double *>cnp.PyArray_DATA(self.hours)
        cdef const double *since = busy + n
        cdef const double *current = busy + 2 * n
        cdef const double *block = busy + 3 * n
        cdef const double *free_at = busy + 4 * n
        cdef double *rows = <double *>cnp.PyArray_DATA(self.rows)
        cdef unsigned char *on_buf = self.on_buf
        cdef double *n_team = self.n_team
        for k in range(self.n_teams):
            n_team[k] = 0.0
        for k in range(nw):
            on_buf[wp[k]] = 1
        for i in range(n):
            if on_buf[sp[i]]:
                n_team[self.team[sp[i]]] += 1.0
        for i in range(n):
            si = sp[i]
            ti = self.team[si]
            hold = now - since[i] if current[i] >= 0 else 0.0  # work in hand counts up to now
            b = busy[i] + hold
            bl = block[i] - _max(free_at[i] - now, 0.0)  # a block running past midnight counts up to now
            cases = b - self.busy_mark[si]
            nonc = bl - self.block_mark[si]
            self.busy_mark[si] = b
            self.block_mark[si] = bl
            on = on_buf[si]
            ros = self.ros[self.kind[si]]
            shift = ros if on else 0.0
            used = cases + nonc
            free = _max(shift - used, 0.0)
            plan = self.discretionary * shift / self.full_day if self.full_day else 0.0 * shift
            disc = _min(plan, free)
            camp = nonc * self.campaign_part[si]
            rows[i] = shift
            rows[n + i] = cases
            rows[2 * n + i] = nonc - camp
            rows[3 * n + i] = camp
            rows[4 * n + i] = disc * self.shares[3 * si]
            rows[5 * n + i] = disc * self.shares[3 * si + 1]
            rows[6 * n + i] = disc * self.shares[3 * si + 2]
            rows[7 * n + i] = free - disc
            rows[8 * n + i] = _max(used - shift, 0.0)
            rows[11 * n + i] = 1.0 if shift > 0 else 0.0
            rows[12 * n + i] = 1.0 if ros > 0 else 0.0
            rows[13 * n + i] = 1.0 if (rows[6 * n + i] >= self.log_threshold and shift > 0) else 0.0
            rows[14 * n + i] = 1.0 if (not on and self.left[si] < 0) else 0.0
            rows[15 * n + i] = need[ti] / _max(n_team[ti], 1.0) if on else 0.0
        for k in range(nw):
            on_buf[wp[k]] = 0
        self.s_arr, self.s = s, sp
        return self.rows

    def draws(self):
        """The rest of the close of the people last accounted: each one's home grid, the day's visit
        attempts (Poisson in the visit hours), successful visits (binomial in the grid's access) and
        records (Poisson in the entry hours), drawn in that order as the reference draws them; then
        every row added to the totals and the period. Returns the records per grid and the day's
        total of each of the first rows, by ``names`` (``numpy.add.reduce``'s sums, bit for bit)."""
        cdef binomial_t binomial
        cdef Py_ssize_t i, r, n = self.n
        cdef long long si, p, t
        cdef double lam
        if self.s_arr is None:
            raise RuntimeError("DayClose.draws: no accounts to draw for (call accounts first)")
        cdef const long long *sp = self.s
        cdef double *rows = <double *>cnp.PyArray_DATA(self.rows)
        cdef long long *grid = <long long *>cnp.PyArray_DATA(self.grid)
        cdef long long *visits = <long long *>cnp.PyArray_DATA(self.visits)
        records = np.zeros(self.n_grids)
        cdef double *records_per_grid = <double *>cnp.PyArray_DATA(records)
        memset(&binomial, 0, sizeof(binomial))
        for i in range(n):
            si = sp[i]
            p = self.post[si]
            if p >= 0:
                grid[i] = self.post_grid[p]
            else:
                t = self.team[si]
                grid[i] = self.team_first[t if t > 0 else 0]
        with self.lock:
            for i in range(n):  # visit attempts
                lam = rows[5 * n + i] * self.per_visit_hour
                if not lam >= 0:
                    raise ValueError(f"lam value invalid: {lam}")
                visits[i] = random_poisson(self.bg, lam)
            for i in range(n):  # of which successful
                if visits[i]:
                    visits[i] = random_binomial(self.bg, self.success[grid[i]], visits[i], &binomial)
            for i in range(n):  # records entered
                lam = rows[6 * n + i] * self.per_entry_hour
                if not lam >= 0:
                    raise ValueError(f"lam value invalid: {lam}")
                rows[10 * n + i] = <double>random_poisson(self.bg, lam)
        for i in range(n):
            rows[9 * n + i] = <double>visits[i]
            records_per_grid[grid[i]] += rows[10 * n + i]
        for r in range(16):  # row by row: each account row is contiguous in memory
            for i in range(n):
                si = sp[i]
                self.totals[r * self.cap + si] += rows[r * n + i]
                self.periods[r * self.cap + si] += rows[r * n + i]
        self.s_arr, self.s = None, NULL
        return records, {name: 0.0 + _pairwise_sum(rows + r * n, n) for r, name in enumerate(self.names)}


def risk_grades(const double[:] t_surfaced, const double[:] t_accepted, const long long[:] grid,
                Py_ssize_t first, double start, double now, const double[:] households, double red,
                double yellow, cnp.ndarray level):
    """``sim.kernels.reference.risk_grades``: the first incident from ``first`` not surfaced before
    ``start``, and each grid's grade from the incidents surfaced and accepted in [start, now) per
    100 households; the grades are ``level`` itself where none changed (a new read-only array else)."""
    cdef Py_ssize_t i, g, n = t_surfaced.shape[0], G = households.shape[0]
    cdef double t, rate
    cdef long long c
    if t_accepted.shape[0] < n or grid.shape[0] < n:
        raise ValueError("risk_grades: the columns differ in length")
    if cnp.PyArray_TYPE(level) != cnp.NPY_INT64 or cnp.PyArray_NDIM(level) != 1 or cnp.PyArray_DIM(level, 0) != G:
        raise TypeError("risk_grades: level is one int64 grade per grid")
    while first < n and t_surfaced[first] < start:  # (NaN counts as in the window)
        first += 1
    counts_arr = np.zeros(G, np.int64)
    cdef long long[::1] counts = counts_arr
    for i in range(first, n):
        t = t_surfaced[i]
        if t >= start and t < now and t_accepted[i] == t_accepted[i]:
            g = grid[i]
            if not 0 <= g < G:
                raise IndexError("risk_grades: an incident's grid out of range")
            counts[g] += 1
    new_arr = np.empty(G, np.int64)
    cdef long long[::1] new = new_arr
    cdef bint same = True
    for g in range(G):
        rate = <double>counts[g] * 100.0 / households[g]
        new[g] = 2 if rate >= red else (1 if rate >= yellow else 0)
        same = same and new[g] == (<long long *>cnp.PyArray_DATA(level))[g]
    if same:
        return first, level
    new_arr.flags.writeable = False
    return first, new_arr


cdef bitgen_t *_bitgen(rng) except NULL:
    capsule = rng.bit_generator.capsule
    if not PyCapsule_IsValid(capsule, "BitGenerator"):
        raise ValueError("not a numpy bit generator")
    return <bitgen_t *>PyCapsule_GetPointer(capsule, "BitGenerator")


def arrivals_day(rng, const double[:, :] daily_rate, category_multiplier, double month_factor, bint monthly,
                 const long long[:] first, const long long[:] households, const double[:, :] sev_cut, long long d):
    """``sim.kernels.reference.arrivals_day`` without an hourly profile: Poisson counts per
    grid × category, then times, households and severities drawn as its three ``rng.random(n)``
    calls draw them, and the day sorted by time (stable)."""
    cdef bitgen_t *bg = _bitgen(rng)
    cdef Py_ssize_t G = daily_rate.shape[0], C = daily_rate.shape[1], g, c, i, j, k, n = 0
    cdef const double[:] mult
    cdef bint has_mult = category_multiplier is not None
    cdef double lam
    cdef long long[:] counts, grid, cat, hh, sev
    cdef double[:, ::1] u
    cdef double[:] t
    if has_mult:
        mult = category_multiplier
    counts_arr = np.empty(G * C, dtype=np.int64)
    counts = counts_arr
    with rng.bit_generator.lock:
        for g in range(G):
            for c in range(C):
                lam = daily_rate[g, c]
                if has_mult:
                    lam = lam * mult[c]
                if monthly:
                    lam = lam * month_factor
                if not (lam >= 0 and lam <= 9.223372006484771e18):  # numpy's POISSON_LAM_MAX
                    raise ValueError(f"lam value too large or invalid: {lam}")
                counts[g * C + c] = random_poisson(bg, lam)
                n += counts[g * C + c]
    draws_arr = np.empty((3, n))
    u = draws_arr
    if n:
        with rng.bit_generator.lock:
            random_standard_uniform_fill(bg, 3 * n, &u[0, 0])
    t_arr, grid_arr, cat_arr = np.empty(n), np.empty(n, np.int64), np.empty(n, np.int64)
    hh_arr, sev_arr = np.empty(n, np.int64), np.empty(n, np.int64)
    t, grid, cat, hh, sev = t_arr, grid_arr, cat_arr, hh_arr, sev_arr
    j = 0
    for i in range(G * C):
        for k in range(counts[i]):
            grid[j] = i // C
            cat[j] = i % C
            j += 1
    for i in range(n):
        t[i] = 24.0 * (<double>d + u[0, i])
        hh[i] = first[grid[i]] + <long long>(u[1, i] * <double>households[grid[i]])
        sev[i] = (1 if u[2, i] >= sev_cut[cat[i], 0] else 0) + (1 if u[2, i] >= sev_cut[cat[i], 1] else 0)
    order = np.argsort(t_arr, kind="stable")
    return {"t_occurred": t_arr[order], "grid": grid_arr[order], "category": cat_arr[order],
            "household": hh_arr[order], "severity": sev_arr[order]}


cdef class OccurrenceKernel:
    """A day's new incidents in one call (``sim.kernels.reference.OccurrenceKernel``): the arrivals
    (``arrivals_day``), their surfacing plans (``SurfacingKernel``) and every per-case draw, each
    stream drawn value for value as the reference's numpy calls draw it. ``arrivals`` has no hourly
    profile (the reference alone draws one). Where ``exponential``, the handling family's multipliers
    are the stream's standard exponentials and are drawn here."""

    cdef object arrivals_rng, behaviour, feedback, handling, handling_rng
    cdef object arrivals_lock, behaviour_lock, feedback_lock, handling_lock
    cdef bitgen_t *bg_arrivals
    cdef bitgen_t *bg_behaviour
    cdef bitgen_t *bg_feedback
    cdef bitgen_t *bg_handling
    cdef SurfacingKernel surfacing
    cdef bint patrols_find, exponential
    cdef object rate_arr, first_arr, households_arr, sev_cut_arr, no_patrol
    cdef const double *rate
    cdef const long long *first
    cdef const long long *households
    cdef const double *sev_cut
    cdef Py_ssize_t G, C, n_levels, cap
    cdef long long *counts
    cdef double *scratch  # 13 words per case: arrival draws (3), times (1), behaviour draws (6), then:
    cdef Py_ssize_t *cell  # per case: its grid × category cell, then (twice) the time order
    cdef Py_ssize_t *order
    cdef Py_ssize_t *tmp

    def __init__(self, arrivals, surfacing, behaviour, feedback, handling, handling_rng, Py_ssize_t n_levels,
                 bint exponential):
        if arrivals.hourly is not None:
            raise ValueError("an hourly arrival profile is drawn by the reference alone")
        self.arrivals_rng, self.behaviour, self.feedback = arrivals.rng, behaviour, feedback
        self.handling, self.handling_rng, self.n_levels = handling, handling_rng, n_levels
        self.bg_arrivals, self.bg_behaviour = _bitgen(arrivals.rng), _bitgen(behaviour)
        self.bg_feedback, self.bg_handling = _bitgen(feedback), _bitgen(handling_rng)
        self.arrivals_lock, self.behaviour_lock = arrivals.rng.bit_generator.lock, behaviour.bit_generator.lock
        self.feedback_lock, self.handling_lock = feedback.bit_generator.lock, handling_rng.bit_generator.lock
        self.surfacing = surfacing.kernel
        self.exponential = exponential
        self.patrols_find = bool((np.asarray(surfacing.discover) > 0).any())
        self.rate_arr = np.ascontiguousarray(arrivals.daily_rate, dtype=np.float64)
        self.first_arr = np.ascontiguousarray(arrivals.first, dtype=np.int64)
        self.households_arr = np.ascontiguousarray(arrivals.households, dtype=np.int64)
        self.sev_cut_arr = np.ascontiguousarray(arrivals.sev_cut, dtype=np.float64)
        self.G, self.C = self.rate_arr.shape[0], self.rate_arr.shape[1]
        self.no_patrol = np.zeros(self.G)
        self.rate = <const double *>cnp.PyArray_DATA(self.rate_arr)
        self.first = <const long long *>cnp.PyArray_DATA(self.first_arr)
        self.households = <const long long *>cnp.PyArray_DATA(self.households_arr)
        self.sev_cut = <const double *>cnp.PyArray_DATA(self.sev_cut_arr)
        self.counts = <long long *>PyMem_Malloc(max(self.G * self.C, 1) * sizeof(long long))
        if self.counts == NULL:
            raise MemoryError()

    def __dealloc__(self):
        PyMem_Free(self.counts)
        PyMem_Free(self.scratch)

    cdef int _reserve(self, Py_ssize_t n) except -1:
        """Room for ``n`` cases in the scratch buffers (one block, grown by doubling)."""
        cdef Py_ssize_t cap
        if n <= self.cap:
            return 0
        cap = max(n, 2 * self.cap, 64)
        PyMem_Free(self.scratch)
        self.scratch = <double *>PyMem_Malloc(13 * cap * sizeof(double))
        if self.scratch == NULL:
            self.cap = 0
            raise MemoryError()
        self.cell = <Py_ssize_t *>(self.scratch + 10 * cap)
        self.order, self.tmp = self.cell + cap, self.cell + 2 * cap
        self.cap = cap
        return 0

    def day(self, long long d, double month_factor, bint monthly, category_multiplier, trust, awareness,
            patrol_intensity):
        """Day ``d``'s incidents as the incident log's columns (by name) and their planned acceptance
        times; ``patrol_intensity()`` (per grid) is asked only when some incident occurred."""
        cdef Py_ssize_t C = self.C, cells = self.G * self.C, n = 0, i, j, o, k, g, c
        cdef const double *mult = NULL
        cdef double lam, u
        cdef long long s
        mult_arr = None
        if category_multiplier is not None:
            mult_arr = np.ascontiguousarray(category_multiplier, dtype=np.float64)
            mult = <const double *>cnp.PyArray_DATA(mult_arr)
        with self.arrivals_lock:  # Poisson counts per grid × category
            for k in range(cells):
                lam = self.rate[k]
                if mult != NULL:
                    lam = lam * mult[k % C]
                if monthly:
                    lam = lam * month_factor
                if not (lam >= 0 and lam <= 9.223372006484771e18):  # numpy's POISSON_LAM_MAX
                    raise ValueError(f"lam value too large or invalid: {lam}")
                self.counts[k] = random_poisson(self.bg_arrivals, lam)
                n += self.counts[k]
        t_acc = _f8(n)
        if n == 0:
            return {}, t_acc
        self._reserve(n)
        cdef double *ua = self.scratch  # arrivals: time, household, severity draws (n each)
        cdef double *t = self.scratch + 3 * n  # times in draw order
        cdef double *ub = self.scratch + 4 * n  # behaviour: report, channel, absorption uniforms
        cdef double *eb = self.scratch + 7 * n  # behaviour: report, patrol, worsening exponentials
        with self.arrivals_lock:
            random_standard_uniform_fill(self.bg_arrivals, 3 * n, ua)
        i = 0
        for k in range(cells):
            for j in range(self.counts[k]):
                self.cell[i] = k
                t[i] = 24.0 * (<double>d + ua[i])
                i += 1
        _stable_order(t, n, self.order, self.tmp)
        t_occurred, grid, category, household = _f8(n), _i8(n), _i8(n), _i8(n)
        severity_initial, severity = _i8(n), _i8(n)
        cdef double *to = <double *>cnp.PyArray_DATA(t_occurred)
        cdef long long *gr = <long long *>cnp.PyArray_DATA(grid)
        cdef long long *ca = <long long *>cnp.PyArray_DATA(category)
        cdef long long *hh = <long long *>cnp.PyArray_DATA(household)
        cdef long long *s0 = <long long *>cnp.PyArray_DATA(severity_initial)
        cdef long long *sv = <long long *>cnp.PyArray_DATA(severity)
        for i in range(n):  # the day sorted by time
            o = self.order[i]
            g, c = self.cell[o] // C, self.cell[o] % C
            to[i], gr[i], ca[i] = t[o], g, c
            hh[i] = self.first[g] + <long long>(ua[n + o] * <double>self.households[g])
            u = ua[2 * n + o]
            s = (1 if u >= self.sev_cut[2 * c] else 0) + (1 if u >= self.sev_cut[2 * c + 1] else 0)
            s0[i] = s
            sv[i] = s  # raised below where the case worsens unseen
        with self.behaviour_lock:
            random_standard_uniform_fill(self.bg_behaviour, 3 * n, ub)
            random_standard_exponential_fill(self.bg_behaviour, 3 * n, eb)
        patrol = patrol_intensity() if self.patrols_find else self.no_patrol
        t_surfaced, t_worsened, channel, absorbed = _f8(n), _f8(n), _i8(n), _i8(n)
        self.surfacing._plan(
            n, ca, gr, hh, to, sv, ub, ub + n, ub + 2 * n, eb, eb + n, eb + 2 * n,
            _f8_data(trust), _f8_data(awareness), _f8_data(patrol),
            <double *>cnp.PyArray_DATA(t_surfaced), <double *>cnp.PyArray_DATA(t_worsened),
            <long long *>cnp.PyArray_DATA(channel), <long long *>cnp.PyArray_DATA(absorbed),
            <double *>cnp.PyArray_DATA(t_acc),
        )
        u_feedback, u_reopen, u_visit = _f8(n), _f8(n), _f8(n)
        with self.feedback_lock:  # as one (3, n) draw
            random_standard_uniform_fill(self.bg_feedback, n, <double *>cnp.PyArray_DATA(u_feedback))
            random_standard_uniform_fill(self.bg_feedback, n, <double *>cnp.PyArray_DATA(u_reopen))
            random_standard_uniform_fill(self.bg_feedback, n, <double *>cnp.PyArray_DATA(u_visit))
        if self.exponential:  # the handling family draws first, then the solve draws
            work = _f8(n * self.n_levels)
            with self.handling_lock:
                random_standard_exponential_fill(self.bg_handling, n * self.n_levels, <double *>cnp.PyArray_DATA(work))
        else:
            work = self.handling(n)
        u_solve = _f8(n * self.n_levels)
        with self.handling_lock:
            random_standard_uniform_fill(self.bg_handling, n * self.n_levels, <double *>cnp.PyArray_DATA(u_solve))
        return {
            "t_occurred": t_occurred,
            "grid": grid,
            "category": category,
            "household": household,
            "severity": severity,
            "severity_initial": severity_initial,
            "t_surfaced": t_surfaced,
            "t_worsened": t_worsened,
            "channel": channel,
            "absorbed": absorbed,
            "work": work,
            "u_solve": u_solve,
            "u_feedback": u_feedback,
            "u_reopen": u_reopen,
            "u_visit": u_visit,
        }, t_acc


cdef inline cnp.ndarray _f8(Py_ssize_t n):
    cdef cnp.npy_intp size = n
    return cnp.PyArray_EMPTY(1, &size, cnp.NPY_FLOAT64, 0)


cdef inline cnp.ndarray _i8(Py_ssize_t n):
    cdef cnp.npy_intp size = n
    return cnp.PyArray_EMPTY(1, &size, cnp.NPY_INT64, 0)


cdef const double *_f8_data(a) except NULL:
    """The data of a C-contiguous float64 array (a per-household or per-grid column)."""
    if (not isinstance(a, np.ndarray) or cnp.PyArray_TYPE(<cnp.ndarray>a) != cnp.NPY_FLOAT64
            or not cnp.PyArray_IS_C_CONTIGUOUS(<cnp.ndarray>a)):
        raise TypeError("expected a C-contiguous float64 array")
    return <const double *>cnp.PyArray_DATA(<cnp.ndarray>a)


cdef void _stable_order(const double *key, Py_ssize_t n, Py_ssize_t *idx, Py_ssize_t *tmp) noexcept:
    """``idx`` = ``numpy.argsort(key[:n], kind="stable")`` (no NaNs): insertion-sorted runs of 16,
    then merged pairwise, the left run first among equals."""
    cdef Py_ssize_t i, j, lo, mid, hi, a, b, w, x
    cdef Py_ssize_t *src = idx
    cdef Py_ssize_t *dst = tmp
    cdef Py_ssize_t *swap
    for i in range(n):
        idx[i] = i
    for lo in range(0, n, 16):
        hi = lo + 16 if lo + 16 < n else n
        for i in range(lo + 1, hi):
            x = idx[i]
            j = i
            while j > lo and key[idx[j - 1]] > key[x]:
                idx[j] = idx[j - 1]
                j -= 1
            idx[j] = x
    w = 16
    while w < n:
        for lo in range(0, n, 2 * w):
            mid = lo + w if lo + w < n else n
            hi = lo + 2 * w if lo + 2 * w < n else n
            a, b = lo, mid
            for i in range(lo, hi):
                if a < mid and (b >= hi or key[src[a]] <= key[src[b]]):
                    dst[i] = src[a]
                    a += 1
                else:
                    dst[i] = src[b]
                    b += 1
        swap = src
        src = dst
        dst = swap
        w *= 2
    if src != idx:
        for i in range(n):
            idx[i] = src[i]


def quiet_day(const double[:, :] u, const long long[:] holder, const unsigned char[:] applies,
              const unsigned char[:] at_work, const double[:] overload, const double[:] unfairness,
              double p_retire, double p_maternity, double p_sick, double resign, double a, double b):
    """``sim.kernels.reference.quiet_day``: True when, over the posts whose holder
    is at work, no draw can start an exit or a leave today (a bound, never a false True)."""
    cdef Py_ssize_t i, n = holder.shape[0]
    cdef long long h
    cdef double lo0 = INFINITY, lo1 = INFINITY, lo2 = INFINITY, lo3 = INFINITY, ov = -INFINITY, un = -INFINITY
    cdef bint any_post = False
    for i in range(n):
        h = holder[i]
        if h < 0 or not applies[i] or not at_work[h]:
            continue
        any_post = True
        lo0 = u[i, 0] if u[i, 0] < lo0 else lo0
        lo1 = u[i, 1] if u[i, 1] < lo1 else lo1
        lo2 = u[i, 2] if u[i, 2] < lo2 else lo2
        lo3 = u[i, 3] if u[i, 3] < lo3 else lo3
        ov = overload[h] if overload[h] > ov else ov
        un = unfairness[h] if unfairness[h] > un else un
    if not any_post:
        return True
    if lo0 < p_retire or lo2 < p_maternity or lo3 < p_sick:
        return False
    x = a * ov + b * un
    return lo1 >= resign * exp(x if x < 700.0 else 700.0) / 365.0 * (1.0 + 1e-9)


def count_days(cnp.ndarray hours, cnp.ndarray counts, double end):
    """``sim.kernels.reference.count_days``: one more in ``counts[h // 24]`` for each hour ``h``
    before ``end`` (NaN: never), and 0; where some such day is past ``counts``, nothing added and
    the number of days they need (the daily record's cases surfacing each day, a pass a day)."""
    cdef const double *h = _f8_data(hours)
    cdef long long *c
    cdef Py_ssize_t i, n = cnp.PyArray_SIZE(hours), need = 0, day
    cdef double x
    if (cnp.PyArray_TYPE(counts) != cnp.NPY_INT64 or not cnp.PyArray_IS_C_CONTIGUOUS(counts)
            or not cnp.PyArray_ISWRITEABLE(counts)):
        raise TypeError("count_days: counts must be a writable C-contiguous int64 array")
    c = <long long *>cnp.PyArray_DATA(counts)
    for i in range(n):
        x = h[i]
        if x < end:  # (False for NaN)
            if x < 0.0:
                raise ValueError(f"count_days: an hour before day 0 ({x})")
            day = _day_of(x)
            if day >= need:
                need = day + 1
    if need > cnp.PyArray_SIZE(counts):
        return need
    for i in range(n):
        if h[i] < end:
            c[_day_of(h[i])] += 1
    return 0


cdef inline Py_ssize_t _day_of(double x) noexcept:
    """numpy's ``x // 24.0`` for an hour ``x >= 0``: the quotient's floor, one less where the
    division rounded up to the next whole day."""
    cdef double q = floor(x / 24.0)
    if q * 24.0 > x:
        q -= 1.0
    return <Py_ssize_t>q


cdef struct _Appended:
    char *data  # the buffer's rows
    Py_ssize_t width, size  # rows an incident; rows the buffer holds
    int type_num
    bint has_default
    double default_f
    long long default_i


cdef class ColumnAppends:
    """``IncidentLog.extend``'s writes (``sim.kernels.reference.ColumnAppends``), bound to the log's
    buffers once — each ``(buffer, name, numpy type, default, width)`` of ``columns`` — and bound
    again only when they grow: a call is then a dictionary look-up and a copy or fill a column."""

    cdef list columns  # (holds the buffers: their data stays put while bound)
    cdef list names, dtypes
    cdef _Appended *cols
    cdef Py_ssize_t m

    def __init__(self, list columns):
        cdef cnp.ndarray a
        cdef Py_ssize_t j
        self.cols = <_Appended *>PyMem_Malloc(max(len(columns), 1) * sizeof(_Appended))
        if self.cols == NULL:
            raise MemoryError()
        self.columns, self.names, self.dtypes, self.m = list(columns), [], [], len(columns)
        for j, (a, name, dtype, fill, width) in enumerate(self.columns):
            if not cnp.PyArray_IS_C_CONTIGUOUS(a) or cnp.PyArray_TYPE(a) not in (cnp.NPY_FLOAT64, cnp.NPY_INT64):
                raise TypeError(f"ColumnAppends: column {name!r} is not a contiguous float64 or int64 buffer")
            self.names.append(name)
            self.dtypes.append(dtype)
            self.cols[j].data = <char *>cnp.PyArray_DATA(a)
            self.cols[j].width, self.cols[j].size = width, cnp.PyArray_SIZE(a)
            self.cols[j].type_num = cnp.PyArray_TYPE(a)
            self.cols[j].has_default = fill is not None
            if fill is not None:
                if self.cols[j].type_num == cnp.NPY_FLOAT64:
                    self.cols[j].default_f = fill
                else:
                    self.cols[j].default_i = fill

    def __dealloc__(self):
        PyMem_Free(self.cols)

    def __call__(self, dict values, Py_ssize_t n0, Py_ssize_t k):
        """Put the rows of incidents ``n0 .. n0 + k`` (``width`` rows an incident): ``values[name]``,
        or copies of the column's default. The buffers have room for them."""
        cdef _Appended *c
        cdef cnp.ndarray v
        cdef Py_ssize_t j, i, lo, m
        for j in range(self.m):
            c = &self.cols[j]
            lo, m = n0 * c.width, k * c.width
            name = self.names[j]
            if lo + m > c.size:
                raise ValueError(f"IncidentLog.extend: no room in column {name!r}")
            got = values.get(name)
            if got is None:
                if not c.has_default:
                    raise KeyError(f"IncidentLog.extend: the draws {name!r} are missing")
                if c.type_num == cnp.NPY_FLOAT64:
                    for i in range(m):
                        (<double *>c.data)[lo + i] = c.default_f
                else:
                    for i in range(m):
                        (<long long *>c.data)[lo + i] = c.default_i
                continue
            if (not isinstance(got, cnp.ndarray) or cnp.PyArray_TYPE(<cnp.ndarray>got) != c.type_num
                    or not cnp.PyArray_IS_C_CONTIGUOUS(<cnp.ndarray>got)):
                got = np.ascontiguousarray(got, dtype=self.dtypes[j])
            v = <cnp.ndarray>got
            if cnp.PyArray_SIZE(v) != m:
                raise ValueError(f"IncidentLog.extend: column {name!r} has {cnp.PyArray_SIZE(v)} values, not {m}")
            memcpy(c.data + lo * 8, cnp.PyArray_DATA(v), m * 8)
