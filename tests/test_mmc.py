"""The degenerate case of the model is an M/M/c queue; its waits must match Erlang C.

``scenarios/validation/mmc.yaml`` is one grid with c round-the-clock workers, every incident
reported and accepted the moment it occurs (Poisson arrivals at λ per hour = rate per
household-year × households / 8760), exponential handling with mean 1/μ, no patrol, no
escalation (one rung, p_solve 1) and no reopening. The wait is the KPI's definition,
surfaced → handling starts (``t_handling − t_surfaced``); with no reopening ``t_handling``
is stamped exactly once.

Statistical design, fixed before looking at results: for each (λ, μ, c), R independent
replications (distinct seeds per case, so cases are independent too), each ``days`` long.
Incidents surfaced in the first ``WARMUP_DAYS`` are discarded (the queue starts empty) and
so are those surfaced in the last day (their wait could be censored by the end of the run;
every kept incident has started). Each replication gives one estimate (mean wait, share of
positive waits, busy fraction, ...), the replications are i.i.d., and the check is

    |mean over replications − theory| <= max(4 × SE, floor),   SE = sd / sqrt(R),

with a tiny absolute floor only to absorb floating-point noise. Every case also shows the
tolerance has teeth: the same data *reject* the Erlang C values of neighbouring queues
(one server more, μ ± 5 %, λ + 5 %).
"""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from sim.output.runner import run_scenario
from sim.output.tables import incidents_table, transitions_table
from sim.scenario.loading import load_scenario

MMC = Path(__file__).resolve().parents[1] / "scenarios" / "validation" / "mmc.yaml"
HOURS_PER_YEAR = 8760.0
WARMUP_DAYS = 10
COOLDOWN_H = 24.0
R = 12
POSITIVE = 1e-9  # a wait above this is "waited" (an immediate start is exactly 0)
HOUSEHOLDS = load_scenario(MMC).world.communities[0].households_per_grid


# ----------------------------------------------------------------------------- theory


def erlang_c(lam: float, mu: float, c: int) -> tuple[float, float]:
    """(P(wait > 0), mean wait Wq) of M/M/c, via the Erlang B recursion (no factorials,
    no overflow for large c): B(0) = 1, B(k) = a B(k−1) / (k + a B(k−1)),
    C = B / (1 − ρ (1 − B)), Wq = C / (cμ − λ)."""
    a = lam / mu
    rho = a / c
    if not rho < 1:
        raise ValueError(f"unstable queue: rho = {rho}")
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    p_wait = b / (1.0 - rho * (1.0 - b))
    return p_wait, p_wait / (c * mu - lam)


def _erlang_c_exact(a: Fraction, c: int) -> Fraction:
    """The textbook closed form in exact rational arithmetic (small c only)."""
    top = a**c / math.factorial(c) * c / (c - a)
    return top / (sum(a**k / math.factorial(k) for k in range(c)) + top)


@pytest.mark.parametrize(
    "a, c",
    [
        (Fraction(4, 5), 1),
        (Fraction(1), 2),
        (Fraction(17, 5), 4),
        (Fraction(3), 4),
        (Fraction(9, 2), 5),
        (Fraction(19, 2), 12),
    ],
)
def test_erlang_c_matches_the_closed_form(a, c):
    p, wq = erlang_c(float(a), 1.0, c)
    exact = _erlang_c_exact(a, c)
    assert p == pytest.approx(float(exact), rel=1e-12)
    assert wq == pytest.approx(float(exact / (c - a)), rel=1e-12)


