"""Scoring judged by what workers then do (issue 18): with ``scoring.workers_respond: false`` a
scheme only measures (residents' outcomes identical under every scheme); with it on, outcomes
move; the true value reads no target; each gaming response does what it says and is off at 0;
``per_type_records`` sets each type's targets to the medians of its records."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from streets import merged, small_street

from sim.model import GridModel
from sim.output.runner import summary_of
from sim.output.tables import incidents_table, workers_table
from sim.scenario.loading import load_scenario, scenario_from_dict
from sim.scenario.schema import METRICS
from sim.studies.comparison import t_interval
from sim.workforce import effort, scoring
from sim.workforce.scoring import COUNTS, PERIOD_DAYS, rank_descending, rank_share, score

ROOT = Path(__file__).resolve().parents[1]
TWO_TYPES = ROOT / "scenarios" / "scoring_two_types.yaml"
SCHEMES = ("uniform", "per_type", "per_type_records", "outcome_adjusted")


def two_types(*overrides: str, seed: int = 7, days: int | None = None) -> GridModel:
    """A run of the two-type scoring scenario (its gaming responses on) with ``overrides``."""
    return GridModel(load_scenario(TWO_TYPES, list(overrides)), seed=seed, transitions=False).run(days)


def small(**extra) -> dict:
    """A small busy street of old and gated estates, one worker per grid, scored monthly."""
    return merged(small_street(seed=5, days=150, scoring={"period": "month"}), **extra)


def run_small(**extra) -> GridModel:
    """Run :func:`small` with ``extra`` sections merged in."""
    return GridModel(scenario_from_dict(small(**extra)), transitions=False).run()


# ----------------------------------------------------------------------------- the switch


def test_workers_ignoring_scores_get_residents_identical_outcomes_under_every_scheme():
    """``workers_respond: false``: every incident, hour and tally is the same under all four
    schemes (the scheme only measures), while the scores and their validity are not."""
    runs = {s: two_types(f"scoring.scheme={s}", "scoring.workers_respond=false", days=240) for s in SCHEMES}
    ref = runs["uniform"]
    ref_inc = incidents_table(ref)
    for name, m in runs.items():
        pd.testing.assert_frame_equal(incidents_table(m), ref_inc, obj=name)
        assert np.array_equal(m.staff.totals[:, : m.staff.n], ref.staff.totals[:, : ref.staff.n]), name
        assert summary_of(m)["latent_harm_days"] == summary_of(ref)["latent_harm_days"]
    scores = {name: m.scorer.table()["score"].to_numpy() for name, m in runs.items()}
    assert not np.allclose(scores["per_type"], scores["uniform"], equal_nan=True)
    assert not np.allclose(scores["per_type_records"], scores["uniform"], equal_nan=True)


def test_workers_responding_change_an_outcome_beyond_chance():
    """With responses on, classified scoring from the records changes residents' satisfaction
    and the reopen rate (paired over five seeds, 95 % intervals excluding zero): under one
    yardstick the gated-estate workers fall short of the closed-case targets and close cases
    prematurely (effort.gaming.premature_closure), which fails residents and reopens cases."""
    diffs: dict[str, list[float]] = {"satisfaction": [], "reopen_rate": []}
    for seed in range(5):
        s = {sch: summary_of(two_types(f"scoring.scheme={sch}", seed=seed)) for sch in ("uniform", "per_type_records")}
        for k in diffs:
            diffs[k].append(s["per_type_records"][k] - s["uniform"][k])
    m, lo, hi = t_interval(diffs["satisfaction"])
    assert lo > 0, (m, lo, hi)
    m, lo, hi = t_interval(diffs["reopen_rate"])
    assert hi < 0, (m, lo, hi)


def test_the_effect_vanishes_when_premature_closure_is_off():
    """The satisfaction gain of classified scoring above comes from premature closure: with
    that mechanism off (the other responses on) the paired difference shrinks below a fifth."""
    on, off = [], []
    for seed in range(3):
        for gamma, out in ((0.4, on), (0.0, off)):
            s = {
                sch: summary_of(
                    two_types(f"scoring.scheme={sch}", f"effort.gaming.premature_closure={gamma}", seed=seed)
                )
                for sch in ("uniform", "per_type_records")
            }
            out.append(s["per_type_records"]["satisfaction"] - s["uniform"]["satisfaction"])
    assert np.mean(on) > 0.005
    assert abs(np.mean(off)) < 0.2 * np.mean(on)


# ----------------------------------------------------------------------------- true value


def test_true_value_is_not_a_function_of_the_targets():
    """With adaptation off (workers ignore scores), tripling every target and swapping the
    two types' targets changes the scores but leaves every worker's true value unchanged."""
    base = ["scoring.workers_respond=false", "effort.adaptation=0"]
    a = two_types(*base, "scoring.scheme=per_type", days=200)
    b = two_types(
        *base,
        "scoring.scheme=per_type",
        "scoring.targets={closed_cases: 60, disputes_closed: 15, visits: 120, records: 180}",
        "scoring.by_type.old_estate.targets={closed_cases: 8, disputes_closed: 1.5, visits: 15, records: 60}",
        "scoring.by_type.gated.targets={closed_cases: 25, disputes_closed: 6, visits: 40, records: 60}",
        days=200,
    )
    ta, tb = a.scorer.table(), b.scorer.table()
    assert not np.allclose(ta["score"], tb["score"], equal_nan=True)
    assert np.array_equal(ta["true_value"].to_numpy(), tb["true_value"].to_numpy(), equal_nan=True)
    assert np.isfinite(ta["true_value"]).sum() > 100


def test_outcome_true_value_recomputed_from_the_tables():
    """A worker's true value is the harm-days averted by their closures (latency-, satisfaction-
    and reopen-weighted), plus visits and verified records, per duty hour (patrol finds apart,
    found_days = 0 and no padding here)."""
    over = ["scoring.true_value.found_days=0", "effort.gaming.padding=0"]
    m = GridModel(load_scenario(TWO_TYPES, over), seed=3, transitions=False).run(120)
    tv = m.config.scoring.true_value
    inc, sc = incidents_table(m), m.scorer.table()
    w = np.array(tv.severity_weights)
    for r in sc[sc["shift_hours"] > 0].sample(25, random_state=1).itertuples():
        t0, t1 = 24.0 * r.day_start, 24.0 * r.day_end
        mine = inc[(inc["resolver"] == r.agent) & (inc["t_closed"] >= t0) & (inc["t_closed"] < t1)]
        days = (mine["t_closed"] - mine["t_occurred"]) / 24.0
        q = np.where(mine["satisfied"].astype(float) == 0, tv.unsatisfied_value, 1.0)
        sw = w[mine["severity"].cat.codes.to_numpy()]
        value = (
            sw * (np.maximum(tv.horizon_days - days.to_numpy(), 0) * q - tv.reopen_harm_days * mine["reopens"])
        ).sum()
        value += tv.visit_days * r.visits + tv.record_days * r.records
        assert math.isclose(r.true_value, value / r.shift_hours, rel_tol=1e-9, abs_tol=1e-12)


# ----------------------------------------------------------------------------- mechanisms


def test_each_gaming_response_is_off_at_zero_and_acts_when_on():
    """Counts far above reach (targets ×10): shedding sends more cases up from the grid,
    premature closure lowers depth and satisfaction, padding inflates counted records while
    the register verifies fewer, fairness withdrawal idles discretionary hours; each at 0
    reproduces the run without it exactly."""
    hard = {"targets": {"closed_cases": 200, "disputes_closed": 50, "records": 600, "visits": 40}}
    base = run_small(scoring=hard)
    zero = run_small(
        scoring=hard, effort={"gaming": {"shedding": 0, "padding": 0, "premature_closure": 0}, "fairness_withdrawal": 0}
    )
    assert np.array_equal(incidents_table(base)["t_closed"], incidents_table(zero)["t_closed"], equal_nan=True)
    s0 = summary_of(base)

    shed = summary_of(run_small(scoring=hard, effort={"gaming": {"shedding": 0.8}}))
    assert shed["escalation_rate"] > s0["escalation_rate"] + 0.02
    assert shed["resolved_at_level"]["grid"] < s0["resolved_at_level"]["grid"]

    m = run_small(scoring=hard, effort={"gaming": {"premature_closure": 1.0}})
    rushed = summary_of(m)
    assert rushed["effort_by_type"]["gated"]["depth"] < s0["effort_by_type"]["gated"]["depth"] - 0.05
    assert rushed["satisfaction"] < s0["satisfaction"]

    m = run_small(scoring=hard, effort={"gaming": {"padding": 1.0}})
    assert m.staff.padded[: m.staff.n].sum() > 0  # padded since the last period closed (day 122)
    sc, sb = m.scorer.table(), base.scorer.table()
    assert sc["records"].sum() > 1.5 * sb["records"].sum()
    assert m.register.stale.sum() > base.register.stale.sum()
    st_, scorer = m.staff, m.scorer  # padded records (this open period) carry no true value
    slots = np.flatnonzero((st_.padded[: st_.n] > 0) & (st_.period["shift"][: st_.n] > 0))
    t0, t1 = 24.0 * scorer.start, 24.0 * m.day
    padded = st_.padded[slots].copy()
    with_padding = scorer.outcome_value(slots, t0, t1)
    st_.padded[slots] = 0.0  # as if every counted record had been verified
    as_verified = scorer.outcome_value(slots, t0, t1)
    rd = m.config.scoring.true_value.record_days
    assert len(slots) and np.allclose(as_verified - with_padding, rd * padded / st_.period["shift"][slots])

    m = run_small(scoring=hard, effort={"fairness_withdrawal": 1.0})
    wt, wb = workers_table(m), workers_table(base)
    assert wt["idle_hours"].sum() > wb["idle_hours"].sum()
    wt = wt[wt["shift_hours"].notna()]  # the people with hour accounts: they still balance
    lhs = wt["shift_hours"] + wt["overtime_hours"]
    rhs = wt[[f"{h}_hours" for h in ("cases", "overhead", "campaign", "patrol", "visits", "entry", "idle")]].sum(axis=1)
    assert len(wt) and np.allclose(lhs, rhs)


@pytest.mark.parametrize("respond", [True, False])
def test_per_type_records_targets_are_last_periods_medians(respond):
    """Each period after the first, a worker's score is recomputed with count targets equal to
    the medians per community type of the scored workers' monthly counts in earlier periods."""
    m = two_types("scoring.scheme=per_type_records", f"scoring.workers_respond={str(respond).lower()}", days=160)
    cfg = m.config.scoring
    sc = m.scorer.table()
    scored = sc[sc["scored"]].copy()
    months = (scored["day_end"] - scored["day_start"]) / PERIOD_DAYS["month"]
    checked = 0
    for p in sorted(scored["period"].unique())[1:]:
        past = scored[(scored["period"] < p) & (scored["period"] >= p - cfg.record_periods)]
        now = scored[scored["period"] == p]
        for r in now.itertuples():
            rule = cfg.by_type.get(r.community_type)
            w = {m_: cfg.weights.get(m_, 0.0) for m_ in METRICS} | (rule.weights if rule else {})
            t = {m_: cfg.targets.get(m_, 1.0) for m_ in METRICS} | (rule.targets if rule else {})
            mine = past[past["community_type"] == r.community_type]
            mm = (mine["day_end"] - mine["day_start"]) / PERIOD_DAYS["month"]
            for c in COUNTS:
                med = np.nanmedian(mine[c] / mm)
                if np.isfinite(med) and med > 0:
                    t[c] = med
            mo = months.loc[r.Index]
            x = np.array([[getattr(r, m_) for m_ in METRICS]])
            tt = np.array([[t[m_] * (mo if m_ in COUNTS else 1.0) for m_ in METRICS]])
            assert math.isclose(score(x, np.array([[w[m_] for m_ in METRICS]]), tt, cfg.cap)[0], r.score, rel_tol=1e-9)
            checked += 1
    assert checked > 100


