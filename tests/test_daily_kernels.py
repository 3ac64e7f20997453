"""Each daily kernel (sim/kernels/_kernels.pyx) against its numpy reference (sim/kernels/reference.py)
on the same small random inputs: the same outputs to the last bit and the same random draws; and
no domain module asks which of the two runs (sim.kernels is the one switch)."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import kernels
from sim.kernels import reference as ref
from sim.scenario.schema import Shift
from sim.workforce.shifts import Roster

REPO = Path(__file__).resolve().parents[1]
try:  # compared whichever of the two the switch picked
    from sim.kernels import _kernels as comp
except (ImportError, ValueError):
    comp = None
needs_compiled = pytest.mark.skipif(comp is None, reason="sim.kernels._kernels was not built (no C compiler)")
SEED = st.integers(0, 2**32 - 1)
EXAMPLES = settings(max_examples=40, deadline=None)


def _rngs(seed: int) -> tuple[np.random.Generator, np.random.Generator]:
    return np.random.default_rng(seed), np.random.default_rng(seed)


def _same(a, b) -> None:
    """Identical values (NaN where NaN), types and shapes."""
    a, b = np.asarray(a), np.asarray(b)
    assert a.dtype == b.dtype and a.shape == b.shape
    assert np.array_equal(a, b, equal_nan=a.dtype.kind == "f")


def _same_stream(r1: np.random.Generator, r2: np.random.Generator) -> None:
    """Both drew as many numbers: their next draws agree."""
    assert r1.bit_generator.state == r2.bit_generator.state


def _surfacing_rates(g: np.random.Generator, cats: int, types: int, patrols: float = 1.0) -> SimpleNamespace:
    """Random per-category surfacing rates, as ``sim.world.surfacing.Surfacing`` holds them."""
    return SimpleNamespace(
        propensity=g.random(cats),
        delay=g.uniform(0.1, 48.0, cats),
        discover=g.random(cats) * (g.random(cats) < 0.7) * patrols,
        worsen=g.random(cats) / 24.0 * (g.random(cats) < 0.7),
        absorbable=g.random(cats) < 0.5,
        absorbs=g.random(types),
        police_cat=g.random(cats) < 0.3,
        willingness=float(g.random()),
        dispatch=float(g.uniform(0, 6)),
        accept_delay=float(g.uniform(0, 2)),
    )


# ---------------------------------------------------------------- arrivals


@needs_compiled
@EXAMPLES
@given(
    seed=SEED,
    grids=st.integers(1, 6),
    cats=st.integers(1, 4),
    campaign=st.booleans(),
    monthly=st.booleans(),
    d=st.integers(0, 800),
)
def test_arrivals_day(seed, grids, cats, campaign, monthly, d):
    g = np.random.default_rng(seed ^ 0x5EED)
    rate = g.uniform(0.0, 3.0, (grids, cats)) * (g.random((grids, cats)) < 0.8)
    mult = g.uniform(0.0, 4.0, cats) if campaign else None
    month = float(g.uniform(0.3, 1.8)) if monthly else 1.0
    households = g.integers(1, 500, grids)
    first = np.concatenate([[0], np.cumsum(households)[:-1]]).astype(np.int64)
    sev_cut = np.cumsum(g.dirichlet(np.ones(3), cats), axis=1)[:, :2]
    r1, r2 = _rngs(seed)
    a = comp.arrivals_day(r1, rate, mult, month, monthly, first, households, sev_cut, d)
    b = ref.arrivals_day(r2, rate, mult, month, monthly, first, households, sev_cut, d)
    assert a.keys() == b.keys()
    for k in a:
        _same(a[k], b[k])
    _same_stream(r1, r2)


# ---------------------------------------------------------------- surfacing


def _shift(g: np.random.Generator) -> Shift:
    start = float(g.choice([0.0, 7.25, 8.5, 13.0]))
    days = sorted(set(g.integers(0, 7, g.integers(0, 8)).tolist()))
    return Shift(
        always=bool(g.random() < 0.2),
        weekdays=days,
        start_hour=start,
        end_hour=min(start + float(g.choice([0.5, 4.0, 9.0, 11.0])), 24.0),
    )


@needs_compiled
@EXAMPLES
@given(seed=SEED, n=st.integers(0, 60), cats=st.integers(1, 4), grids=st.integers(1, 5), d=st.integers(0, 400))
def test_surfacing_plan(seed, n, cats, grids, d):
    g = np.random.default_rng(seed)
    types, homes = 3, 50
    rates = _surfacing_rates(g, cats, types)
    grid_type = g.integers(0, types, grids)
    patrol, responder = Roster(_shift(g)), Roster(_shift(g))
    cat, grid, h = g.integers(0, cats, n), g.integers(0, grids, n), g.integers(0, homes, n)
    t0 = np.sort(24.0 * (d + g.random(n)))
    sev = g.integers(0, 3, n)
    draws = (*g.random((3, n)), *g.standard_exponential((3, n)))
    trust, awareness, intensity = g.random(homes), g.random(homes), g.uniform(0, 3, grids) * (g.random(grids) < 0.8)
    outs = []
    for k in (
        comp.SurfacingKernel(rates, grid_type, patrol, responder),
        ref.SurfacingKernel(rates, grid_type, patrol, responder),
    ):
        out = [sev.copy(), np.empty(n), np.empty(n), np.empty(n, np.int64), np.empty(n, np.int64), np.empty(n)]
        k.plan(cat, grid, h, t0, out[0], *draws, trust, awareness, intensity, *out[1:])
        outs.append(out)
    for a, b in zip(*outs, strict=True):
        _same(a, b)


# ---------------------------------------------------------------- the day's occurrence


@needs_compiled
@EXAMPLES
@given(
    seed=SEED,
    grids=st.integers(1, 5),
    cats=st.integers(1, 4),
    levels=st.integers(1, 3),
    scale=st.sampled_from([0.0, 1.0, 30.0]),
    campaign=st.booleans(),
    monthly=st.booleans(),
    d=st.integers(0, 400),
    exponential=st.booleans(),
    patrols=st.booleans(),
)
def test_occurrence_day(seed, grids, cats, levels, scale, campaign, monthly, d, exponential, patrols):
    """The day's one call (arrivals, surfacing, every per-case draw) against the reference's
    composition of ``arrivals_day``, numpy draws and the surfacing plan: the same columns to the
    last bit, and every stream left where the reference leaves it."""
    g = np.random.default_rng(seed)
    types, homes_per_grid = 3, 40
    households = np.full(grids, homes_per_grid, dtype=np.int64)
    arrivals = SimpleNamespace(
        daily_rate=g.uniform(0.0, scale, (grids, cats)) * (g.random((grids, cats)) < 0.8),
        first=np.arange(grids, dtype=np.int64) * homes_per_grid,
        households=households,
        sev_cut=np.cumsum(g.dirichlet(np.ones(3), cats), axis=1)[:, :2],
        hourly=None,
    )
    rates = _surfacing_rates(g, cats, types, patrols)  # patrols 0: none discoverable, no intensity asked
    grid_type = g.integers(0, types, grids)
    patrol, responder = Roster(_shift(g)), Roster(_shift(g))
    homes = grids * homes_per_grid
    trust, awareness = g.random(homes), g.random(homes)
    intensity = g.uniform(0, 3, grids) * (g.random(grids) < 0.8)
    mult = g.uniform(0.0, 4.0, cats) if campaign else None
    month = float(g.uniform(0.3, 1.8)) if monthly else 1.0
    days, streams = [], []
    for mod in (comp, ref):
        rngs = [np.random.default_rng([seed, i]) for i in range(4)]  # arrivals, behaviour, feedback, handling
        arr = SimpleNamespace(**vars(arrivals), rng=rngs[0])
        surfacing = SimpleNamespace(
            discover=rates.discover, kernel=mod.SurfacingKernel(rates, grid_type, patrol, responder)
        )

        def handling(n, r=rngs[3]):  # the exponential family, or a lognormal one (drawn by the family alone)
            return (r.standard_exponential if exponential else r.standard_normal)((n, levels)).ravel()

        kernel = mod.OccurrenceKernel(arr, surfacing, rngs[1], rngs[2], handling, rngs[3], levels, exponential)
        # two days on one kernel: the second reuses (or grows) its scratch
        days.append([kernel.day(d + i, month, monthly, mult, trust, awareness, lambda: intensity) for i in (0, 1)])
        streams.append(rngs)
    for (a, ta), (b, tb) in zip(*days, strict=True):
        assert a.keys() == b.keys()
        for k in a:
            _same(a[k], b[k])
        _same(ta, tb)
    for r1, r2 in zip(*streams, strict=True):
        _same_stream(r1, r2)


# ---------------------------------------------------------------- the day close


def _workers(g: np.random.Generator, cap: int) -> list:
    return [
        SimpleNamespace(
            busy_hours=float(g.uniform(0, 200)),
            busy_since=float(g.uniform(0, 24)),
            current=float(g.choice([-1, 0, 7])),
            block_hours=float(g.uniform(0, 50)),
            free_at=float(g.uniform(0, 30)),
        )
        for _ in range(cap)
    ]


def _staff_columns(g: np.random.Generator, cap: int, teams: int) -> dict:
    """Random per-slot columns of ``cap`` slots, as ``DayClose.bind`` takes them (by name)."""
    return dict(
        kind=g.integers(0, 3, cap),
        shares=g.dirichlet(np.ones(3), cap) if cap else np.zeros((0, 3)),
        team=g.integers(0, teams, cap),
        left=np.where(g.random(cap) < 0.2, 3, -1),
        post=np.where(g.random(cap) < 0.8, g.integers(0, 6, cap), -1),
        busy_mark=g.uniform(0, 50, cap),
        block_mark=g.uniform(0, 50, cap),
        campaign_part=g.random(cap),
        totals=g.random((16, cap)),
        periods=g.random((16, cap)),
    )


def _grown(cols: dict, cap: int, g: np.random.Generator, teams: int) -> dict:
    """Every column replaced by one of ``cap`` slots: the old slots kept, the new ones random."""
    new = _staff_columns(g, cap, teams)
    for name, old in cols.items():
        if old.ndim == 2 and name != "shares":
            new[name][:, : old.shape[1]] = old
        else:
            new[name][: len(old)] = old
    return new


NAMES = tuple(f"row {k}" for k in range(9))
"""The rows whose day totals the close returns (the hours of ``sim.workforce.staffing.HOURS``)."""
_ACCOUNTED = [*range(9), *range(11, 16)]
"""The account rows the accounts fill (before the draws fill the visits made and records)."""


def _close_day(close, cols: dict, g: np.random.Generator, now: float, teams: int) -> tuple:
    """One midnight on ``close``: random hour fields of a random subset of the slots, then the
    accounts and the draws. Returns every output (copies) to compare."""
    cap = len(cols["kind"])
    s = np.flatnonzero(g.random(cap) < 0.8)  # accounted: maybe scattered (people have left)
    working = s[g.random(len(s)) < 0.7]
    hours = close.fields(len(s))
    hours[:] = np.array(
        [
            [w.busy_hours, w.busy_since + now - 24.0, w.current, w.block_hours, w.free_at + now - 24.0]
            for w in _workers(g, len(s))
        ]
    ).T.reshape(5, len(s))
    rows = close.accounts(s, working, now, g.uniform(0, 3, teams))[_ACCOUNTED].copy()  # (rows 9, 10: drawn next)
    records, sums = close.draws()
    assert list(sums) == list(NAMES)
    return rows, close.rows.copy(), close.grid.copy(), close.visits.copy(), records, np.array(list(sums.values()))


@needs_compiled
@EXAMPLES
@given(
    seed=SEED,
    cap=st.integers(0, 14),
    grown=st.integers(0, 20),
    teams=st.integers(1, 4),
    grids=st.integers(1, 5),
    full_day=st.sampled_from([0.0, 8.0, 9.5]),
    discretionary=st.floats(0.0, 6.0),
)
def test_day_close(seed, cap, grown, teams, grids, full_day, discretionary):
    """Two midnights on each twin, the second after every column was replaced by a larger one
    (the staff grew) and bound again: the same rows, marks, totals, grids, visits, records, hour
    sums (to the sign of a zero) and draws."""
    rosters = [
        Roster(Shift(always=True)),
        Roster(Shift(weekdays=[0, 2, 3], start_hour=8.5, end_hour=17.0)),
        Roster(Shift(weekdays=[5, 6], start_hour=20.0, end_hour=6.0)),
    ]
    results = []
    for k, rng in zip((comp, ref), _rngs(seed), strict=True):
        g = np.random.default_rng(seed)  # the same inputs for both
        twins = [comp.Roster(r) for r in rosters] if k is comp else rosters
        prod = g.uniform(0, 3, 2)
        close = k.DayClose(
            twins, discretionary, full_day, 0.25 - 1e-9, *prod, g.random(grids), g.integers(0, grids, 6),
            g.integers(0, grids, teams), rng, NAMES,
        )  # fmt: skip
        cols = _staff_columns(g, cap, teams)
        close.bind(**cols)
        now = 24.0 * float(g.integers(1, 300))
        out = [_close_day(close, cols, g, now + 24.0 * day, teams) for day in range(2)]
        cols = _grown(cols, cap + grown, g, teams)
        close.bind(**cols)
        out.append(_close_day(close, cols, g, now + 48.0, teams))
        results.append((out, cols, rng))
    (out_c, cols_c, rng_c), (out_r, cols_r, rng_r) = results
    for a, b in zip(out_c, out_r, strict=True):
        for x, y in zip(a, b, strict=True):
            _same(x, y)
        assert a[-1].tobytes() == b[-1].tobytes()  # the sums' zeros keep their sign
    for name in cols_c:
        _same(cols_c[name], cols_r[name])
    _same_stream(rng_c, rng_r)


@needs_compiled
def test_day_close_refuses_slots_beyond_its_columns():
    """Slots the bound columns do not reach (the staff grew, not bound again) are an error, not a stray write."""
    g = np.random.default_rng(3)
    close = comp.DayClose([comp.Roster(Roster(Shift(always=True)))] * 3, 1.0, 8.0, 0.25, 1.0, 1.0,
                          np.ones(2), np.zeros(6, np.int64), np.zeros(2, np.int64), g, NAMES)  # fmt: skip
    close.bind(**_staff_columns(g, 4, 2))
    close.fields(2)
    with pytest.raises(IndexError, match="bind again"):
        close.accounts(np.array([1, 4]), np.array([1]), 24.0, np.ones(2))
    with pytest.raises(RuntimeError, match="accounts first"):
        close.draws()


@needs_compiled
@given(
    n=st.integers(0, 700),
    seed=SEED,
    zeros=st.sampled_from([None, 0.0, -0.0]),
)
def test_row_sums_add_in_numpys_order(n, seed, zeros):
    """The day's hour sums: numpy's pairwise order to the last bit, at every length (blocks of 8,
    the 128 cut, the halving) and for rows of signed zeros."""
    g = np.random.default_rng(seed)
    rows = g.standard_normal((3, n)) * 10.0 ** g.uniform(-8, 8, (3, n))
    if zeros is not None:
        rows[1] = zeros
    a, b = comp.row_sums(rows, 3), ref.row_sums(rows, 3)
    assert np.array(a).tobytes() == np.array(b).tobytes()


# ---------------------------------------------------------------- risk grades


@needs_compiled
@EXAMPLES
@given(seed=SEED, n=st.integers(0, 9000), grids=st.integers(1, 6), window=st.integers(1, 40))
def test_risk_grades(seed, n, grids, window):
    """Both twins skip to the same first incident (across chunks of 4096) and grade alike; each
    hands back the grades it was given, the same array, when a re-grade changes none."""
    g = np.random.default_rng(seed)
    occurred = np.sort(g.random(n) * 24.0 * 120)
    surfaced = np.where(g.random(n) < 0.1, np.nan, occurred + g.exponential(24.0 * g.choice([0.1, 3.0]), n))
    accepted = np.where(g.random(n) < 0.1, np.nan, surfaced)
    grid = g.integers(0, grids, n)
    households = g.integers(0, 400, grids).astype(np.float64)  # an empty grid too, at times (rate 0/0 or x/0)
    red, yellow = sorted(g.uniform(0, 3, 2))[::-1]
    first, now = 0, 24.0 * float(g.integers(1, 120))
    start = now - 24.0 * window
    levels = {}
    for k in (comp, ref):
        level = np.zeros(grids, np.int64)
        got_first, got = k.risk_grades(surfaced, accepted, grid, first, start, now, households, red, yellow, level)
        again = k.risk_grades(surfaced, accepted, grid, got_first, start, now, households, red, yellow, got)
        assert again[0] == got_first and again[1] is got
        assert (got is level) == (not got.any())
        levels[k] = (got_first, got)
    assert levels[comp][0] == levels[ref][0]
    _same(levels[comp][1], levels[ref][1])


# ---------------------------------------------------------------- the turnover screen


@needs_compiled
@settings(max_examples=80, deadline=None)
@given(seed=SEED, posts=st.integers(0, 10), slots=st.integers(1, 12), rare=st.booleans())
def test_quiet_day(seed, posts, slots, rare):
    g = np.random.default_rng(seed)
    u = g.random((posts, 5))
    if rare:  # draws near the chances, so both answers occur
        u[:, :4] = g.uniform(0, 0.02, (posts, 4))
    holder = np.where(g.random(posts) < 0.8, g.integers(0, slots, posts), -1)
    applies = (g.random(posts) < 0.8).astype(np.uint8)
    at_work = (g.random(slots) < 0.8).astype(np.uint8)
    overload, unfairness = g.uniform(0, 2, slots), g.uniform(0, 2, slots)
    rates = (*g.uniform(0, 0.02, 3), float(g.uniform(0, 2)), float(g.uniform(0, 3)), float(g.uniform(0, 3)))
    a = comp.quiet_day(u, holder, applies, at_work, overload, unfairness, *rates)
    b = ref.quiet_day(u, holder, applies, at_work, overload, unfairness, *rates)
    assert a == b


# ---------------------------------------------------------------- duty rosters


@needs_compiled
@given(
    weekdays=st.lists(st.integers(0, 6), unique=True, max_size=7),
    start=st.floats(0, 23.5),
    length=st.floats(0.25, 12),
    always=st.booleans(),
    t=st.lists(st.one_of(st.floats(0, 24 * 400, allow_nan=False), st.just(np.inf)), min_size=1, max_size=30),
)
def test_roster_twin(weekdays, start, length, always, t):
    """The compiled twin and the Python roster (the reference twin) answer every method alike."""
    r = Roster(Shift(always=always, weekdays=weekdays, start_hour=start, end_hour=min(start + length, 24.0)))
    k = comp.Roster(r)
    t = t + [w + x for w in (0.0, 168.0, 24 * 7 * 30) for ab in r.intervals for x in ab]  # the edges too
    ts = np.array(t)
    assert k.next_on_many(ts) == r.next_on_many(ts) == r.next_on_array(ts).tolist()
    finite = [x for x in t if np.isfinite(x)]
    assert [k.next_on(x) for x in finite] == [r.next_on(x) for x in finite]
    assert [k.is_on(x) for x in finite] == [r.is_on(x) for x in finite]
    for x in finite:
        assert k.on_hours(x, x + 7.0 * length * 24.0) == r.on_hours(x, x + 7.0 * length * 24.0)


def test_a_roster_always_has_its_twin():
    r = Roster(Shift(weekdays=[0, 2], start_hour=8.0, end_hour=17.0))
    if kernels.compiled is None:
        assert r.twin is r
    else:
        assert isinstance(r.twin, kernels.compiled.Roster)
    for method in ("is_on", "next_on", "on_hours", "next_on_many"):
        assert callable(getattr(r.twin, method))


# ---------------------------------------------------------------- the incident log's appends


def _columns(room: int) -> list:
    f8, i8 = np.dtype(np.float64), np.dtype(np.int64)
    return [  # (buffer, name, type, default, rows an incident); garbage in the rows not written yet
        (np.full(room, 7, i8), "a", i8, -1, 1),
        (np.full(room, 7, i8), "b", i8, 0, 1),
        (np.full(room, 7.5), "c", f8, np.nan, 1),
        (np.full(2 * room, 7.5), "d", f8, None, 2),
    ]


@needs_compiled
@EXAMPLES
@given(seed=SEED, k=st.integers(0, 20), days=st.integers(1, 3))
def test_column_appends(seed, k, days):
    g = np.random.default_rng(seed)
    room = days * k + 1
    a, b = _columns(room), _columns(room)
    to_a, to_b = comp.ColumnAppends(a), ref.ColumnAppends(b)  # bound once, for every day
    for day in range(days):
        values = {"d": g.random(2 * k)}
        if g.random() < 0.5:
            values["a"] = g.integers(0, 9, k)
        if g.random() < 0.5:  # another type, not contiguous: converted
            values["c"] = g.integers(0, 9, 2 * k).astype(np.int32)[::2]
        to_a(values, day * k, k)
        to_b(values, day * k, k)
        for (x, name, _, fill, _), (y, *_) in zip(a, b, strict=True):
            assert np.array_equal(x, y, equal_nan=True)
            if name not in values:
                assert np.array_equal(x[day * k : (day + 1) * k], np.full(k, fill), equal_nan=True)
    for (x, *_, width), (w, *_) in zip(a, _columns(room), strict=True):  # the rows past those written untouched
        assert np.array_equal(x[days * k * width :], w[days * k * width :])
    for appends in (comp.ColumnAppends, ref.ColumnAppends):
        with pytest.raises(KeyError):  # the draws have no default
            appends(_columns(2))({}, 0, 1)
        with pytest.raises(ValueError):  # no room
            appends(_columns(2))({"d": np.zeros(4)}, 1, 2)
        with pytest.raises(ValueError):  # the draws of another number of incidents
            appends(_columns(2))({"d": np.zeros(3)}, 0, 1)


# ---------------------------------------------------------------- the daily record's surfacing days


@needs_compiled
@EXAMPLES
@given(seed=SEED, k=st.integers(0, 30), room=st.integers(0, 12))
def test_count_days(seed, k, room):
    g = np.random.default_rng(seed)
    hours = g.uniform(0.0, 24.0 * 10, k)
    hours[g.random(k) < 0.2] = np.nan  # never surfacing
    hours[g.random(k) < 0.1] = 24.0 * 3  # on a midnight
    hours[g.random(k) < 0.1] = np.nextafter(24.0 * 4, 0.0)  # just before one
    end = 24.0 * float(g.integers(1, 11))  # later hours are not counted
    a = g.integers(0, 5, room)  # counts so far
    b = a.copy()
    need_a, need_b = comp.count_days(hours, a, end), ref.count_days(hours, b, end)
    assert need_a == need_b
    _same(a, b)
    kept = hours[hours < end]
    if need_a:  # nothing counted; with room for the days asked for, every one is
        assert need_a > room and need_a == int((kept // 24.0).max()) + 1
        a, b = np.zeros(need_a, np.int64), np.zeros(need_a, np.int64)
        assert comp.count_days(hours, a, end) == ref.count_days(hours, b, end) == 0
        _same(a, b)
        _same(a, np.bincount((kept // 24.0).astype(np.int64), minlength=need_a))
    for f in (comp.count_days, ref.count_days):
        with pytest.raises(ValueError):  # a case surfacing before day 0
            f(np.array([5.0, -1.0]), np.zeros(3, np.int64), 100.0)


@needs_compiled
def test_count_days_around_midnight():
    midnights = 24.0 * np.arange(1, 20_000)  # each day as numpy's floor division has it: on, just before, just after
    hours = np.concatenate([midnights, np.nextafter(midnights, 0.0), np.nextafter(midnights, np.inf)])
    a = np.zeros(20_000, np.int64)
    assert comp.count_days(hours, a, np.inf) == 0
    _same(a, np.bincount((hours // 24.0).astype(np.int64), minlength=20_000))


# ---------------------------------------------------------------- one switch

SWITCH_OF_THE_CORE = REPO / "sim" / "core" / "compiled.py"  # builds the event core where the compiled kernels run
DOMAIN = sorted(
    p
    for d in ("world", "workforce", "core", "policies", "output")
    for p in (REPO / "sim" / d).iterdir()
    if p.suffix in (".py", ".pyx") and p != SWITCH_OF_THE_CORE
)
ASKS = re.compile(r"compiled\.kernels|kernels is (not )?None")


@pytest.mark.parametrize("path", DOMAIN, ids=lambda p: str(p.relative_to(REPO)))
def test_no_domain_module_asks_which_kernels_run(path):
    assert not ASKS.search(path.read_text()), f"{path}: call sim.kernels' names unconditionally"
