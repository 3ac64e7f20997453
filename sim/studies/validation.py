"""Validation against queueing theory (排队论): the figures a reviewer asks for first.

The model's degenerate cases are queues with exact answers: one grid desk of c always-on
workers is M/M/c (Erlang C, ``scenarios/validation/mmc.yaml``); with a fixed time limit it is
M/M/c+D (``mmcd.yaml``); two desks in tandem are a Jackson network whose desks are each
Erlang C by Burke's theorem (``tandem.yaml``), which Ciw also simulates. :func:`comparisons`
runs R independent replications of each parameter set, and :func:`page` writes them as
``docs/validation.md``: every quantity's theory beside the model's mean and 95 % interval.

The intervals are t-intervals over replications; the page also gives a simultaneous
(Bonferroni) interval over all its comparisons, which is what ``inside`` tests, so that a
page of m comparisons is wrong by chance in at most 5 % of seeds, not in 1 − 0.95ᵐ.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import stats

from sim import __version__
from sim.studies.erlang import erlang_c, mmc_d

ROOT = Path(__file__).resolve().parents[2]
VALIDATION = ROOT / "scenarios" / "validation"
HOURS_PER_YEAR = 8760.0
WARMUP_DAYS = 5

ERLANG_C = [(0.8, 1.0, 1), (3.4, 1.0, 4), (4.5, 1.0, 5), (15.0, 1.0, 18)]
"""(λ, μ, c) of the M/M/c comparisons."""
MMC_D = [(3.4, 1.0, 3, 1.0), (3.4, 1.0, 4, 0.5), (1.5, 0.5, 3, 2.0), (9.0, 1.0, 8, 0.25)]
"""(λ, μ, c, τ) of the M/M/c+D comparisons (the first is the outside review's example)."""
TANDEM = [(3.4, 1.0, 4, 0.3, 0.8, 2), (3.4, 1.0, 4, 0.5, 1.0, 3)]
"""(λ, μ₁, c₁, q, μ₂, c₂) of the tandem comparisons: desk 1 passes a case up with probability q."""


@dataclass
class Comparison:
    """One quantity: its theory, the model's replications, and Ciw's where it ran."""

    queue: str  # "M/M/c", "M/M/c+D", "tandem"
    params: str
    quantity: str
    theory: float
    model: np.ndarray  # one estimate per replication
    ciw: np.ndarray | None = None

    def interval(self, level: float = 0.95) -> tuple[float, float, float]:
        """Mean of the replications and its t-interval at ``level``."""
        x = self.model
        m = float(x.mean())
        half = float(stats.t.ppf(0.5 + level / 2, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x)))
        return m, m - half, m + half

    def inside(self, level: float = 0.95) -> bool:
        """Is the theory inside the model's interval at ``level`` (exactly equal counts)?"""
        _m, lo, hi = self.interval(level)
        return lo - 1e-12 <= self.theory <= hi + 1e-12


def _model(name: str, overrides: list[str], seed: int, days: int, transitions: bool = False):
    from sim.output.runner import run_scenario
    from sim.scenario.loading import load_scenario

    cfg = load_scenario(VALIDATION / f"{name}.yaml", [*overrides, f"seed={seed}", f"days={days}"])
    return run_scenario(cfg, transitions=transitions)


def _rate(lam: float, name: str) -> str:
    from sim.scenario.loading import load_scenario

    households = load_scenario(VALIDATION / f"{name}.yaml").world.communities[0].households_per_grid
    return f"categories.case.rate={lam * HOURS_PER_YEAR / households!r}"


def _window(model, cooldown: float) -> np.ndarray:
    log = model.log
    t = log.column("t_surfaced")[: log.n]
    return (t >= 24.0 * WARMUP_DAYS) & (t < model.clock.now - cooldown)


def mmc_estimates(lam: float, mu: float, c: int, days: int, seed: int) -> dict[str, float]:
    """One M/M/c replication: the probability of waiting and the mean wait."""
    model = _model(
        "mmc", [_rate(lam, "mmc"), f"categories.case.handling_hours={1 / mu!r}", f"staffing.full_time={c}"], seed, days
    )
    col = model.log.column
    keep = _window(model, 24.0)
    wait = (col("t_handling") - col("t_surfaced"))[: model.log.n][keep]
    return {"P(wait)": float((wait > 1e-9).mean()), "mean wait (h)": float(wait.mean())}


