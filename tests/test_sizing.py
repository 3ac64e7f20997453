"""Headcount sizing, Erlang C / A, and SALib sensitivity.

Erlang A with no abandonment is Erlang C, and its offered-wait distribution matches the
closed form; on the M/M/c validation scenario the simulated sizing agrees with Erlang C for
the same service target; the search finds the least feasible headcount with few
simulations; bad targets are refused in one line; Morris and Sobol indices identify the
parameter that drives a KPI.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.scenario.loading import ScenarioError, load_scenario
from sim.studies import erlang, sizing
from sim.studies.sizing import ServiceTarget, Sizer, size
from sim.ui.cli import main

ROOT = Path(__file__).resolve().parents[1]
MMC = ROOT / "scenarios" / "validation" / "mmc.yaml"


# ---------------------------------------------------------------------------- Erlang


@settings(max_examples=40, deadline=None)
@given(c=st.integers(1, 30), rho=st.floats(0.05, 0.97), t=st.floats(0.0, 5.0))
def test_erlang_a_without_abandonment_is_erlang_c(c, rho, t):
    lam, mu = rho * c, 1.0
    p_wait, wq = erlang.erlang_c(lam, mu, c)
    a = erlang.erlang_a(lam, mu, 1e-12, c)
    assert a["p_wait"] == pytest.approx(p_wait, rel=1e-6, abs=1e-9)
    assert a["wq"] == pytest.approx(wq, rel=1e-5, abs=1e-9)
    assert erlang.erlang_a_wait_cdf(lam, mu, 1e-12, c, t) == pytest.approx(
        erlang.erlang_c_wait_cdf(lam, mu, c, t), abs=1e-6
    )


@settings(max_examples=30, deadline=None)
@given(c=st.integers(1, 12), load=st.floats(0.2, 2.5), theta=st.floats(0.05, 3.0))
def test_erlang_a_is_consistent(c, load, theta):
    lam, mu = load * c, 1.0
    a = erlang.erlang_a(lam, mu, theta, c)
    assert 0 <= a["p_abandon"] <= a["p_wait"] <= 1
    # flow balance: what is served plus what abandons is what arrives
    p = erlang._erlang_a_states(lam, mu, theta, c)
    served = float(np.sum(np.minimum(np.arange(len(p)), c) * p)) * mu
    assert served / lam + a["p_abandon"] == pytest.approx(1.0, rel=1e-6)
    cdf = [erlang.erlang_a_wait_cdf(lam, mu, theta, c, t) for t in (0.0, 0.5, 2.0, 50.0)]
    assert cdf == sorted(cdf) and cdf[0] == pytest.approx(1 - a["p_wait"], abs=1e-9) and cdf[-1] > 0.999


def test_staffing_is_the_least_c_meeting_the_target():
    for target in (0.05, 0.5, 2.0):
        c = erlang.staff_for(3.4, 1.0, mean_wait=target)
        assert erlang.erlang_c(3.4, 1.0, c)[1] <= target
        assert c == 4 or erlang.erlang_c(3.4, 1.0, c - 1)[1] > target
    assert erlang.staff_for(3.4, 1.0, mean_wait=0.5, theta=0.5) <= erlang.staff_for(3.4, 1.0, mean_wait=0.5)
    c = erlang.staff_for(10.0, 1.0, wait_within=0.25, quantile=0.8)
    assert erlang.erlang_c_wait_cdf(10.0, 1.0, c, 0.25) >= 0.8 > erlang.erlang_c_wait_cdf(10.0, 1.0, c - 1, 0.25)
    with pytest.raises(ValueError):
        erlang.erlang_c(4.0, 1.0, 4)


# ---------------------------------------------------------------------------- targets


@pytest.mark.parametrize(
    "text, parsed",
    [
        ("resolution_hours_p90<=72", ("resolution_hours_p90", "<=", 72.0)),
        (" closure_rate >= 0.95 ", ("closure_rate", ">=", 0.95)),
        ("by_community_type.gated.wait_hours_mean<2", ("by_community_type.gated.wait_hours_mean", "<", 2.0)),
    ],
)
def test_targets_parse(text, parsed):
    t = ServiceTarget.parse(text)
    assert (t.kpi, t.op, t.value) == parsed


def test_strict_targets_are_strict():
    x = np.array([1.9, 2.0, 2.1, np.nan])
    assert ServiceTarget.parse("k<2").met(x).tolist() == [True, False, False, False]
    assert ServiceTarget.parse("k<=2").met(x).tolist() == [True, True, False, False]
    assert ServiceTarget.parse("k>2").met(x).tolist() == [False, False, True, False]
    assert ServiceTarget.parse("k>=2").met(x).tolist() == [False, True, True, False]
    assert str(ServiceTarget.parse("k < 2")) == "k<2"


def test_an_unknown_kpi_is_one_line_with_a_suggestion_and_nothing_written(tmp_path, capsys):
    out = tmp_path / "o"
    args = ["size", str(MMC), "--days", "5", "--out", str(out), "--workers", "1", "--target", "wait_hours_men<=1"]
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert "did you mean wait_hours_mean" in err and "\n" not in err and "Traceback" not in err
    assert len(err) < 300  # one line, not the list of every KPI
    assert not out.exists()


def test_wilson_interval_and_the_replications_a_confidence_needs():
    lo, hi = sizing.wilson(3, 3)
    assert lo == pytest.approx(3 / (3 + 1.959964**2), rel=1e-4) and hi == pytest.approx(1.0)  # k = n: n / (n + z²)
    need = sizing.replications_needed(0.9)
    assert sizing.wilson(need, need)[0] >= 0.9 > sizing.wilson(need - 1, need - 1)[0]


@pytest.mark.parametrize(
    "args, message",
    [
        (["--target", "closure_rate=0.9"], "--target 'closure_rate=0.9'"),
        (["--target", "closure_rate>=high"], "--target"),
        (["--target", "happiness<=3"], "happiness"),
        (["--target", "wait_hours_mean<=1", "--confidence", "1.5"], "--confidence"),
        (["--target", "wait_hours_mean<=1", "--reps", "0"], "--reps"),
    ],
)
def test_bad_sizing_input_is_one_line(tmp_path, capsys, args, message):
    assert main(["size", str(MMC), "--days", "5", "--out", str(tmp_path / "o"), "--workers", "1", *args]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err and "Traceback" not in err


# ---------------------------------------------------------------------------- sizing


@pytest.mark.slow
@pytest.mark.parametrize("target", [0.5, 2.0])
def test_mmc_sizing_agrees_with_erlang_c(tmp_path, target):
    """λ = 3.4/h, μ = 1/h: Erlang C staffs 5 servers for a mean wait ≤ 0.5 h and 4 for ≤ 2 h."""
    expected = erlang.staff_for(3.4, 1.0, mean_wait=target)
    sizer = Sizer(
        MMC,
        [ServiceTarget("wait_hours_mean", "<=", target)],
        confidence=0.8,
        reps=5,
        out=tmp_path / "size",
        days=90,
        workers=2,
        log=lambda *_: None,
    )
    result = size(sizer)
    assert result.answer == {"staffing.full_time": expected}
    row = result.erlang.iloc[0]
    assert row["lambda_per_team_hour"] == pytest.approx(3.4, rel=0.05)
    assert row["handling_hours_mean"] == pytest.approx(1.0, rel=0.05)
    assert row[f"erlang_c:wait_hours_mean<={target:g}"] == expected
    ev = result.evaluations
    means = ev.groupby("staffing.full_time")["wait_hours_mean"].mean()
    assert means.loc[expected] <= target and (expected - 1 not in means or means.loc[expected - 1] > target)
    # common random numbers: every candidate ran the same seeds
    assert all(sorted(g["seed"]) == sorted(ev["seed"].unique()) for _, g in ev.groupby("staffing.full_time"))
    assert result.simulations <= 5 * 4


def test_search_brackets_and_bisects(tmp_path):
    """A fake evaluation whose target holds from 13 up: found from below and from above,
    each candidate simulated once."""
    calls = []

    class Fake(Sizer):
        def holds(self, settings, prefix=""):
            calls.append(settings["staffing.full_time"])
            return settings["staffing.full_time"] >= 13

    sizer = Fake(MMC, [ServiceTarget("wait_hours_mean", "<=", 1)], 0.9, 3, tmp_path, log=lambda *_: None)
    assert sizer.search("staffing.full_time", 1, {}) == 13
    assert len(calls) == len(set(calls)) <= 10  # ≈ 2 log2(range): doubling out, bisecting back
    calls.clear()
    assert sizer.search("staffing.full_time", 29, {}) == 13
    assert len(calls) == len(set(calls)) <= 10  # ≈ 2 log2(range): doubling out, bisecting back
    with pytest.raises(ScenarioError, match="no value up to 10"):
        sizer.search("staffing.full_time", 1, {}, high=10)


def test_cli_size_writes_table_plot_and_erlang(tmp_path, capsys):
    out = tmp_path / "size"
    assert (
        main(
            [
                "size",
                str(MMC),
                "--target",
                "wait_hours_mean<=0.5",
                "--reps",
                "3",
                "--days",
                "40",
                "--confidence",
                "0.6",
                "--workers",
                "1",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    text = capsys.readouterr().out
    assert "answer: staffing.full_time = 5" in text and "Erlang C wait_hours_mean<=0.5: 5" in text
    answer = yaml.safe_load((out / "size.yaml").read_text())
    assert answer["answer"] == {"staffing.full_time": 5} and answer["simulations"] >= 6
    assert (out / "size.png").stat().st_size > 10_000
    evaluations = pd.read_csv(out / "size_evaluations.csv")
    assert set(evaluations["staffing.full_time"]) >= {4, 5}
    terms = pd.read_csv(out / "size_planner.csv").set_index("group")
    district = terms.loc["district"]
    grids, today = int(district["grids"]), load_scenario(MMC).staffing.full_time
    assert district["today"] == grids * today and district["answer"] == grids * 5
    assert district["change"] == grids * (5 - today) and district["cost_answer"] > 0
    at_answer = evaluations[evaluations["staffing.full_time"] == 5]
    met = int((at_answer["wait_hours_mean"] <= 0.5).sum())
    assert district["met:wait_hours_mean<=0.5"] == met and district["of:wait_hours_mean<=0.5"] == 3
    assert f"district ({grids} grids): today" in text and f"met in {met} of 3 (95 % Wilson interval" in text
    assert "warning: 3 replications cannot support confidence 0.6" in text and "--reps 6" in text


# ---------------------------------------------------------------------------- sensitivity


def test_sensitivity_ranks_the_parameter_that_drives_the_kpi(tmp_path, capsys):
    scenario = tmp_path / "tiny.yaml"
    scenario.write_text(
        yaml.safe_dump(
            {
                "name": "tiny",
                "seed": 3,
                "days": 20,
                "world": {"streets": 1, "communities_per_street": 2, "grids_per_community": 2},
            }
        )
    )
    out = tmp_path / "sa"
    assert (
        main(
            [
                "sensitivity",
                str(scenario),
                "--params",
                "arrivals.rate_scale=0.8:1.25:log",
                "residents.satisfaction_floor=0.1:0.3",
                "levels.grid.p_solve=0.5:0.95",
                "--method",
                "sobol",
                "--trajectories",
                "6",
                "--n",
                "16",
                "--kpi",
                "incidents_created",
                "--kpi",
                "escalation_rate",
                "--workers",
                "2",
                "--out",
                str(out),
                "--no-progress",
            ]
        )
        == 0
    )
    morris = pd.read_csv(out / "morris.csv")
    top = morris.loc[morris.groupby("kpi")["mu_star"].idxmax()].set_index("kpi")["parameter"]
    assert top["incidents_created"] == "arrivals.rate_scale" and top["escalation_rate"] == "levels.grid.p_solve"
    floor = morris[(morris["parameter"] == "residents.satisfaction_floor") & (morris["kpi"] == "incidents_created")]
    assert floor["mu_star"].iloc[0] == 0.0  # it cannot change how many incidents occur
    assert (morris["mu_star_conf"] >= 0).all()
    sobol = pd.read_csv(out / "sobol.csv")
    assert "residents.satisfaction_floor" not in set(sobol["parameter"])  # screened out
    inc = sobol[sobol["kpi"] == "incidents_created"].set_index("parameter")
    assert inc.loc["arrivals.rate_scale", "ST"] > 0.5
    assert inc.loc["levels.grid.p_solve", ["S1", "ST"]].tolist() == [0.0, 0.0]  # arrivals are common random numbers
    assert (out / "morris.png").exists() and (out / "sobol.png").exists()
    # resumable like any sweep: the same command simulates nothing new
    before = sorted(p.name for p in (out / "sobol" / "parts" / "summary").iterdir())
    assert (
        main(
            [
                "sensitivity",
                str(scenario),
                "--params",
                "arrivals.rate_scale=0.8:1.25:log",
                "residents.satisfaction_floor=0.1:0.3",
                "levels.grid.p_solve=0.5:0.95",
                "--method",
                "sobol",
                "--trajectories",
                "6",
                "--n",
                "16",
                "--kpi",
                "incidents_created",
                "--kpi",
                "escalation_rate",
                "--workers",
                "1",
                "--out",
                str(out),
                "--no-progress",
            ]
        )
        == 0
    )
    assert sorted(p.name for p in (out / "sobol" / "parts" / "summary").iterdir()) == before
    assert pd.read_csv(out / "sobol.csv").equals(sobol)


@pytest.mark.parametrize(
    "params, message",
    [
        (["arrivals.rate_scale=0.5:1.5"], "at least two"),
        (["arrivals.rate_scale=1.5:0.5", "levels.grid.p_solve=0.5:0.9"], "arrivals.rate_scale"),
        (["arrivals.rate_scal=0.5:1.5", "levels.grid.p_solve=0.5:0.9"], "arrivals.rate_scal"),
        (["arrivals.rate_scale", "levels.grid.p_solve=0.5:0.9"], "give a range"),
    ],
)
def test_bad_sensitivity_params_are_one_line(tmp_path, capsys, params, message):
    assert (
        main(
            [
                "sensitivity",
                str(ROOT / "scenarios" / "baseline.yaml"),
                "--params",
                *params,
                "--out",
                str(tmp_path / "o"),
            ]
        )
        == 2
    )
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err
    assert not (tmp_path / "o").exists()