def test_erlang_c_known_values_and_large_c():
    assert erlang_c(0.8, 1.0, 1) == pytest.approx((0.8, 4.0))  # M/M/1: C = ρ, Wq = ρ / (μ − λ)
    assert erlang_c(1.0, 1.0, 2) == pytest.approx((1 / 3, 1 / 3))
    # large c stays finite and agrees with Erlang B written with Poisson probabilities
    a, c = 950.0, 1000
    p, _ = erlang_c(a, 1.0, c)
    b = stats.poisson.pmf(c, a) / stats.poisson.cdf(c, a)
    assert 0.0 < p < 1.0 and p == pytest.approx(b / (1 - a / c * (1 - b)), rel=1e-9)
    with pytest.raises(ValueError):
        erlang_c(4.0, 1.0, 4)


# ----------------------------------------------------------------------------- simulation


def run_mmc(lam: float, mu: float, c: int, days: int, seed: int):
    rate = lam * HOURS_PER_YEAR / HOUSEHOLDS  # per household-year
    cfg = load_scenario(
        MMC,
        [
            f"categories.case.rate={rate!r}",
            f"categories.case.handling_hours={1 / mu!r}",
            f"staffing.full_time={c}",
            f"seed={seed}",
            f"days={days}",
        ],
    )
    assert cfg.staffing.full_time == c and cfg.days == days and cfg.seed == seed
    return run_scenario(cfg)


def measure(model, c: int) -> dict[str, float]:
    """One replication's estimates over the window [warm-up, end − cool-down)."""
    inc = incidents_table(model)
    T = model.clock.now
    W = 24.0 * WARMUP_DAYS
    # the degenerate case really is degenerate
    assert (inc["escalations"] == 0).all() and (inc["reopens"] == 0).all()
    assert (inc["t_surfaced"] == inc["t_occurred"]).all(), "reported the moment it occurs"
    acc = inc["t_accepted"].notna()
    assert acc.all() and (inc["t_accepted"] == inc["t_surfaced"]).all(), "accepted at once"
    win = inc[(inc["t_surfaced"] >= W) & (inc["t_surfaced"] < T - COOLDOWN_H)]
    assert win["t_handling"].notna().all(), "every kept incident has started: no censoring"
    wait = (win["t_handling"] - win["t_surfaced"]).to_numpy()
    assert (wait >= 0).all()
    waited = wait > POSITIVE
    done = win["t_resolved"].notna()
    service = (win.loc[done, "t_resolved"] - win.loc[done, "t_handling"]).to_numpy()
    # busy fraction of the c servers over [W, T], from the handling spans in the log
    tr = transitions_table(model)
    tr = tr.assign(state=tr["state"].astype(str))
    nxt = tr.groupby("incident", sort=False)["time"].shift(-1)
    h = tr["state"] == "handling"
    start = tr.loc[h, "time"].to_numpy()
    end = nxt[h].fillna(T).to_numpy()
    busy = np.clip(np.minimum(end, T) - np.maximum(start, W), 0.0, None).sum()
    arrivals = ((inc["t_occurred"] >= W) & (inc["t_occurred"] < T)).sum()
    return {
        "wq": float(wait.mean()),
        "p_wait": float(waited.mean()),
        "wait_if_waited": float(wait[waited].mean()),
        "util": float(busy / (c * (T - W))),
        "lam": float(arrivals / (T - W)),
        "service": float(service.mean()),
    }


def replicate(lam, mu, c, days, seed0) -> dict[str, np.ndarray]:
    reps = [measure(run_mmc(lam, mu, c, days, seed0 + r), c) for r in range(R)]
    return {k: np.array([m[k] for m in reps]) for k in reps[0]}


def agrees(obs: np.ndarray, theory: float, floor: float = 1e-6) -> tuple[bool, str]:
    mean = float(obs.mean())
    se = float(obs.std(ddof=1) / math.sqrt(len(obs)))
    tol = max(4.0 * se, floor)
    z = (mean - theory) / se if se > 0 else math.inf
    return abs(mean - theory) <= tol, f"observed {mean:.4f} ± {se:.4f} (SE), theory {theory:.4f}, z = {z:+.2f}"


