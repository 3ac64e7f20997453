"""The compiled daily kernels (sim/kernels/_kernels.pyx) and event core (sim/core/{clock,marks,workers,cases,desks,
workflow}.py compiled by Cython) against their reference (sim/kernels/reference.py; the same core source
interpreted, as GRIDSIM_PURE=1 runs it): a run gives bit-identical tables either way, and the duty rules agree
time by time."""

from __future__ import annotations

import gc
import importlib.util
import os
import subprocess
import sys
import weakref
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sim.core
import sim.core.compiled
from sim.model import GridModel
from sim.scenario.loading import load_scenario
from sim.scenario.schema import Shift
from sim.workforce.shifts import Roster

REPO = Path(__file__).resolve().parents[1]
KERNELS = sim.core.compiled.kernels
CORE = sim.core.compiled.core
needs_kernels = pytest.mark.skipif(
    KERNELS is None, reason="sim.kernels._kernels was not built (no C compiler at install) or GRIDSIM_PURE=1"
)

_spec = importlib.util.spec_from_file_location("fingerprint", REPO / "benchmarks" / "fingerprint.py")
fp = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fp)


def test_the_compiled_kernels_are_built_where_required():
    """CI sets GRIDSIM_REQUIRE_COMPILED=1: there the compiled path must be what the tests run."""
    if os.environ.get("GRIDSIM_REQUIRE_COMPILED") == "1":
        assert KERNELS is not None, "sim.kernels._kernels is missing: the package was installed without its extension"
        assert CORE is not None, "the event core is not compiled: the package was installed without its extensions"
    else:
        pytest.skip("GRIDSIM_REQUIRE_COMPILED not set")


def _pure(scenario: str, overrides: list[str], days: int) -> str:
    """Fingerprint of a run on the reference (GRIDSIM_PURE=1: no compiled kernels, the event core's source
    interpreted), in a fresh interpreter."""
    return fp.in_fresh_process(str(REPO / "scenarios" / scenario), days, overrides, pure=True)


@needs_kernels
@pytest.mark.parametrize(
    "scenario, days, overrides",
    [
        ("baseline.yaml", 60, []),
        (
            "jianye.yaml",
            45,
            ["staffing.part_time=0", "staffing.volunteers=0", "turnover.resign_per_year=0.5", "turnover.refill=borrow"],
        ),
        ("jianye.yaml", 60, ["turnover.resign_per_year=0.6", "turnover.refill=wait", "turnover.cover=community"]),
        ("laocheng.yaml", 30, []),  # the weekly meeting (a Meeting desk)
        ("xuanwu.yaml", 8, []),  # direct dispatch, property managers (Referral desks), police fusion
        ("yanjiang.yaml", 30, ["escalation.policy=stepwise", "staffing.on_call=false"]),
        ("validation/mmc.yaml", 60, []),
    ],
)
def test_compiled_and_reference_runs_are_identical(scenario, days, overrides):
    sc = load_scenario(REPO / "scenarios" / scenario, overrides)
    assert fp.fingerprint(GridModel(sc).run(days)) == _pure(scenario, overrides, days)


@needs_kernels
def test_the_compiled_core_runs_where_built():
    """The model picks the compiled calendar, desks and workflow when they were built."""
    if CORE is None:
        pytest.skip("the event core was not compiled")
    for name in sim.core.COMPILED_MODULES:
        assert not importlib.import_module(f"sim.core.{name}").__file__.endswith(".py"), name
    m = GridModel(load_scenario(REPO / "scenarios" / "baseline.yaml"))
    assert isinstance(m.clock, CORE.Clock) and isinstance(m.workflow, CORE.Workflow)
    assert all(isinstance(d, (CORE.Team, CORE.Meeting, CORE.Referral)) for d in m.desks_by_id)
    assert isinstance(m.grid_workers[0], CORE.WorkerState)


def test_a_discarded_model_is_freed_with_events_still_pending():
    """The compiled calendar refers to what its events concern through a list the garbage
    collector sees (not raw pointers), so a sweep's finished models do not pile up."""
    m = GridModel(load_scenario(REPO / "scenarios" / "baseline.yaml"), transitions=False).run(10)
    assert len(m.clock) > 0
    gone = weakref.ref(m)
    del m
    gc.collect()
    assert gone() is None


@needs_kernels
@settings(max_examples=int(os.environ.get("GRIDSIM_EXAMPLES", 8)), deadline=None)
@given(
    seed=st.integers(0, 2**31 - 1),
    overhead=st.floats(0.0, 12.0),
    always=st.booleans(),
    start=st.sampled_from([0.0, 7.25, 8.5, 13.0]),
    length=st.sampled_from([0.5, 4.0, 9.0, 11.0]),
    discretionary=st.floats(0.0, 6.0),
    campaign=st.booleans(),
    seasons=st.booleans(),
)
def test_compiled_equals_reference_over_random_settings(
    seed, overhead, always, start, length, discretionary, campaign, seasons
):
    over = [
        f"seed={seed}",
        f"overhead.hours_per_duty_per_week={overhead}",
        f"staffing.full_time_shift.always={always}",
        f"staffing.full_time_shift.start_hour={start}",
        f"staffing.full_time_shift.end_hour={start + length}",
        f"effort.discretionary_hours_per_day={discretionary}",
        "turnover.resign_per_year=0.4",
        "turnover.sick_per_year=6",
    ]
    if campaign:
        over += [
            "campaigns=[{name: screening, start_day: 3, days: 10, hours_per_day: 2.0, rate_multiplier: {hazard: 3.0}}]"
        ]
    if seasons:
        over += ["arrivals.monthly_profile=[0.5, 0.7, 1.0, 1.2, 1.5, 1.3, 1.1, 1.0, 0.9, 0.8, 0.7, 0.6]"]
    sc = load_scenario(REPO / "scenarios" / "baseline.yaml", over)
    days = 40 if seasons else 20
    assert fp.fingerprint(GridModel(sc).run(days)) == _pure("baseline.yaml", over, days)


