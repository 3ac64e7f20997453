"""Erlang C, M/M/c+D and Erlang A (排队论): what a planner's staffing calculator would say.

Erlang C is the M/M/c queue (Poisson arrivals at rate λ, exponential handling at rate μ,
c servers, nobody leaves the queue). The model's time limit is *fixed*: a case still waiting
τ hours after it joined is passed up (escalated automatically), which is the M/M/c+D queue
(deterministic patience) — :func:`mmc_d` gives its exact waits and the share that reaches the
limit. Erlang A (M/M/c+M) has exponential patience θ instead; it is kept for comparison only
(with θ = 1/τ it is *not* the model's queue). All ignore shifts, patrols, overhead,
absences and the mix of communities: the gap between them and the simulation is the point
of showing them.
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


def _log_add(x: float, y: float) -> float:
    """log(eˣ + eʸ) without overflow."""
    m = max(x, y)
    return m + math.log(math.exp(x - m) + math.exp(y - m))


def _mmcd_parts(lam: float, mu: float, c: int, tau: float) -> tuple[float, float, float, float, float]:
    """The pieces of the M/M/c+D solution, as logs where they can overflow.

    With every server busy, the offered wait V (how long a newcomer would wait for a server)
    runs down at rate 1 and jumps by an Exp(cμ) time when a case joins below τ; its density is
    f(x) = λ p₍c−1₎ e^(−βx) for x < τ and f(τ) e^(−cμ(x−τ)) beyond, β = cμ − λ, and below c busy
    servers the chain is Erlang's birth–death p_k ∝ aᵏ/k!. Returns (log p₍c−1₎, log of the
    integral of e^(−βx) over [0, τ), log of its tail mass e^(−βτ)/(cμ), β, the normaliser's log)."""
    if c < 1 or lam <= 0 or mu <= 0 or tau < 0:
        raise ValueError("M/M/c+D needs c ≥ 1, λ > 0, μ > 0 and τ ≥ 0")
    a, beta = lam / mu, c * mu - lam
    logs = [k * math.log(a) - math.lgamma(k + 1) for k in range(c)]  # unnormalised p_k, k < c
    if abs(beta * tau) < 1e-9:
        log_a1 = math.log(tau) if tau > 0 else -math.inf
    elif beta > 0:
        log_a1 = math.log(-math.expm1(-beta * tau)) - math.log(beta)
    else:
        log_a1 = -beta * tau + math.log(-math.expm1(beta * tau)) - math.log(-beta)
    log_a2 = -beta * tau - math.log(c * mu)
    log_f = math.log(lam) + logs[-1] + _log_add(log_a1, log_a2)
    z = logs[0]
    for v in [*logs[1:], log_f]:
        z = _log_add(z, v)
    return logs[-1], log_a1, log_a2, beta, z


def mmc_d(lam: float, mu: float, c: int, tau: float) -> dict[str, float]:
    """Exact M/M/c+D (fixed time limit τ on the wait): ``p_wait`` (an arrival finds every server
    busy), ``p_limit`` (its wait reaches τ: it is passed up), ``wq_served`` (mean wait of those
    served here), ``wq`` (mean time in this queue of all arrivals, τ for those passed up).
    Stable at any load; τ → ∞ with λ < cμ gives Erlang C."""
    log_p, log_a1, log_a2, beta, z = _mmcd_parts(lam, mu, c, tau)
    dens = math.exp(math.log(lam) + log_p - z)  # f(0+) = λ p₍c−1₎
    p_wait = min(1.0, dens * (math.exp(log_a1) + math.exp(log_a2)))
    p_limit = min(p_wait, dens * math.exp(log_a2))
    bt = beta * tau
    if abs(bt) < 1e-6:  # ∫₀^τ x e^(−βx) dx
        first = tau * tau / 2.0 * (1.0 - 2.0 * bt / 3.0)
    else:
        first = (1.0 - math.exp(-bt) * (1.0 + bt)) / (beta * beta)
    served_wait = dens * first  # E[V; V < τ]
    served = 1.0 - p_limit
    return {
        "p_wait": p_wait,
        "p_limit": p_limit,
        "wq_served": served_wait / served if served > 0 else math.nan,
        "wq": served_wait + tau * p_limit,
    }


def mmc_d_wait_cdf(lam: float, mu: float, c: int, tau: float, t: float) -> float:
    """P(a case starts service at this desk within ``t`` of joining) in M/M/c+D: no wait, or a
    wait V ≤ t below τ (a case that reaches τ never starts here)."""
    log_p, _log_a1, _log_a2, beta, z = _mmcd_parts(lam, mu, c, tau)
    dens = math.exp(math.log(lam) + log_p - z)
    s = min(max(t, 0.0), tau)
    part = s if abs(beta * s) < 1e-12 else -math.expm1(-beta * s) / beta
    p_wait = mmc_d(lam, mu, c, tau)["p_wait"]
    return min(1.0, 1.0 - p_wait + dens * part)


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
    limit: float | None = None,
    c_max: int = 10_000,
) -> int:
    """Smallest c meeting a service target: mean wait ≤ ``mean_wait``, or P(wait ≤
    ``wait_within``) ≥ ``quantile``. A fixed time ``limit`` τ uses M/M/c+D (the model's queue);
    else θ > 0 uses Erlang A, θ = 0 Erlang C."""
    bounded = theta > 0 or limit is not None
    c = max(1, math.floor(lam / mu) + (0 if bounded else 1))
    while c <= c_max:
        try:
            if limit is not None and mean_wait is not None:
                ok = mmc_d(lam, mu, c, limit)["wq"] <= mean_wait
            elif limit is not None:
                ok = mmc_d_wait_cdf(lam, mu, c, limit, wait_within) >= quantile
            elif mean_wait is not None:
                ok = erlang_a(lam, mu, theta, c)["wq"] <= mean_wait
            else:
                ok = erlang_a_wait_cdf(lam, mu, theta, c, wait_within) >= quantile
        except ValueError:
            ok = False
        if ok:
            return c
        c += 1
    raise ValueError(f"no c up to {c_max} meets the target")
