"""Exact theory beside the model: the M/M/c+D formulas, and the validation page regenerated
at small sizes with every comparison inside its (simultaneous) interval."""

from __future__ import annotations

import math

import pytest

from sim.studies import erlang, validation
from sim.ui.cli import main


def test_mmc_d_gives_the_outside_reviews_values():
    """The review's example, c = 3, λ = 3.4, μ = 1, τ = 1 h: P(passed up) 0.2215 and 0.514 h in the queue, which
    Erlang A with θ = 1/τ gets wrong (0.271 and 0.271 h)."""
    d = erlang.mmc_d(3.4, 1.0, 3, 1.0)
    assert d["p_limit"] == pytest.approx(0.2215, abs=5e-5)
    assert d["wq"] == pytest.approx(0.514, abs=5e-4)
    a = erlang.erlang_a(3.4, 1.0, 1.0, 3)
    assert abs(a["p_abandon"] - d["p_limit"]) > 0.04 and abs(a["wq"] - d["wq"]) > 0.2


@pytest.mark.parametrize("lam, mu, c", [(0.8, 1.0, 1), (3.4, 1.0, 4), (15.0, 1.0, 18), (1.5, 0.5, 4)])
def test_mmc_d_limits_are_erlang_c_and_erlang_b(lam, mu, c):
    """τ → ∞ is Erlang C (wait and its distribution); τ = 0 is the loss system, Erlang B."""
    p_wait, wq = erlang.erlang_c(lam, mu, c)
    d = erlang.mmc_d(lam, mu, c, 1e7)
    assert d["p_wait"] == pytest.approx(p_wait, rel=1e-9) and d["wq"] == pytest.approx(wq, rel=1e-9)
    assert d["p_limit"] == pytest.approx(0.0, abs=1e-12)
    for t in (0.1, 1.0, 5.0):
        assert erlang.mmc_d_wait_cdf(lam, mu, c, 1e7, t) == pytest.approx(erlang.erlang_c_wait_cdf(lam, mu, c, t))
    a = lam / mu
    b = (a**c / math.factorial(c)) / sum(a**k / math.factorial(k) for k in range(c + 1))
    zero = erlang.mmc_d(lam, mu, c, 0.0)
    assert zero["p_limit"] == pytest.approx(b) and zero["wq"] == 0.0


@pytest.mark.parametrize("tau", [0.25, 1.0, 4.0])
def test_mmc_d_is_consistent(tau):
    """Little's law pieces agree: time in queue = served share × their wait + τ × share passed up;
    more servers never raise the share passed up; the wait distribution rises to 1 − P(limit)."""
    lam, mu = 6.0, 1.0
    prev = 1.0
    for c in range(3, 10):
        d = erlang.mmc_d(lam, mu, c, tau)
        assert d["wq"] == pytest.approx((1 - d["p_limit"]) * d["wq_served"] + tau * d["p_limit"])
        assert 0 <= d["p_limit"] <= d["p_wait"] <= 1 and d["p_limit"] <= prev
        prev = d["p_limit"]
        assert erlang.mmc_d_wait_cdf(lam, mu, c, tau, 10 * tau) == pytest.approx(1 - d["p_limit"])
    assert erlang.staff_for(lam, mu, mean_wait=0.2, limit=tau) <= erlang.staff_for(lam, mu, mean_wait=0.2)


@pytest.mark.slow
def test_validation_page_regenerates_with_every_comparison_inside(tmp_path, capsys):
    """`gridsim validation` at small sizes: Erlang C, M/M/c+D and the Ciw tandem, every theory
    inside the model's simultaneous interval; the page lists them all."""
    pytest.importorskip("ciw")
    out = tmp_path / "validation.md"
    assert main(["validation", "--reps", "6", "--days", "60", "--out", str(out)]) == 0
    text = out.read_text()
    rows = [line for line in text.splitlines() if line.startswith("| M/M/c") or line.startswith("| tandem")]
    n = 2 * len(validation.ERLANG_C) + 4 * len(validation.MMC_D) + 2 * len(validation.TANDEM)
    assert len(rows) == n and all(line.endswith("| yes |") for line in rows)
    assert "0.2215" in text and "Ciw" in text
    assert f"{n} of {n} comparisons inside" in capsys.readouterr().out


def test_an_interval_can_miss():
    """The check has teeth: a theory off by a tenth of the mean is outside the interval."""
    results = validation.comparisons(reps=4, days=20, with_ciw=False)
    r = next(r for r in results if r.queue == "M/M/c+D" and r.quantity == "P(time limit)")
    assert r.inside(validation.simultaneous_level(results))
    r.theory *= 1.3
    assert not r.inside(validation.simultaneous_level(results))


def test_size_shows_mmc_d_beside_erlang_c(tmp_path):
    """`size` puts M/M/c+D (the grid's fixed time limit) beside Erlang C, at the rates it measured."""
    from sim.studies.sizing import ServiceTarget, Sizer, erlang_table

    sizer = Sizer(
        validation.VALIDATION / "mmcd.yaml",
        [ServiceTarget("wait_hours_mean", "<=", 0.6)],
        0.8,
        2,
        tmp_path,
        days=40,
        log=lambda *_: None,
    )
    row = erlang_table(sizer, {"staffing.full_time": 3}, False).iloc[0]
    lam, mu = row["lambda_per_team_hour"], 1 / row["handling_hours_mean"]
    assert row["time_limit_hours"] == 1.0 and "theta_per_hour" not in row
    assert row["mmc_d:wait_hours_mean<=0.6"] == erlang.staff_for(lam, mu, mean_wait=0.6, limit=1.0)
    assert row["erlang_c:wait_hours_mean<=0.6"] == erlang.staff_for(lam, mu, mean_wait=0.6)
