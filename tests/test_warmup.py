"""Warm-up and steady state: MSER-5 finds where a series that starts empty has settled, the
KPIs read after it change accordingly, and a drifting series is flagged by the trend test."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from sim.scenario.loading import scenario_from_dict
from sim.studies import warmup

sys.path.insert(0, str(Path(__file__).parent))
from test_sweep import TINY  # noqa: E402


def test_a_series_rising_from_empty_has_a_warm_up_and_then_settles():
    rng = np.random.default_rng(4)
    t = np.arange(365)
    x = 2000 * (1 - np.exp(-t / 15)) + rng.normal(0, 40, len(t))
    w = warmup.detect(x)
    assert w.found and 30 <= w.days <= 100 and w.settled  # ≈ 3–6 time constants
    assert np.mean(x[w.days :]) > np.mean(x) + 50  # the steady-state level, not the average over the climb


def test_a_drifting_series_is_flagged_and_a_stationary_one_is_not():
    rng = np.random.default_rng(5)
    drift = 0.9 - 0.0005 * np.arange(365) + rng.normal(0, 0.01, 365)
    assert not warmup.detect(drift).settled
    flat = 0.9 + rng.normal(0, 0.01, 365)
    w = warmup.detect(flat)
    assert w.settled and w.days <= 90


def test_a_declared_warm_up_is_used_as_given():
    x = np.r_[np.zeros(50), np.ones(300)]
    assert warmup.detect(x, warmup_days=70).days == 70
    assert warmup.detect(x).days == 50  # the step is found exactly


def test_a_scenario_that_starts_empty_shows_its_warm_up(tmp_path):
    from sim.output.runner import run_scenario
    from sim.output.tables import daily_table

    model = run_scenario(scenario_from_dict({**TINY, "days": 150}, "tiny.yaml"), transitions=False)
    daily = daily_table(model).assign(policy="p", key="k")
    rows = warmup.per_run(daily, series=("backlog",)).iloc[0]
    assert rows["warmup_days"] > 0 and rows["found"]
    assert rows["mean_after"] > rows["mean_all"]  # the backlog starts at 0 and climbs
    assert daily["backlog"].iloc[0] < rows["mean_after"]
