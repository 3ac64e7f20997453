"""Cherry-picking (挑肥拣瘦; ``effort.gaming.cherry_picking``): a worker short of the counted
closures takes the quickest case in a team's queue instead of the next in priority order, so
the cases the order puts first wait longer and quick ones are served earlier; nothing changes,
and nothing is drawn, at 0 or with ``scoring.workers_respond: false``; compiled and interpreted
runs agree. The queue's removal from the middle of its heap keeps the heap's order."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sim.core.compiled
from sim.model import GridModel
from sim.output.tables import incidents_table
from sim.scenario.loading import load_scenario, scenario_from_dict

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_scoring_behaviour import small  # noqa: E402  (the small busy street of the scoring tests)

HARD = {"targets": {"closed_cases": 200, "disputes_closed": 50, "records": 600, "visits": 40}}
"""Count targets far above reach: every scored worker is short of closures (full count pressure)."""


def _source(name: str):
    """``sim.core.<name>`` run from its Python source (the interpreted core), whatever was built."""
    spec = importlib.util.spec_from_file_location(f"_source_{name}", REPO / "sim" / "core" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


desks = _source("desks")


def street(cp: float, respond: bool = True, seed: int = 5) -> GridModel:
    """The small street under :data:`HARD` targets with cherry-picking strength ``cp``."""
    raw = small(scoring={**HARD, "workers_respond": respond}, effort={"gaming": {"cherry_picking": cp}})
    raw["seed"] = seed
    return GridModel(scenario_from_dict(raw), transitions=False).run()


def picked(m: GridModel) -> int:
    """Cases taken out of priority order in run ``m``, over every team."""
    return sum(d.n_picked for d in m.desks_by_id if d.discipline == "team")


def waits(m: GridModel) -> dict[str, float]:
    """Mean hours from acceptance to first handling of general-severity cases (before minor ones
    in the priority order), disputes (the slowest category) and information tasks (the
    quickest); and from surfacing to resolution of disputes."""
    inc = incidents_table(m)
    wait = inc["t_handling"] - inc["t_accepted"]
    sev, cat = inc["severity"].astype(str), inc["category"].astype(str)
    return {
        "general": float(wait[sev == "general"].mean()),
        "dispute": float(wait[cat == "dispute"].mean()),
        "information": float(wait[cat == "information"].mean()),
        "dispute_resolved": float((inc["t_resolved"] - inc["t_surfaced"])[cat == "dispute"].mean()),
    }


# ----------------------------------------------------------------------------- in a run


def test_hard_cases_wait_longer_and_quick_ones_less_when_workers_cherry_pick():
    """Paired over four seeds (common random numbers): with cherry-picking at full strength
    general-severity cases and disputes wait longer for their first handling, and disputes for
    their resolution, while information tasks wait less — every seed, and the mean differences'
    95 % intervals exclude zero."""
    from sim.studies.comparison import t_interval

    diffs: dict[str, list[float]] = {"general": [], "dispute": [], "information": [], "dispute_resolved": []}
    for seed in range(4):
        on, off = street(1.0, seed=seed), street(0.0, seed=seed)
        assert picked(on) > 100 and picked(off) == 0
        w_on, w_off = waits(on), waits(off)
        for k in diffs:
            diffs[k].append(w_on[k] - w_off[k])
    for k in ("general", "dispute", "dispute_resolved"):
        m, lo, hi = t_interval(diffs[k])
        assert min(diffs[k]) > 0 and lo > 0, (k, diffs[k], m, lo, hi)
    m, lo, hi = t_interval(diffs["information"])
    assert max(diffs["information"]) < 0 and hi < 0, (diffs["information"], m, lo, hi)


def test_nothing_changes_at_zero_or_when_workers_ignore_their_scores():
    """Strength 0 is the run without the field, exactly; with ``workers_respond: false`` full
    strength picks nothing and every incident is as at 0."""
    raw = small(scoring=HARD)
    base = GridModel(scenario_from_dict(raw), transitions=False).run()
    zero = street(0.0)
    assert np.array_equal(incidents_table(base)["t_closed"], incidents_table(zero)["t_closed"], equal_nan=True)
    assert np.array_equal(incidents_table(base)["t_handling"], incidents_table(zero)["t_handling"], equal_nan=True)
    quiet_on, quiet_off = street(1.0, respond=False), street(0.0, respond=False)
    assert picked(quiet_on) == 0
    a, b = incidents_table(quiet_on), incidents_table(quiet_off)
    for col in ("t_handling", "t_closed", "resolver"):
        assert np.array_equal(a[col], b[col], equal_nan=True), col


def test_no_pressure_no_picking():
    """Count targets every worker meets (shortfall 0) leave the priority order alone."""
    easy = {"targets": {"closed_cases": 0.01, "disputes_closed": 0.01}}
    raw = small(scoring=easy, effort={"gaming": {"cherry_picking": 1.0}})
    assert picked(GridModel(scenario_from_dict(raw), transitions=False).run()) == 0


@pytest.mark.skipif(sim.core.compiled.core is None, reason="the event core is not compiled (or GRIDSIM_PURE=1)")
def test_compiled_and_interpreted_cherry_picking_agree():
    """The same run with cherry-picking on, compiled and interpreted: bit-identical tables."""
    spec = importlib.util.spec_from_file_location("fingerprint", REPO / "benchmarks" / "fingerprint.py")
    fp = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fp)
    scenario = REPO / "scenarios" / "scoring_two_types.yaml"
    over = ["effort.gaming.cherry_picking=1", "scoring.targets={closed_cases: 200, disputes_closed: 50}"]
    m = GridModel(load_scenario(scenario, over)).run(75)
    assert picked(m) > 50
    assert fp.fingerprint(m) == fp.in_fresh_process(str(scenario), 75, over, pure=True)


# ----------------------------------------------------------------------------- the queue


class Flow(SimpleNamespace):
    """The case columns a team's queue reads, for cases 0..n−1 (all waiting at desk 0)."""


