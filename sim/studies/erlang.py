"""Erlang C and Erlang A (排队论): what a planner's staffing calculator would say.

Erlang C is the M/M/c queue (Poisson arrivals at rate λ, exponential handling at rate μ,
c servers, nobody leaves the queue); Erlang A (M/M/c+M) adds exponential patience θ: a
waiting case leaves the queue at rate θ — here, a case passed up when the grid's time
limit runs out. Both ignore shifts, patrols, overhead, escalation, absences and the mix
of communities: the gap between them and the simulation is the point of showing them.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import linalg


def erlang_c(lam: float, mu: float, c: int) -> tuple[float, float]:
    """Probability that an arrival waits, and the mean wait Wq, of an M/M/c queue (ρ < 1)."""
    a = lam / mu
    if c < 1 or a >= c:
        raise ValueError(f"unstable: offered load {a:.3g} needs more than {c} servers")
    b = 1.0  # Erlang B by the stable recursion B(k) = a B(k-1) / (k + a B(k-1))
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    p_wait = c * b / (c - a * (1.0 - b))
    return p_wait, p_wait / (c * mu - lam)


def erlang_c_wait_cdf(lam: float, mu: float, c: int, t: float) -> float:
    """P(W ≤ t) in an M/M/c queue: 1 − C·exp(−(cμ − λ)t)."""
    p_wait, _ = erlang_c(lam, mu, c)
    return 1.0 - p_wait * math.exp(-(c * mu - lam) * t)


def _erlang_a_states(lam: float, mu: float, theta: float, c: int, tol: float = 1e-12) -> np.ndarray:
    """Stationary distribution of the M/M/c+M birth–death chain, truncated where the tail
    is below ``tol`` (with θ > 0 it is stable at any load)."""
    logp = [0.0]
    n = 0
    while True:
        n += 1
        death = min(n, c) * mu + max(n - c, 0) * theta
        logp.append(logp[-1] + math.log(lam) - math.log(death))
        if n > c and logp[-1] - max(logp) < math.log(tol) and death > lam:
            break
        if n > 200_000:
            raise ValueError("Erlang A: the queue does not settle (θ = 0 with ρ ≥ 1?)")
    p = np.exp(np.array(logp) - max(logp))
    return p / p.sum()


def erlang_a(lam: float, mu: float, theta: float, c: int) -> dict[str, float]:
    """Erlang A: probability of waiting, of abandoning, and the mean wait of all arrivals."""
    if theta <= 0:
        p_wait, wq = erlang_c(lam, mu, c)
        return {"p_wait": p_wait, "p_abandon": 0.0, "wq": wq}
    p = _erlang_a_states(lam, mu, theta, c)
    n = np.arange(len(p))
    queue = float(np.sum(np.maximum(n - c, 0) * p))
    # probabilities summed in floating point can exceed 1 by an ulp when nearly every arrival waits
    p_wait = min(1.0, float(p[c:].sum()))
    return {"p_wait": p_wait, "p_abandon": min(p_wait, theta * queue / lam), "wq": queue / lam}


def erlang_a_wait_cdf(lam: float, mu: float, theta: float, c: int, t: float) -> float:
    """P(V ≤ t) for the offered wait V (the wait a case would have if it did not leave):
    an arrival finding k cases ahead enters service after k + 1 moves of the queue, the j-th
    of them at rate cμ + jθ (a server frees, or someone ahead leaves) — a hypoexponential
    time, computed for every k at once with one matrix exponential. θ = 0 gives Erlang C."""
    if theta <= 0:
        return erlang_c_wait_cdf(lam, mu, c, t)
    p = _erlang_a_states(lam, mu, theta, c)
    ahead = p[c:]  # P(an arrival finds c + k in the system), k = 0, 1, ...
    k_max = len(ahead) - 1
    rates = c * mu + theta * np.arange(k_max + 1)  # state j = cases ahead; leaves at rates[j]
    q = np.zeros((k_max + 2, k_max + 2))  # states 0..k_max, and k_max + 1 = in service
    for j in range(k_max + 1):
        q[j, j] = -rates[j]
        q[j, j - 1 if j > 0 else k_max + 1] = rates[j]
    done = linalg.expm(q * t)[: k_max + 1, k_max + 1]
    return float(p[:c].sum() + np.sum(ahead * done))


def staff_for(
    lam: float,
    mu: float,
    *,
    mean_wait: float | None = None,
    wait_within: float | None = None,
    quantile: float | None = None,
    theta: float = 0.0,
    c_max: int = 10_000,
) -> int:
    """Smallest c meeting a service target: mean wait ≤ ``mean_wait``, or P(wait ≤
    ``wait_within``) ≥ ``quantile``. θ > 0 uses Erlang A, θ = 0 Erlang C."""
    c = max(1, math.floor(lam / mu) + (1 if theta <= 0 else 0))
    while c <= c_max:
        try:
            if mean_wait is not None:
                ok = erlang_a(lam, mu, theta, c)["wq"] <= mean_wait
            else:
                ok = erlang_a_wait_cdf(lam, mu, theta, c, wait_within) >= quantile
        except ValueError:
            ok = False
        if ok:
            return c
        c += 1
    raise ValueError(f"no c up to {c_max} meets the target")