@needs_kernels
@given(
    weekdays=st.lists(st.integers(0, 6), unique=True, max_size=7),
    start=st.floats(0, 23.5),
    length=st.floats(0.25, 12),
    always=st.booleans(),
    t=st.lists(st.one_of(st.floats(0, 24 * 400, allow_nan=False), st.just(np.inf)), min_size=1, max_size=30),
)
def test_compiled_duty_rules_equal_the_reference(weekdays, start, length, always, t):
    r = Roster(Shift(always=always, weekdays=weekdays, start_hour=start, end_hour=min(start + length, 24.0)))
    k = KERNELS.Roster(r)
    ts = np.array(t)
    assert np.array_equal(np.array(k.next_on_many(ts)), r.next_on_array(ts))
    finite = [x for x in t if np.isfinite(x)]
    assert [k.next_on(x) for x in finite] == [r.next_on(x) for x in finite]
    assert [k.is_on(x) for x in finite] == [r.is_on(x) for x in finite]
    for x in finite:  # a day from midnight, and an odd window spanning weeks
        day = 24.0 * (x // 24.0)
        assert k.on_hours(day, day + 24.0) == r.on_hours(day, day + 24.0)
        assert k.on_hours(x, x + 7.0 * length * 24.0) == r.on_hours(x, x + 7.0 * length * 24.0)
        assert k.on_hours(x, x - 1.0) == r.on_hours(x, x - 1.0) == 0.0


@pytest.mark.parametrize("value", ["1", "true", "yes"])
def test_gridsim_pure_runs_the_reference(value):
    """Even where the core was compiled, GRIDSIM_PURE runs its .py source (and workers keep their fields in Python)."""
    code = (
        "import sim.core, sim.core.compiled as c; from sim.workforce.agents import Worker; "
        "from sim.core.workers import WorkerState; import importlib; "
        "print(c.kernels is None, c.core is None, "
        "all(importlib.import_module('sim.core.' + m).__file__.endswith('.py') for m in sim.core.COMPILED_MODULES), "
        "issubclass(Worker, WorkerState))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "GRIDSIM_PURE": value},
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.split() == ["True", "True", "True", "True"]


@given(
    weekdays=st.lists(st.integers(0, 6), unique=True, max_size=7),
    start=st.floats(0, 23.5),
    length=st.floats(0.25, 12),
    t=st.lists(st.floats(0, 24 * 400, allow_nan=False), min_size=1, max_size=30),
)
def test_duty_checks_agree_with_their_definition(weekdays, start, length, t):
    """``is_on`` and ``next_on`` (bisect over the week's intervals) against the plain reading:
    on duty when some interval holds the hour of the week; next on duty the first such time."""
    r = Roster(Shift(weekdays=weekdays, start_hour=start, end_hour=min(start + length, 24.0)))
    for x in t:
        w = x % 168.0
        assert r.is_on(x) == any(a <= w < b for a, b in r.intervals)
        if r.intervals:
            base = x - w
            later = [base + a if w < a else x for a, b in r.intervals if w < b]
            assert r.next_on(x) == (later[0] if later else base + 168.0 + r.intervals[0][0])


def _interpreted_clock():
    """``sim/core/clock.py`` run by CPython (as GRIDSIM_PURE=1 runs it), beside the compiled module."""
    spec = importlib.util.spec_from_file_location("_clock_source", REPO / "sim" / "core" / "clock.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_BOUNDARY = [np.nextafter(24.0 * k, -np.inf) for k in (1, 2, 5)] + [24.0 * k for k in (1, 2, 5)]


@given(
    batches=st.lists(
        st.lists(
            st.one_of(
                st.floats(0, 24 * 8, allow_nan=False),
                st.sampled_from(_BOUNDARY),
                st.sampled_from([np.inf, np.nan, 1e300]),
            ),
            max_size=25,
        ),
        max_size=8,
    ),
    period=st.sampled_from([24.0, 0.1, 7.0]),
)
def test_a_timetable_fires_its_plans_in_order(batches, period):
    """Each period's plans fire, once the period is opened, in time order (equal times as planned),
    periods as numpy's floor division puts them, never a non-finite one: by the source interpreted,
    and by its compiled build where there is one."""
    modules = [_interpreted_clock()]
    if CORE is not None:
        modules.append(importlib.import_module("sim.core.clock"))
    expected, arg = [], 0
    for b in batches:
        for t in b:
            if np.isfinite(t):
                expected.append((int(min(np.float64(t) // period, 2.0**62)), t, arg))
            arg += 1
    last = int(24 * 8 // period) + 2
    expected.sort(key=lambda e: (e[0], e[1]))
    # run each opened period up to the next one's first plan (floor division may file a time
    # at a period's very end in the next period, or the other way round)
    starts = {k: t for k, t, _ in reversed(expected)}
    until = [min([starts[j] for j in starts if j > k], default=period * (last + 1)) for k in range(last + 1)]
    expected = [(t, a) for k, t, a in expected if k <= last]
    for clock_module in modules:
        clock, fired = clock_module.Clock(), []

        def record(a, clock=clock, fired=fired):
            fired.append((clock.now, a))

        table = clock_module.Timetable(clock, record, period)
        arg = 0
        for b in batches:
            table.plan(np.array(b, dtype=np.float64), np.arange(arg, arg + len(b), dtype=np.int64))
            arg += len(b)
        for k in range(last + 1):
            table.open(k)
            clock.run_until(until[k])
        assert fired == expected, clock_module.__name__
