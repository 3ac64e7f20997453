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


@needs_compiled
@EXAMPLES
@given(
    seed=SEED,
    cap=st.integers(0, 14),
    teams=st.integers(1, 4),
    grids=st.integers(1, 5),
    full_day=st.sampled_from([0.0, 8.0, 9.5]),
    discretionary=st.floats(0.0, 6.0),
)
def test_hour_accounts_and_visits_and_records(seed, cap, teams, grids, full_day, discretionary):
    g = np.random.default_rng(seed)
    s = np.flatnonzero(g.random(cap) < 0.8)  # accounted: maybe scattered (people have left)
    working = s[g.random(len(s)) < 0.7]
    now = 24.0 * float(g.integers(1, 300))
    hours = np.array(
        [
            [w.busy_hours, w.busy_since + now - 24.0, w.current, w.block_hours, w.free_at + now - 24.0]
            for w in _workers(g, len(s))
        ]
    ).T.reshape(5, len(s))
    kind, team = g.integers(0, 5, cap), g.integers(0, teams, cap)
    left = np.where(g.random(cap) < 0.2, 3, -1)
    shares = g.dirichlet(np.ones(3), cap) if cap else np.zeros((0, 3))
    post = np.where(g.random(cap) < 0.8, g.integers(0, 6, cap), -1)
    args = dict(
        rostered=np.where(g.random(5) < 0.8, g.uniform(0, 12, 5), 0.0),
        campaign=g.random(cap),
        need=g.uniform(0, 3, teams),
        success=g.random(grids),
        post_grid=g.integers(0, grids, 6),
        team_first=g.integers(0, grids, teams),
        marks=g.uniform(0, 50, (2, cap)),
        totals=g.random((16, cap)),
        prod=g.uniform(0, 3, 2),
    )
    results = []
    for k, rng in zip((comp, ref), _rngs(seed), strict=True):
        marks, totals, periods = args["marks"].copy(), args["totals"].copy(), args["totals"].copy()
        rows = np.zeros((16, len(s)))
        k.hour_accounts(
            s,
            working,
            np.zeros(cap, np.uint8),
            now,
            *hours.copy(),
            marks[0],
            marks[1],
            kind,
            args["rostered"],
            shares,
            args["campaign"],
            team,
            left,
            args["need"],
            np.zeros(teams),
            discretionary,
            full_day,
            0.25 - 1e-9,
            rows,
        )
        grid, visits, records = np.empty(len(s), np.int64), np.empty(len(s), np.int64), np.zeros(grids)
        k.visits_and_records(
            rng,
            rows,
            s,
            *args["prod"],
            args["success"],
            post,
            team,
            args["post_grid"],
            args["team_first"],
            totals,
            periods,
            grid,
            visits,
            records,
        )
        results.append((rows, marks, totals, periods, grid, visits, records, rng))
    for a, b in zip(*results[:2], strict=True):
        if isinstance(a, np.random.Generator):
            _same_stream(a, b)
        else:
            _same(a, b)


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
