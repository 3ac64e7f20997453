"""The midnight close keeps counts between the events that change them (issue 21): staff moves,
new risk grades, register days. Each day of a run full of leaves, exits, recruits and
stand-ins, every kept count equals the same count worked out from scratch."""

from __future__ import annotations

import numpy as np
import pytest
from streets import small_street

from sim.model import GridModel
from sim.scenario.loading import scenario_from_dict
from sim.world.register import Register


def busy_street(refill: str) -> dict:
    """Two communities of four grids, one worker each, and a workforce that keeps moving."""
    return small_street(
        name="churn",
        seed=11,
        days=150,
        staffing={"reserve_per_street": 2},
        risk={"regrade_every_days": 5},
        turnover={
            "sick_per_year": 25.0,
            "maternity_per_year": 2.0,
            "resign_per_year": 6.0,
            "retire_per_year": 1.0,
            "recruit_days_mean": 8.0,
            "refill": refill,
        },
    )


def surfaced_on(log, d: int) -> int:
    """Incidents logged so far that surface on day ``d`` (no view of the log kept: the
    interpreted log cannot grow while one is held)."""
    ts = log.column("t_surfaced")
    return int(np.count_nonzero((ts >= 24.0 * d) & (ts < 24.0 * (d + 1))))


@pytest.mark.parametrize("refill", ["wait", "reserve"])
def test_kept_counts_equal_counts_from_scratch_every_day(refill):
    """Accounted and working slots, at work / absent / vacant, grade counts, the register's
    excess and the cases reported each day, against the expressions they replace."""
    m = GridModel(scenario_from_dict(busy_street(refill)), transitions=False)
    st, tv = m.staff, m.turnover
    moved = set()
    for _ in range(m.config.days):
        before = st.moves
        m.step()
        d, n = m.day, st.n
        if st.moves != before:
            moved.add(d)
        row = m._today
        left, team = st.left[:n], st.team[:n]
        # tomorrow's accounted slots as the close will ask for them (a leaver counts for two days)
        for day in (d, d + 1):
            expect = np.flatnonzero(((left < 0) | (left >= day - 1)) & (team >= 0))
            assert np.array_equal(st.accounted(day), expect), (d, day)
        assert np.array_equal(tv.working(), np.flatnonzero(tv.at_work[:n])), d
        assert row["at_work"] == int(np.count_nonzero(tv.at_work[:n])), d
        assert row["absent"] == int(np.count_nonzero((left < 0) & (st.absent_until[:n] > d - 1))), d
        assert row["vacant_posts"] == int(np.count_nonzero((tv.holder < 0) & (tv.standin < 0))), d
        assert [row["green"], row["yellow"], row["red"]] == np.bincount(m.risk.level, minlength=3).tolist(), d
        assert row["registered_excess"] == float(m.register.stale.sum() / m.register.actual.sum()), d
        assert row["reported"] == surfaced_on(m.log, d - 1), d
    assert tv.exits.sum() > 0 and len(moved) > 20  # the caches were put to the test
    assert m.datacollector.get_model_vars_dataframe()["absent"].max() > 0


def test_daily_columns_read_mid_run_stay_in_step():
    """Mesa's columns (``model_vars``) read between days hold every day so far, and the days
    after still follow in order."""
    m = GridModel(scenario_from_dict(busy_street("wait") | {"days": 30}), transitions=False)
    m.run(10)
    assert m.datacollector.model_vars["day"] == list(range(1, 11))
    m.run(20)
    df = m.datacollector.get_model_vars_dataframe()
    assert df["day"].tolist() == list(range(1, 31))
    assert len(df.columns) == 26 and all(len(v) == 30 for v in m.datacollector.model_vars.values())


def test_a_workforce_without_discretionary_hours_closes_as_from_scratch():
    """Nobody with discretionary hours (as on M/M/c): each day's patrol record is the spread of
    zero hours worked out afresh (under ``borrow`` some days cover extra grids), the register
    drifts as one told of a day without records, and the grades the re-grade keeps unchanged
    are the grades worked out again."""
    sc = busy_street("borrow")
    sc["effort"] = {"discretionary_hours_per_day": 0.0}
    m = GridModel(scenario_from_dict(sc), transitions=False)
    st, tv = m.staff, m.turnover
    told = Register(m.config, m.world)
    covered = 0
    for _ in range(m.config.days):
        m.step()
        d, area = m.day - 1, tv.patrol_area()
        covered += bool(area)
        fresh = m.patrol.spread(st.accounted(d), np.zeros(len(st.accounted(d))), area)
        assert np.array_equal(m.patrol.days[-1], fresh, equal_nan=True), d
        told.day(np.zeros(m.world.n_grids))
        assert told.stale.tobytes() == m.register.stale.tobytes(), d
        assert not m.workday.day_close.rows[4:7].any(), d
    assert covered > 0  # the extra grids were put to the test
    grades = [level for _, level in m.risk.history]
    assert any(a is b for a, b in zip(grades, grades[1:], strict=False))  # some re-grade changed nothing
    assert not grades[-1].flags.writeable