# (λ per hour, μ per hour, c, days per replication, first seed)
CASES = [
    pytest.param(0.8, 1.0, 1, 300, 11_000, id="M/M/1-rho0.80"),
    pytest.param(1.5, 0.5, 4, 250, 12_000, id="M/M/4-rho0.75-slow-service"),
    pytest.param(3.4, 1.0, 4, 250, 13_000, id="M/M/4-rho0.85-shipped"),
    pytest.param(4.5, 1.0, 5, 250, 14_000, id="M/M/5-rho0.90"),
]


@pytest.mark.slow
@pytest.mark.parametrize("lam, mu, c, days, seed0", CASES)
def test_mmc_matches_erlang_c(lam, mu, c, days, seed0):
    obs = replicate(lam, mu, c, days, seed0)
    p_wait, wq = erlang_c(lam, mu, c)
    rho = lam / (c * mu)
    expected = {
        "lam": lam,  # the inputs first: the arrival rate and the mean handling time
        "service": 1.0 / mu,
        "util": rho,  # busy fraction
        "p_wait": p_wait,  # Erlang C
        "wq": wq,
        "wait_if_waited": 1.0 / (c * mu - lam),  # waits beyond zero are exponential(cμ − λ)
    }
    report = {k: agrees(obs[k], v)[1] for k, v in expected.items()}
    print(f"\nλ={lam} μ={mu} c={c} ρ={rho:.2f}: " + "; ".join(f"{k}: {v}" for k, v in report.items()))
    for k, v in expected.items():
        ok, msg = agrees(obs[k], v)
        assert ok, f"{k}: {msg}"

    # the same tolerance rejects neighbouring queues, so passing means something
    neighbours = {
        f"c={c + 1}": erlang_c(lam, mu, c + 1),
        "mu-5%": erlang_c(lam, 0.95 * mu, c),
        "mu+5%": erlang_c(lam, 1.05 * mu, c),
        "lambda+5%": erlang_c(1.05 * lam, mu, c),
    }
    for name, (_p_n, wq_n) in neighbours.items():
        assert not agrees(obs["wq"], wq_n)[0], f"mean wait cannot tell M/M/c from {name}: {agrees(obs['wq'], wq_n)[1]}"
    assert not agrees(obs["p_wait"], neighbours[f"c={c + 1}"][0])[0]
    assert not agrees(obs["util"], lam / ((c + 1) * mu))[0]


@pytest.mark.parametrize("lam, mu, c", [(3.4, 1.0, 4), (0.8, 1.0, 1)])
def test_mmc_queue_is_fifo_and_work_conserving(lam, mu, c):
    """Exact (not statistical) properties of one run: cases start in the order they surface,
    at most c at a time, and a case waits exactly when all c workers are busy."""
    model = run_mmc(lam, mu, c, 20, 7)
    inc = incidents_table(model).sort_values("t_surfaced", kind="stable")
    started = inc[inc["t_handling"].notna()]
    assert (np.diff(started["t_handling"].to_numpy()) >= 0).all(), "first come, first served"
    assert len(started) > 0.9 * len(inc)
    tr = transitions_table(model)
    tr = tr.assign(state=tr["state"].astype(str))
    nxt = tr.groupby("incident", sort=False)["time"].shift(-1)
    h = tr["state"] == "handling"
    starts = np.sort(tr.loc[h, "time"].to_numpy())
    ends = np.sort(nxt[h].fillna(np.inf).to_numpy())
    t = inc["t_surfaced"].to_numpy()
    # workers busy just before each arrival (its own start, if immediate, not counted)
    busy_before = np.searchsorted(starts, t, side="left") - np.searchsorted(ends, t, side="right")
    assert busy_before.min() >= 0 and busy_before.max() <= c
    waited = ~(inc["t_handling"] - inc["t_surfaced"] <= POSITIVE).to_numpy()  # NaN (not started) waits
    assert (waited == (busy_before == c)).all()
    assert waited.any() and (~waited).any()