# ----------------------------------------------------------------------------- the report


def test_report_pairs_schemes_within_each_behaviour_setting():
    """The decomposition compares each scheme with the reference scheme of the *same* behaviour
    setting (respond on with on, off with off), pair by pair: the differences are exact."""
    from sim.studies.report import stratified_differences

    settings = {
        f"workers_respond={r}, scheme={s}": {"scoring.workers_respond": r == "true", "scoring.scheme": s}
        for r in ("true", "false")
        for s in ("uniform", "per_type")
    }
    rng = np.random.default_rng(0)
    rows = []
    for rep in range(4):
        base = rng.normal()
        for name, st_ in settings.items():
            bump = (1.0 if st_["scoring.scheme"] == "per_type" else 0.0) * (
                2.0 if st_["scoring.workers_respond"] else 0.0
            )
            rows.append({"policy": name, "sample": 0, "rep": rep, "satisfaction": base + bump})
    d = stratified_differences(pd.DataFrame(rows), ["satisfaction"], settings, "workers_respond=true, scheme=uniform")
    assert set(d["stratum"]) == {"workers respond to scores: yes", "workers respond to scores: no"}
    on = d[d["stratum"] == "workers respond to scores: yes"].iloc[0]
    off = d[d["stratum"] == "workers respond to scores: no"].iloc[0]
    assert on["reference"] == "workers_respond=true, scheme=uniform" and math.isclose(on["diff"], 2.0)
    assert off["reference"] == "workers_respond=false, scheme=uniform" and math.isclose(off["diff"], 0.0, abs_tol=1e-12)
    assert stratified_differences(pd.DataFrame(rows), ["satisfaction"], {"a": {}}, "a").empty


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(st.sampled_from([0.0, -0.0, 1.5, 2.0, 1 / 3, np.nan, np.inf, -np.inf]), st.floats(-1e6, 1e6)),
        max_size=40,
    )
)
def test_numpy_ranks_are_pandas_ranks(values):
    """The scorer's ranks (a period's ``rank`` column, the percentiles behind unfairness) are
    pandas' to the bit: ties, signed zeros, infinities and NaN (unranked) included."""
    x = np.array(values, dtype=np.float64)
    want_rank = pd.Series(x).rank(ascending=False, method="min").to_numpy()
    want_pct = pd.Series(x).rank(pct=True).to_numpy()
    assert np.array_equal(rank_descending(x), want_rank, equal_nan=True)
    assert np.array_equal(rank_share(x), want_pct, equal_nan=True)


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.sampled_from([np.nan, np.inf, -np.inf, 0.0, -0.0, 1e308, -2.5]) | st.floats(), max_size=12),
    other=st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1, max_size=12),
)
def test_the_period_helpers_give_numpys_answers_to_the_bit(values, other):
    v = np.array(values, dtype=np.float64)
    ours, numpys = effort.nan_to_num(v), np.nan_to_num(v)
    assert ours.dtype == numpys.dtype and ours.tobytes() == numpys.tobytes()  # (-0.0 kept)
    den = np.array(other[: len(values)] + [0.0] * (len(values) - len(other)))
    for num in (v, np.arange(len(v))):  # floats, and counts
        with np.errstate(all="ignore"):  # (huge over tiny overflows, either way)
            want = np.where(den > 0, np.asarray(num, np.float64) / np.where(den > 0, den, 1.0), np.nan)
            assert scoring._share(num, den).tobytes() == want.tobytes()
