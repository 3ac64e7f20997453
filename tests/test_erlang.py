"""The degenerate case is an M/M/c queue: waits must match Erlang C.

``scenarios/validation/mmc.yaml`` is one grid of c always-on workers, Poisson reports
accepted at once, exponential handling, no patrol, no escalation, no reopening. For each
(λ, μ, c) we run independent replications (different seeds), drop a warm-up, and compare
the mean over replications of P(wait > 0) and of the mean wait with Erlang C, allowing
four standard errors of the replication mean (plus a tiny floor for discretisation).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from sim.config import load_scenario
from sim.runner import run_scenario
from sim.tables import incidents_table

MMC = Path(__file__).resolve().parents[1] / "scenarios" / "validation" / "mmc.yaml"
HOUSEHOLDS = 1000
HOURS_PER_YEAR = 8760.0
WARMUP_H = 5 * 24.0
REPS = 8


def erlang_c(lam: float, mu: float, c: int) -> tuple[float, float]:
    """(P(wait > 0), mean wait Wq) of an M/M/c queue, by the stable Erlang B recursion."""
    a = lam / mu
    rho = a / c
    assert rho < 1
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)  # Erlang B
    p_wait = b / (1.0 - rho * (1.0 - b))
    return p_wait, p_wait / (c * mu - lam)


def test_erlang_c_known_values():
    """Textbook checks of the reference formula itself: M/M/1 and a tabulated M/M/2."""
    p, wq = erlang_c(0.8, 1.0, 1)
    assert p == pytest.approx(0.8) and wq == pytest.approx(0.8 / (1.0 - 0.8))
    p, wq = erlang_c(1.0, 1.0, 2)  # a = 1, c = 2: C = 1/3, Wq = 1/3 / (2 - 1)
    assert p == pytest.approx(1 / 3) and wq == pytest.approx(1 / 3)


def replicate(lam: float, mu: float, c: int, days: int, reps: int = REPS) -> dict[str, np.ndarray]:
    """Per-replication P(wait>0), mean wait and busy fraction after the warm-up."""
    rate = lam * HOURS_PER_YEAR / HOUSEHOLDS  # per household-year
    out = {"p_wait": [], "wq": [], "util": []}
    for r in range(reps):
        cfg = load_scenario(MMC, [f"categories.case.rate={rate!r}", f"categories.case.handling_hours={1 / mu!r}",
                                  f"staffing.full_time={c}", f"seed={1000 + r}", f"days={days}"])
        model = run_scenario(cfg)
        inc = incidents_table(model)
        # the degenerate case really is degenerate: no escalation, surfaced and accepted on arrival
        assert (inc["escalations"] == 0).all()
        assert (inc["t_surfaced"] == inc["t_occurred"]).all()
        acc = inc["t_accepted"].notna()
        assert (inc.loc[acc, "t_accepted"] == inc.loc[acc, "t_surfaced"]).all()
        started = inc[(inc["t_surfaced"] >= WARMUP_H) & inc["t_handling"].notna()]
        wait = (started["t_handling"] - started["t_surfaced"]).to_numpy()
        assert (wait >= 0).all()
        out["p_wait"].append(float(np.mean(wait > 1e-9)))
        out["wq"].append(float(wait.mean()))
        out["util"].append(model.busy_hours() / (c * model.clock.now))
    return {k: np.asarray(v) for k, v in out.items()}


def within(observed: np.ndarray, expected: float, floor: float = 0.005) -> tuple[bool, str]:
    mean = observed.mean()
    se = observed.std(ddof=1) / math.sqrt(len(observed))
    tol = 4.0 * se + floor * max(1.0, abs(expected))
    return abs(mean - expected) <= tol, f"observed {mean:.4f} ± {se:.4f} (SE), expected {expected:.4f}, tol {tol:.4f}"


CASES = [  # (λ per hour, μ per hour, c, days per replication)
    pytest.param(0.8, 1.0, 1, 60, id="mm1-rho0.80"),
    pytest.param(1.5, 0.5, 4, 60, id="mm4-rho0.75-slow-service"),
    pytest.param(3.4, 1.0, 4, 60, id="mm4-rho0.85"),
    pytest.param(4.5, 1.0, 5, 90, id="mm5-rho0.90"),
]


@pytest.mark.slow
@pytest.mark.parametrize("lam, mu, c, days", CASES)
def test_mmc_matches_erlang_c(lam, mu, c, days):
    p_theory, wq_theory = erlang_c(lam, mu, c)
    obs = replicate(lam, mu, c, days)
    ok, msg = within(obs["p_wait"], p_theory)
    assert ok, f"P(wait>0): {msg}"
    ok, msg = within(obs["wq"], wq_theory)
    assert ok, f"mean wait (h): {msg}"
    ok, msg = within(obs["util"], lam / (c * mu))
    assert ok, f"utilisation: {msg}"


@pytest.mark.slow
def test_tolerance_rejects_a_wrong_model():
    """The same check must fail against a neighbouring queue (one server fewer or more),
    so the tolerance is tight enough to mean something."""
    lam, mu, c, days = 3.4, 1.0, 4, 60
    obs = replicate(lam, mu, c, days)
    assert not within(obs["wq"], erlang_c(lam, mu, c + 1)[1])[0]
    assert not within(obs["p_wait"], erlang_c(lam, mu, c + 1)[0])[0]
    assert not within(obs["wq"], erlang_c(lam, mu * 0.9, c)[1])[0]
