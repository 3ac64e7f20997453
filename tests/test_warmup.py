"""Warm-up and steady state: MSER-5 finds where a series that starts empty has settled, the
KPIs read after it change accordingly, and a drifting series is flagged by the trend test."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.scenario.loading import ScenarioError, scenario_from_dict
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


def _one_by_one(x, warmup_days=None) -> warmup.Warmup:
    """The definition, series by series: MSER-5's score at each truncation point in the first
    half, then SciPy's Kendall's tau of the batch means after the cut against time."""
    from scipy import stats

    x = np.asarray(x, dtype=float)
    x = x[~np.isnan(x)]
    days, found = 0, False
    n = len(x) // 5
    if warmup_days is not None:
        days, found = warmup_days, True
    elif n >= 4:
        means = x[: n * 5].reshape(n, 5).mean(axis=1)
        d = int(np.argmin([np.var(means[d:]) / (n - d) for d in range(n // 2 + 1)]))
        days, found = d * 5, d < n // 2
    rest = x[days:]
    m = len(rest) // 5
    if m < 4:
        return warmup.Warmup(days, found, float("nan"), float("nan"), False)
    means = rest[: m * 5].reshape(m, 5).mean(axis=1)
    if np.ptp(means) == 0:
        return warmup.Warmup(days, found, 0.0, 1.0, found)
    tau, p = stats.kendalltau(np.arange(m), means)
    return warmup.Warmup(days, found, float(tau), float(p), bool(found and p >= warmup.ALPHA))


_SERIES = st.builds(
    lambda n, kind, seed, scale, gaps: _series(n, kind, seed, scale, gaps),
    st.sampled_from([3, 19, 20, 21, 29, 60, 121, 365]),
    st.sampled_from(["noise", "ties", "flat", "climb"]),
    st.integers(0, 2**16),
    st.sampled_from([1.0, 1e6]),
    st.booleans(),
)


def _series(n: int, kind: str, seed: int, scale: float, gaps: bool) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = {
        "noise": rng.normal(size=n),
        "ties": np.round(rng.normal(size=n) * 2),
        "flat": np.full(n, 3.0),
        "climb": 50 * (1 - np.exp(-np.arange(n) / 15)) + rng.normal(size=n),
    }[kind] * scale
    if gaps:
        x[rng.random(n) < 0.2] = np.nan
    return x


@settings(max_examples=60, deadline=None)
@given(st.lists(_SERIES, max_size=12), st.one_of(st.none(), st.integers(0, 40)))
def test_many_series_at_once_give_exactly_what_each_gives_alone(series, warmup_days):
    """A report checks every run's series together, grouped by length: the same warm-ups, taus
    and p-values as the definition applied to each series alone, bit for bit."""
    got = warmup.detect_many(series, warmup_days)
    assert len(got) == len(series)
    for x, w in zip(series, got, strict=True):
        want = _one_by_one(x, warmup_days)
        assert (w.days, w.found, w.settled) == (want.days, want.found, want.settled)
        np.testing.assert_array_equal([w.tau, w.p_value], [want.tau, want.p_value])  # (NaN equals NaN)
        if warmup_days is None:
            assert warmup.mser5(x) == (want.days, want.found)


def test_a_scenario_that_starts_empty_shows_its_warm_up(tmp_path):
    from sim.output.runner import run_scenario
    from sim.output.tables import daily_table

    model = run_scenario(scenario_from_dict({**TINY, "days": 150}, "tiny.yaml"), transitions=False)
    daily = daily_table(model).assign(policy="p", key="k")
    rows = warmup.per_run(daily, series=("backlog",)).iloc[0]
    assert rows["warmup_days"] > 0 and rows["found"]
    assert rows["mean_after"] > rows["mean_all"]  # the backlog starts at 0 and climbs
    assert daily["backlog"].iloc[0] < rows["mean_after"]


# ------------------------------------------------------------------ KPIs read after the warm-up (sweeps)

BUSY = {**TINY, "arrivals": {"rate_scale": 1.5}}  # a queue that starts empty and fills


def _sweep_one(tmp_path, days: int = 120, **fields):
    """One run of BUSY swept by an experiment; its summary row and the same run simulated here."""
    import yaml

    from sim.output.runner import run_scenario
    from sim.studies.experiment import load_experiment
    from sim.studies.sweep import load_results, sweep

    (tmp_path / "busy.yaml").write_text(yaml.safe_dump(BUSY), encoding="utf-8")
    exp = {"name": "busy", "scenario": "busy.yaml", "days": days, "replications": 1, "kpis": ["closure_rate"]}
    path = tmp_path / f"exp{len(list(tmp_path.glob('exp*.yaml')))}.yaml"
    path.write_text(yaml.safe_dump({**exp, **fields}), encoding="utf-8")
    out = tmp_path / path.stem
    sweep(load_experiment(path), out, workers=1, progress=False, log=lambda *a: None)
    row = load_results(out).iloc[0]
    model = run_scenario(scenario_from_dict(BUSY, "busy.yaml"), seed=int(row["seed"]), days=days, transitions=False)
    return row, model


def _by_hand(model, w: int) -> dict:
    """Service KPIs over the incidents that surfaced on or after day ``w``, written out here."""
    from sim.output.tables import incidents_table

    inc = incidents_table(model)
    after = inc[inc["t_surfaced"] >= 24.0 * w]
    closed = after[after["state"] == "closed"]
    sat = after["satisfied"].dropna().astype(float)
    return {
        "closure_rate": len(closed) / len(after),
        "resolution_hours_p90": float(np.quantile(closed["t_closed"] - closed["t_surfaced"], 0.9)),
        "satisfaction": float(sat.mean()),
        "incidents_known": len(after) * model.day / (model.day - w),  # a total, per run length
    }


def test_a_sweep_reads_each_runs_kpis_after_its_detected_warm_up(tmp_path):
    from sim.output.runner import summary_of
    from sim.output.tables import daily_table
    from sim.studies.sweep import flatten

    row, model = _sweep_one(tmp_path)
    w = int(row["warmup_days"])
    assert w == warmup.mser5(daily_table(model)["backlog"])[0] > 0  # the run starts empty: a warm-up is found
    hand, whole = _by_hand(model, w), flatten(summary_of(model))
    for k, v in hand.items():
        assert row[k] == pytest.approx(v, abs=2e-6), k
    assert any(abs(whole[k] - v) > 1e-4 for k, v in hand.items())  # not the whole-run values
    assert row["incidents_known"] != whole["incidents_known"]
    overtime = daily_table(model)["overtime_hours"].to_numpy()  # a flow: its share after the warm-up, per run length
    share = overtime[w:].sum() / overtime.sum()
    expected = whole["worker_overtime_hours_mean"] * share * model.day / (model.day - w)
    assert row["worker_overtime_hours_mean"] == pytest.approx(expected, abs=2e-6)


def test_workforce_cost_and_exits_count_from_the_end_of_the_warm_up():
    import pandas as pd

    from sim.output.kpis import workforce_kpis

    workers = pd.DataFrame(
        {
            "agent": [1, 2, 3],
            "role": ["full_time", "full_time", "informant"],
            "post": [0.0, 1.0, np.nan],
            "community_type": ["a", "a", "a"],
            "hired_day": [0, 30, 0],
            "exit_day": [10, -1, -1],
            "exit_reason": pd.Categorical(["resigned", None, None], categories=["resigned", "retired"]),
            "overtime_hours": [1.0, 2.0, 0.0],
            "post_vacant_days": [5.0, 0.0, np.nan],
            "absent_days": [0.0, 0.0, 0.0],
            **{f"{a}_hours": [1.0, 1.0, 0.0] for a in ("patrol", "visits", "entry")},
            "depth": [1.0, 1.0, 0.0],
        }
    )
    scores = pd.DataFrame()
    costs = {"full_time": 1.0, "informant": 0.5}
    whole = workforce_kpis(workers, scores, 100, costs, ["full_time"])
    assert whole["attrition_count"] == 1 and whole["cost_person_years"] == pytest.approx((10 + 70 + 50) / 365, abs=1e-6)
    late = workforce_kpis(workers, scores, 100, costs, ["full_time"], since=20)
    assert late["attrition_count"] == 0 and late["exits"] == {"resigned": 0, "retired": 0}
    assert late["cost_person_years"] == pytest.approx((0 + 70 + 0.5 * 80) / 365, abs=1e-6)  # from day 20 on
    early = workforce_kpis(workers, scores, 100, costs, ["full_time"], since=5)
    assert early["attrition_count"] == 1 and early["cost_person_years"] == pytest.approx(
        (5 + 70 + 0.5 * 95) / 365, abs=1e-6
    )


def test_a_declared_warm_up_is_honoured_and_zero_gives_the_whole_run(tmp_path):
    from sim.output.runner import summary_of
    from sim.studies.sweep import flatten

    row, model = _sweep_one(tmp_path, warmup_days=0)
    whole = flatten(summary_of(model))
    assert row["warmup_days"] == 0
    for k, v in whole.items():
        assert row[k] == v or (np.isnan(v) and np.isnan(row[k])), k
    row, model = _sweep_one(tmp_path, warmup_days=40)
    assert row["warmup_days"] == 40
    for k, v in _by_hand(model, 40).items():
        assert row[k] == pytest.approx(v, abs=2e-6), k


def test_the_warm_up_rule_is_part_of_every_run_key(tmp_path):
    import yaml

    from sim.studies.experiment import load_experiment

    (tmp_path / "busy.yaml").write_text(yaml.safe_dump(BUSY), encoding="utf-8")
    keys = set()
    for extra in ({}, {"warmup_days": 0}, {"warmup_days": 10}):
        path = tmp_path / "e.yaml"
        path.write_text(yaml.safe_dump({"name": "e", "scenario": "busy.yaml", **extra}), encoding="utf-8")
        keys.add(load_experiment(path).runs(1)[0].key)
    assert len(keys) == 3  # parts summarised under another rule are never taken as done
    path.write_text(yaml.safe_dump({"name": "e", "scenario": "busy.yaml", "days": 30, "warmup_days": 30}))
    with pytest.raises(ScenarioError, match="warmup_days: 30 leaves nothing of the 30-day runs"):
        load_experiment(path)


def test_the_report_flags_a_run_whose_series_drifts():
    import pandas as pd

    from sim.studies.report import _warmup_section

    rng = np.random.default_rng(6)
    days = np.arange(1, 201)
    frames = []
    for key, drift in (("a", 0.0), ("b", -0.001)):
        frames.append(
            pd.DataFrame(
                {
                    "policy": "p",
                    "key": key,
                    "day": days,
                    "backlog": 50 + rng.normal(0, 2, len(days)),
                    "satisfaction": 0.8 + drift * days + rng.normal(0, 0.005, len(days)),
                }
            )
        )
    results = pd.DataFrame({"policy": ["p", "p"], "warmup_days": [5.0, 15.0]})
    page = "".join(_warmup_section(pd.concat(frames), results, {}, "en"))
    assert "Not in steady state: p — residents&#x27; satisfaction (1/2)" in page
    assert "median 10 days (range 5–15)" in page and "MSER-5 on its daily backlog" in page
    zh = "".join(_warmup_section(pd.concat(frames), results, {"warmup_days": 5}, "zh"))
    assert "未达稳态" in zh and "实验设定 warmup_days = 5" in zh