def team_with(cases: list[tuple[int, float, int]], hours: list[float]) -> tuple[object, Flow]:
    """An interpreted team whose queue holds ``cases`` (severity, time joined, category)."""
    from sim.core.clock import Clock

    team = desks.Team(Clock(), 0, 0, 0, 0, "t", [])
    n = len(cases)
    wf = Flow(
        state=np.full(n, 3, np.int64),
        desk=np.zeros(n, np.int64),
        t_join=np.array([c[1] for c in cases]),
        category=np.array([c[2] for c in cases], np.int64),
        cat_hours=np.array(hours),
        picking=None,
    )
    team.wf = wf
    for i, (sev, tj, _) in enumerate(cases):
        team._q_push(-sev, tj, i, i)
    return team, wf


def heap_ok(team) -> bool:
    """Every entry comes after its parent by (-severity, time joined, sequence)."""
    return all(not team._q_before(j, (j - 1) >> 1) for j in range(1, team.qn))


entries = st.lists(st.tuples(st.integers(0, 2), st.integers(0, 5).map(float), st.integers(0, 3)), max_size=40)


@settings(max_examples=60, deadline=None)
@given(cases=entries, picks=st.lists(st.integers(0, 10**6), max_size=40))
def test_removing_any_entry_keeps_the_heap(cases, picks):
    """Removing entries anywhere in the heap leaves a heap of the rest; popping the rest from
    the head then gives them in priority order."""
    team, _ = team_with(cases, [1.0] * 4)
    left = {(-s, tj, i) for i, (s, tj, _) in enumerate(cases)}
    for p in picks:
        if not team.qn:
            break
        j = p % team.qn
        left.remove((team.q_negsev[j], team.q_tj[j], team.q_seq[j]))
        team._q_drop_at(j)
        assert heap_ok(team)
    out = []
    while team.qn:
        out.append((team.q_negsev[0], team.q_tj[0], team.q_seq[0]))
        team._q_drop_first()
    assert out == sorted(left)


class Never:
    """A random stream that must not be drawn from."""

    def random(self) -> float:
        raise AssertionError("a draw at strength 0")


@settings(max_examples=60, deadline=None)
@given(cases=entries.filter(bool), gone=st.sets(st.integers(0, 39)))
def test_the_cherry_picker_takes_the_quickest_live_case(cases, gone):
    """With certainty (``cherry`` 1) the worker takes the live case with the shortest category
    hours, then the lowest severity, then the earliest in queue order — among the first
    ``PICK_SCAN`` heap entries; with ``cherry`` 0 the head, and no draw."""
    hours = [2.0, 0.5, 1.5, 0.5]
    on_duty = SimpleNamespace(is_on=lambda now: True)

    def queue(stream):
        team, wf = team_with(cases, hours)
        for i in gone:  # cases that left the queue (escalated on the time limit), not the head
            if i < len(cases) and i != team.q_case[0]:
                wf.state[i] = 5
        wf.picking = stream
        return team, wf

    team, wf = queue(Never())
    head = team.q_case[0]
    assert team._take(SimpleNamespace(cherry=0.0, duty=on_duty), 0.0) == head and team.n_picked == 0

    team, wf = queue(SimpleNamespace(random=lambda: 0.0))
    live = [j for j in range(min(team.qn, desks.PICK_SCAN)) if wf.state[team.q_case[j]] == 3]
    key = {j: (hours[wf.category[team.q_case[j]]], -team.q_negsev[j], team.q_tj[j], team.q_seq[j]) for j in live}
    want = team.q_case[min(live, key=key.__getitem__)]
    n = team.qn
    assert team._take(SimpleNamespace(cherry=1.0, duty=on_duty), 0.0) == want
    assert team.qn == n - 1 and heap_ok(team)
    assert team.n_picked == (want != head)
    off_duty = SimpleNamespace(is_on=lambda now: False)  # on call: the head, whatever the pressure
    team, _ = queue(Never())
    assert team._take(SimpleNamespace(cherry=1.0, duty=off_duty), 0.0) == head