def mmcd_estimates(lam: float, mu: float, c: int, tau: float, days: int, seed: int) -> dict[str, float]:
    """One M/M/c+D replication: P(wait), P(time limit reached), the waits of cases served in
    the grid and the mean time in the grid's queue of all cases (τ for those passed up)."""
    model = _model(
        "mmcd",
        [
            _rate(lam, "mmcd"),
            f"categories.case.handling_hours={1 / mu!r}",
            f"staffing.full_time={c}",
            f"levels.grid.time_limit_hours={tau!r}",
        ],
        seed,
        days,
    )
    col, n = model.log.column, model.log.n
    keep = _window(model, max(24.0, 2 * tau))
    up = col("escalations")[:n][keep] > 0
    wait = (col("t_handling") - col("t_surfaced"))[:n][keep]
    in_queue = np.where(up, tau, wait)
    return {
        "P(wait)": float((in_queue > 1e-9).mean()),
        "P(time limit)": float(up.mean()),
        "wait of served (h)": float(wait[~up].mean()),
        "time in queue (h)": float(in_queue.mean()),
    }


def tandem_estimates(lam, mu1, c1, q, mu2, c2, days: int, seed: int) -> dict[str, float]:
    """One tandem replication: the mean wait at each desk."""
    model = _model(
        "tandem",
        [
            _rate(lam, "tandem"),
            f"categories.case.handling_hours={1 / mu1!r}",
            f"staffing.full_time={c1}",
            f"levels.grid.p_solve={1 - q!r}",
            f"levels.community.servers={c2}",
            f"levels.community.handling_multiplier={mu1 / mu2!r}",
        ],
        seed,
        days,
        transitions=True,
    )
    col, n = model.log.column, model.log.n
    keep = _window(model, 48.0)
    w1 = (col("t_handling") - col("t_surfaced"))[:n][keep]
    tr = model.log.transitions()
    ids = np.flatnonzero(keep)
    esc = tr[(tr["state"] == "escalated") & tr["incident"].isin(ids)].drop_duplicates("incident")
    h2 = tr[(tr["state"] == "handling") & (tr["level"] == 1)].drop_duplicates("incident")
    j = esc.merge(h2, on="incident", suffixes=("_e", "_h"))
    return {
        "mean wait, desk 1 (h)": float(w1.mean()),
        "mean wait, desk 2 (h)": float((j["time_h"] - j["time_e"]).mean()),
    }


def ciw_tandem(lam, mu1, c1, q, mu2, c2, days: int, seed: int) -> dict[str, float]:
    """The same tandem in Ciw (the ``bench`` extra), with the same warm-up."""
    import ciw

    ciw.seed(seed)
    net = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(lam), None],
        service_distributions=[ciw.dists.Exponential(mu1), ciw.dists.Exponential(mu2)],
        number_of_servers=[c1, c2],
        routing=[[0.0, q], [0.0, 0.0]],
    )
    sim = ciw.Simulation(net)
    end = 24.0 * days
    sim.simulate_until_max_time(end)
    recs = [r for r in sim.get_all_records() if r.arrival_date >= 24.0 * WARMUP_DAYS and r.arrival_date < end - 48.0]
    return {
        "mean wait, desk 1 (h)": float(np.mean([r.waiting_time for r in recs if r.node == 1])),
        "mean wait, desk 2 (h)": float(np.mean([r.waiting_time for r in recs if r.node == 2])),
    }


def _collect(reps: list[dict[str, float]]) -> dict[str, np.ndarray]:
    return {k: np.array([r[k] for r in reps]) for k in reps[0]}


