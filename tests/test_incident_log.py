"""The incident log's columns: grown by capacity, read as exactly the incidents logged.

The columns are buffers with room to spare (grown by 1.5 when full, in place where the system
can); every reader sees the first ``n`` rows, the workflow's views are retaken only when the
buffers grow, and a view someone still holds across a growth stays valid.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import kernels
from sim.core import incidents
from sim.core.incidents import _DEFAULT_INT, _FLOAT_COLS, COLUMNS, IncidentLog

LEVELS = 3


class Viewer:
    """A stand-in for the workflow: holds views of every buffer, counts how often it rebinds."""

    def __init__(self, log: IncidentLog):
        self.log, self.binds, self.views = log, 0, {}
        self.bind_columns()
        log.watch(self)

    def bind_columns(self) -> None:
        self.binds += 1
        self.views = {c: self.log.buffer(c) for c in COLUMNS}

    def release_columns(self) -> None:
        self.views = {}


def _day(g: np.random.Generator, k: int) -> dict:
    """A day's new incidents as occurrence gives them: some columns set, the draws always."""
    return {
        "category": g.integers(0, 9, k),
        "grid": g.integers(0, 50, k),
        "severity": g.integers(0, 3, k).astype(np.int32),  # another type: converted
        "t_occurred": g.random(k) * 24,
        "work": g.random(k * LEVELS),
        "u_solve": g.random(k * LEVELS),
        "u_feedback": g.random(k),
        "u_reopen": g.random(k),
        "u_visit": g.random(k),
    }


def _expected(days: list[dict], name: str) -> np.ndarray:
    """Column ``name`` of a log of ``days``: the values given, else the column's default."""
    parts = []
    for d in days:
        if name in d:
            parts.append(np.asarray(d[name], dtype=np.float64 if name not in incidents._INT_COLS else np.int64))
        else:
            fill = np.nan if name in _FLOAT_COLS else _DEFAULT_INT.get(name, -1)
            parts.append(np.full(len(d["category"]), fill, dtype=np.float64 if name in _FLOAT_COLS else np.int64))
    return np.concatenate(parts) if parts else np.empty(0)


@pytest.fixture(params=["active", "reference"])
def kernel(request, monkeypatch):
    """Each test once with the kernels ``sim.kernels`` chose, once with the numpy reference."""
    if request.param == "reference":
        monkeypatch.setattr(kernels, "ColumnAppends", kernels.reference.ColumnAppends)
    return request.param


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), sizes=st.lists(st.integers(0, 900), min_size=1, max_size=12))
def test_columns_read_what_was_logged_and_grow_a_few_times(seed, sizes):
    g = np.random.default_rng(seed)
    log = IncidentLog(LEVELS, transitions=False)
    viewer = Viewer(log)
    days = [_day(g, k) for k in sizes]
    for d in days:
        before = log.n
        ids = log.extend(**d)
        assert ids == range(before, log.n) and log.n <= log.capacity
    n = sum(sizes)
    assert log.n == n
    for c in COLUMNS:
        width = LEVELS if c in ("work", "u_solve") else 1
        got = log.column(c)
        assert len(got) == n * width and np.array_equal(getattr(log, c), got, equal_nan=True)
        assert np.array_equal(got, _expected(days, c), equal_nan=True), c
        assert np.array_equal(np.asarray(viewer.views[c])[: n * width], got, equal_nan=True)  # the workflow's views
    # rebound once at the start and once a growth: at most log_1.5(n / 1024) + 1 growths, not once a day
    assert viewer.binds - 1 <= (math.log(n / 1024, 1.5) + 1 if n > 1024 else 0)


def test_a_view_held_across_growth_stays_valid(kernel):
    g = np.random.default_rng(7)
    log = IncidentLog(LEVELS, transitions=False)
    first = _day(g, 1000)
    log.extend(**first)
    held = log.column("grid")  # held by someone while the log grows: copied, not moved under it
    cap = log.capacity
    later = _day(g, 3000)
    log.extend(**later)
    assert log.capacity > cap
    assert np.array_equal(held, first["grid"])
    assert np.array_equal(log.column("grid"), np.concatenate([first["grid"], later["grid"]]))


def test_extend_refuses_draws_of_another_length(kernel):
    g = np.random.default_rng(1)
    day = _day(g, 10)
    day["work"] = day["work"][:-1]
    with pytest.raises(ValueError, match="work"):
        IncidentLog(LEVELS, transitions=False).extend(**day)
    del day["work"]
    with pytest.raises(KeyError, match="work"):
        IncidentLog(LEVELS, transitions=False).extend(**day)
