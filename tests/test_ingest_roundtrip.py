"""Round trip: simulate a known scenario, export its incidents as a platform would (one row per case,
created / accepted / closed times, category, grid id), fit, and recover the arrival rates and handling
times within their 95 % intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from sim.ingest.caselog import read_caselog
from sim.ingest.fitting import fit_log, split_log
from sim.output.runner import run_scenario
from sim.output.tables import incidents_table
from sim.scenario.loading import scenario_from_dict

BASE = pd.Timestamp("2024-01-01")  # a Monday: model hour 0
CATS = ("dispute", "livelihood")


def known_scenario(hh, mult, rates, hours, seed, days=60) -> dict:
    grids = [
        {
            "source_id": f"G{g:03d}",
            "name": f"grid {g}",
            "households": int(h),
            "rate_multiplier": {c: float(mult[g][k]) for k, c in enumerate(CATS)},
        }
        for g, h in enumerate(hh)
    ]
    cat = dict(
        severity_mix=[1.0, 0.0, 0.0],
        authority=["grid"] * 3,
        report_propensity=1.0,
        report_delay_hours=0.0,
        discoverability=0.0,
        worsen_per_day=0.0,
    )
    return {
        "name": "known",
        "seed": seed,
        "days": days,
        "world": {"streets": 1, "communities": [{"name": "A", "type": "t", "grids": len(hh), "grid_list": grids}]},
        "community_types": {"replace": True, "t": {"property_management": False}},
        "categories": {
            "replace": True,
            **{
                c: {**cat, "rate": float(r), "handling_hours": float(h)}
                for c, r, h in zip(CATS, rates, hours, strict=True)
            },
        },
        "handling": {"family": "exponential"},
        "levels": [{"name": "grid", "scope": "grid", "discipline": "team", "p_solve": 1.0}],
        "staffing": {"full_time": 4, "full_time_shift": {"always": True}, "accept_delay_hours": 0.0},
        "police": {"fusion": False, "categories": [], "authority_level": "grid"},
        "residents": {"base_willingness": 1.0, "hotline_dispatch_hours": 0.0, "reopen_if_unsatisfied": 0.0},
        "overhead": {"extra_duties": 0, "platforms": 0, "meeting_hours_per_week": 0},
        "effort": {"discretionary_hours_per_day": 0.0, "adaptation": 0.0},
        "turnover": {"sick_per_year": 0, "maternity_per_year": 0, "resign_per_year": 0, "retire_per_year": 0},
    }


def platform_export(inc: pd.DataFrame) -> pd.DataFrame:
    """The incident table as a platform's case log: ids, wall-clock times, category, grid id."""
    s = inc[inc["t_surfaced"].notna()]
    at = lambda col: (BASE + pd.to_timedelta(s[col], unit="h")).dt.strftime("%Y-%m-%d %H:%M:%S.%f")  # noqa: E731
    return pd.DataFrame(
        {
            "CASE_ID": s["id"].astype(str),
            "CREATED": at("t_surfaced"),
            "ACCEPTED": at("t_handling"),
            "CLOSED": at("t_resolved"),
            "KIND": s["category"].astype(str),
            "GRID_ID": s["source_id"].astype(str),
        }
    )


MAPPING = {
    "columns": {
        "id": "CASE_ID",
        "created": "CREATED",
        "accepted": "ACCEPTED",
        "closed": "CLOSED",
        "category": "KIND",
        "grid": "GRID_ID",
    }
}


def recover(tmp_path, hh, mult, rates, hours, seed):
    raw = known_scenario(hh, mult, rates, hours, seed)
    config = scenario_from_dict(raw)
    inc = incidents_table(run_scenario(config, transitions=False))
    path = tmp_path / f"cases-{seed}.csv"
    platform_export(inc).to_csv(path, index=False)
    ids = [g["source_id"] for g in raw["world"]["communities"][0]["grid_list"]]
    log = read_caselog(path, MAPPING, ids, "known", "mapping")
    district = {"name": "known", "world": raw["world"], "community_types": raw["community_types"]}
    fit = fit_log(
        log, district, split_log(log, 0.0, None), {"cases": str(path), "district": "known", "mapping": "mapping"}
    )
    hh_a, mult_a = np.asarray(hh, float), np.asarray(mult, float)
    out = []
    for k, c in enumerate(CATS):
        truth = rates[k] * float((hh_a * mult_a[:, k]).sum() / hh_a.sum())  # district mean per household-year
        out.append(("rate", c, truth, fit.estimates[f"categories.{c}.rate"]))
        out.append(("handling", c, hours[k], fit.estimates[f"categories.{c}.handling_hours"]))
    return out, fit


@pytest.mark.slow
def test_round_trip_recovers_rates_and_handling(tmp_path):
    results: list = []

    @settings(
        max_examples=30,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        n=st.integers(2, 5),
        data=st.data(),
        seed=st.integers(0, 10_000),
    )
    def one(n, data, seed):
        hh = data.draw(st.lists(st.integers(100, 400), min_size=n, max_size=n))
        mult = data.draw(st.lists(st.lists(st.floats(0.5, 2.0), min_size=2, max_size=2), min_size=n, max_size=n))
        rates = data.draw(st.lists(st.floats(0.5, 3.0), min_size=2, max_size=2))
        hours = data.draw(st.lists(st.floats(0.3, 3.0), min_size=2, max_size=2))
        out, _ = recover(tmp_path, hh, mult, rates, hours, seed)
        results.extend(out)

    one()
    inside = [lo <= truth <= hi for _, _, truth, (_, lo, hi) in results]
    for kind in ("rate", "handling"):
        share = np.mean([ok for (k, *_), ok in zip(results, inside, strict=True) if k == kind])
        assert share >= 0.90, f"{kind}: truth inside the 95 % interval in only {share:.0%} of fits"
    est = np.array([e for _, _, _, (e, _, _) in results])
    truth = np.array([t for _, _, t, _ in results])
    assert np.median(np.abs(est / truth - 1)) < 0.2  # and the estimates are close, not merely covered


def test_round_trip_grid_rates_follow_the_truth(tmp_path):
    """Grids with a higher true rate get a higher fitted multiplier (shrunk toward the community)."""
    hh = [300, 300, 300, 300]
    mult = [[0.5, 0.5], [1.0, 1.0], [1.5, 1.5], [2.5, 2.5]]
    _, fit = recover(tmp_path, hh, mult, [2.0, 2.0], [1.0, 1.0], seed=3)
    for c in CATS:
        m = [fit.estimates[f"grids.G{g:03d}.rate_multiplier.{c}"][0] for g in range(4)]
        assert m == sorted(m), m
        covered = [fit.estimates[f"grids.G{g:03d}.rate_multiplier.{c}"] for g in range(4)]
        truth = np.array(mult)[:, CATS.index(c)] / np.mean(np.array(mult)[:, CATS.index(c)])
        assert sum(lo <= t <= hi for t, (_, lo, hi) in zip(truth, covered, strict=True)) >= 3