def comparisons(reps: int = 10, days: int = 60, seed: int = 20_000, with_ciw: bool = True) -> list[Comparison]:
    """Every comparison of the page: R replications of ``days`` each, seeds from ``seed``."""
    out: list[Comparison] = []
    for k, (lam, mu, c) in enumerate(ERLANG_C):
        obs = _collect([mmc_estimates(lam, mu, c, days, seed + 100 * k + r) for r in range(reps)])
        p_wait, wq = erlang_c(lam, mu, c)
        params = f"λ = {lam:g}/h, μ = {mu:g}/h, c = {c}"
        out += [
            Comparison("M/M/c", params, "P(wait)", p_wait, obs["P(wait)"]),
            Comparison("M/M/c", params, "mean wait (h)", wq, obs["mean wait (h)"]),
        ]
    for k, (lam, mu, c, tau) in enumerate(MMC_D):
        obs = _collect([mmcd_estimates(lam, mu, c, tau, days, seed + 1000 + 100 * k + r) for r in range(reps)])
        th = mmc_d(lam, mu, c, tau)
        theory = {
            "P(wait)": th["p_wait"],
            "P(time limit)": th["p_limit"],
            "wait of served (h)": th["wq_served"],
            "time in queue (h)": th["wq"],
        }
        params = f"λ = {lam:g}/h, μ = {mu:g}/h, c = {c}, τ = {tau:g} h"
        out += [Comparison("M/M/c+D", params, q, v, obs[q]) for q, v in theory.items()]
    for k, (lam, mu1, c1, q, mu2, c2) in enumerate(TANDEM):
        seeds = [seed + 2000 + 100 * k + r for r in range(reps)]
        obs = _collect([tandem_estimates(lam, mu1, c1, q, mu2, c2, days, s) for s in seeds])
        ciw = _collect([ciw_tandem(lam, mu1, c1, q, mu2, c2, days, s) for s in seeds]) if with_ciw else None
        params = f"λ = {lam:g}/h, μ₁ = {mu1:g}/h, c₁ = {c1}, q = {q:g}, μ₂ = {mu2:g}/h, c₂ = {c2}"
        theory = {
            "mean wait, desk 1 (h)": erlang_c(lam, mu1, c1)[1],
            "mean wait, desk 2 (h)": erlang_c(q * lam, mu2, c2)[1],
        }
        out += [
            Comparison("tandem", params, name, v, obs[name], None if ciw is None else ciw[name])
            for name, v in theory.items()
        ]
    return out


def simultaneous_level(results: list[Comparison], level: float = 0.95) -> float:
    """The per-comparison level that makes all of ``results`` hold together at ``level`` (Bonferroni)."""
    return 1.0 - (1.0 - level) / max(1, len(results))


def page(results: list[Comparison], reps: int, days: int, seed: int) -> str:
    """``docs/validation.md``: theory beside the model's 95 % and simultaneous intervals."""
    joint = simultaneous_level(results)
    lines = [
        "# Validation against queueing theory",
        "",
        "Generated by `gridsim validation` (`sim/studies/validation.py`); do not edit by hand. "
        f"gridsim {__version__}; {reps} independent replications of {days} simulated days per parameter set "
        f"(first {WARMUP_DAYS} days discarded), seeds from {seed}.",
        "",
        "Each row: the exact value from theory, the model's mean over the replications with its 95 % "
        f"t-interval, and the simultaneous interval over all {len(results)} rows (Bonferroni, each at "
        f"{joint:.4f}) that the check uses: **inside** means the theory lies in it. M/M/c is Erlang C "
        "(`scenarios/validation/mmc.yaml`); M/M/c+D is the grid desk with a fixed time limit τ after "
        "which a waiting case is passed up (`mmcd.yaml`, exact formulas in `sim.studies.erlang.mmc_d`; "
        "Erlang A with θ = 1/τ is not this queue); the tandem is two desks with escalation "
        "probability q (`tandem.yaml`), each desk Erlang C by Burke's theorem, beside Ciw's estimate "
        "of the same network with the same seeds' count.",
        "",
        "| queue | parameters | quantity | theory | model mean | 95 % interval | simultaneous | Ciw | inside |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        m, lo, hi = r.interval()
        _m, jlo, jhi = r.interval(joint)
        ciw = "" if r.ciw is None else f"{r.ciw.mean():.4f}"
        lines.append(
            f"| {r.queue} | {r.params} | {r.quantity} | {r.theory:.4f} | {m:.4f} | [{lo:.4f}, {hi:.4f}] | "
            f"[{jlo:.4f}, {jhi:.4f}] | {ciw} | {'yes' if r.inside(joint) else '**no**'} |"
        )
    n_in = sum(r.inside() for r in results)
    lines += [
        "",
        f"Theory inside the 95 % interval in {n_in} of {len(results)} rows (about 5 % of rows are expected "
        f"outside by chance); inside the simultaneous interval in {sum(r.inside(joint) for r in results)} of "
        f"{len(results)}.",
        "",
    ]
    return "\n".join(lines)
