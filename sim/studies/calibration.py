"""Likelihood-free Bayesian calibration (ABC-SMC, with pyabc) of a scenario's uncertain
parameters to its published targets.

The parameters are those the scenario marks ``uncertain:`` (each with a uniform or
log-uniform prior); the data are the scenario's fitted (not held-out) targets; the
distance is the largest target miss in units of its tolerance, so ε ≤ 1 means every
target within tolerance. Each simulation's seed is a hash of its parameters, so a run is
repeatable particle by particle. pyabc keeps every generation in an SQLite history: the
same command, run again, resumes after the last completed generation. Ctrl-C or SIGTERM
stops the driver between database writes; its sampling processes stop with it.
"""

from __future__ import annotations

import hashlib
import math
import multiprocessing.util
import os
import signal
import sys
import threading
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from sim.scenario.loading import ScenarioError, apply_overrides, read_raw, scenario_from_dict
from sim.scenario.schema import Prior
from sim.studies.sweep_pool import end_with_driver
from sim.studies.targets import Target, quantity, simulate

ABC_ID = 1  # one calibration per database


@dataclass
class Problem:
    """What is fitted: the raw scenario, its priors, the fitted targets, run length."""

    raw: dict
    source: str
    priors: dict[str, Prior]
    targets: list[Target]
    days: int | None = None  # shorten each simulation (None: the scenario's)
    fixed: tuple[str, ...] = ()  # ``--set`` overrides of every simulation, already in ``raw``

    def natural(self, theta: dict) -> dict[str, float]:
        """Pyabc's parameters (log-scale priors are sampled as logs) in scenario units."""
        out = {}
        for k, p in self.priors.items():
            v = theta[_key(k)]
            v = math.exp(v) if p.scale == "log" else float(v)
            out[k] = float(round(v)) if p.integer else v
        return out

    def overrides(self, values: dict[str, float]) -> list[str]:
        """``--set`` strings for parameter values in scenario units (integers where the prior says so)."""
        return [f"{k}={int(v) if self.priors[k].integer else repr(float(v))}" for k, v in values.items()]

    def __call__(self, theta: dict) -> dict[str, float]:
        """The pyabc model: parameters -> simulated target quantities."""
        values = self.natural(theta)
        digest = hashlib.sha256(repr(sorted(values.items())).encode()).digest()
        seed = int.from_bytes(digest[:4], "little")
        summary = simulate(self.raw, self.source, self.overrides(values), seed, self.days)
        return {t.name: quantity(summary, t.quantity) for t in self.targets}


def _key(path: str) -> str:
    return path.replace(".", "__")  # pyabc stores parameter names as SQL columns


def problem(
    path: str | Path, targets: list[Target], days: int | None = None, fixed: list[str] | None = None
) -> Problem:
    """The fitting problem of a scenario file: its priors and its fitted (not held-out) targets;
    ``fixed`` (``--set`` strings) holds for every simulation and may not name a fitted parameter."""
    fixed = list(fixed or [])
    raw = apply_overrides(read_raw(path), fixed, str(path))
    config = scenario_from_dict(raw, str(path))
    both = sorted({f.partition("=")[0].strip() for f in fixed} & set(config.uncertain))
    if both:
        raise ScenarioError(f"--set {both[0]}: is an uncertain parameter of {path}; it is fitted, not fixed")
    if not config.uncertain:
        raise ScenarioError(f"{path}: uncertain: no parameters marked uncertain, nothing to calibrate")
    fitted = [t for t in targets if not t.holdout]
    if not fitted:
        raise ScenarioError(f"{path}: every target of {config.name!r} is held out; nothing to fit")
    raw = {k: v for k, v in raw.items() if k != "uncertain"}
    return Problem(raw, str(path), dict(config.uncertain), fitted, days, tuple(fixed))


def _prior(pb: Problem):
    import pyabc

    rvs = {}
    for k, p in pb.priors.items():
        lo, hi = (math.log(p.low), math.log(p.high)) if p.scale == "log" else (p.low, p.high)
        rvs[_key(k)] = pyabc.RV("uniform", lo, hi - lo)
    return pyabc.Distribution(**rvs)


def calibrate(
    pb: Problem,
    db: Path,
    population: int,
    generations: int,
    workers: int,
    min_epsilon: float = 0.5,
    progress: bool = True,
    log=print,
):
    """Run (or resume) ABC-SMC until ``generations`` populations exist in ``db`` or ε ≤
    ``min_epsilon``. Returns the pyabc History."""
    from pyabc.sampler import MulticoreEvalParallelSampler, SingleCoreSampler

    sampler = SingleCoreSampler() if workers <= 1 else MulticoreEvalParallelSampler(n_procs=workers)
    # pyabc forks its sampling processes anew each generation: each leaves Ctrl-C (sent to the
    # whole terminal group) to the driver and ends when the driver does, however it ends
    driver = os.getpid()
    multiprocessing.util.register_after_fork(sampler, partial(_stop_with, driver))
    stops = [signal.SIGTERM]  # SIGTERM: the same clean stop as Ctrl-C
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:  # not when started with Ctrl-C ignored
        stops.append(signal.SIGINT)
    stop = _Stop(driver)
    previous = {s: signal.signal(s, stop.handle) for s in stops}
    unraisable, sys.unraisablehook = sys.unraisablehook, partial(stop.unraisable, sys.unraisablehook)
    try:
        return _run(pb, db, sampler, population, generations, min_epsilon, progress, log)
    finally:
        stop.ended.set()
        sys.unraisablehook = unraisable
        for s, handler in previous.items():
            signal.signal(s, handler)


class _Stop:
    """Ctrl-C / SIGTERM while a calibration runs: the driver stops as on Ctrl-C (the history keeps
    whole generations); a sampling process just forked, not yet past :func:`_stop_with`, exits
    quietly. pyabc forks every generation, and a signal that lands while the driver forks is
    handled inside an at-fork hook, where Python only reports the exception and goes on: such a
    stop is not reported but sent again, :data:`RESEND_SECONDS` later, until the run has ended."""

    def __init__(self, driver: int):
        self.driver = driver
        self.signum = 0  # the last stop asked for
        self.ended = threading.Event()

    def handle(self, signum, frame) -> None:
        """The signal handler."""
        if os.getpid() != self.driver:
            os._exit(128 + signum)
        self.signum = signum
        raise KeyboardInterrupt

    def unraisable(self, report, unraisable) -> None:
        """``sys.unraisablehook`` while the run goes on (``report``: Python's default)."""
        if isinstance(unraisable.exc_value, KeyboardInterrupt) and self.signum and os.getpid() == self.driver:
            again = threading.Timer(RESEND_SECONDS, self._resend)
            again.daemon = True
            again.start()
            return
        report(unraisable)

    def _resend(self) -> None:
        if not self.ended.is_set():
            os.kill(self.driver, self.signum)


RESEND_SECONDS = 0.1
"""How soon a stop that landed in an at-fork hook is sent again (the fork is long done by then)."""


def _stop_with(driver: int, sampler) -> None:
    """In a freshly forked sampling process: ignore Ctrl-C, die on SIGTERM, end with ``driver``."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    end_with_driver(driver)


def _run(pb: Problem, db: Path, sampler, population: int, generations: int, min_epsilon: float, progress, log):
    """:func:`calibrate`'s body, with ``sampler`` chosen."""
    import pyabc

    sampler.show_progress = progress
    distance = pyabc.PNormDistance(p=np.inf, fixed_weights={t.name: 1.0 / t.tolerance for t in pb.targets})
    abc = pyabc.ABCSMC(pb, _prior(pb), distance, population_size=population, sampler=sampler)
    url = f"sqlite:///{db.resolve()}"
    observed = {t.name: t.value for t in pb.targets}
    if db.exists() and _done(db) >= 0:
        abc.load(url, ABC_ID)
        _same_problem(abc.history, pb, db)
        log(f"resuming {db}: {_done(db) + 1} generation(s) already complete")
    else:
        db.unlink(missing_ok=True)
        abc.new(url, observed, meta_info={"gridsim_parameters": ",".join(pb.priors)})
    left = generations - (_done(db) + 1)
    if left > 0:
        t0 = time.perf_counter()
        abc.run(minimum_epsilon=min_epsilon, max_nr_populations=left)
        log(f"ABC-SMC: {time.perf_counter() - t0:.0f} s")
    return abc.history


def _done(db: Path) -> int:
    """Index of the last completed generation stored in ``db`` (-1: none)."""
    import sqlite3

    if not db.exists():
        return -1
    con = sqlite3.connect(db)
    try:
        row = con.execute("select max(t) from populations where abc_smc_id = ?", (ABC_ID,)).fetchone()
    except sqlite3.Error:
        return -1
    finally:
        con.close()
    return -1 if row is None or row[0] is None else int(row[0])


def _same_problem(history, pb: Problem, db: Path) -> None:
    stored = set(history.get_distribution(m=0, t=history.max_t)[0].columns)
    if stored != {_key(k) for k in pb.priors}:
        raise ScenarioError(f"{db}: holds a calibration of other parameters; remove it or choose another --out")


def posterior(history, pb: Problem) -> pd.DataFrame:
    """The last generation: one row per particle, parameters in scenario units, weight."""
    df, w = history.get_distribution(m=0, t=history.max_t)
    out = pd.DataFrame(
        {k: (np.exp(df[_key(k)]) if p.scale == "log" else df[_key(k)]).to_numpy() for k, p in pb.priors.items()}
    )
    out["weight"] = np.asarray(w)
    return out


def summarise(post: pd.DataFrame, pb: Problem) -> pd.DataFrame:
    """Per parameter: prior range, weighted posterior median and 90 % credible interval."""
    w = post["weight"].to_numpy()
    rows = []
    for k, p in pb.priors.items():
        x = post[k].to_numpy()
        q5, q50, q95 = _wquantile(x, w, [0.05, 0.5, 0.95])
        rows.append(
            {
                "parameter": k,
                "prior_low": p.low,
                "prior_high": p.high,
                "scale": p.scale,
                "mean": float(np.average(x, weights=w)),
                "median": q50,
                "q05": q5,
                "q95": q95,
                "ci90_share_of_prior": (q95 - q5) / (p.high - p.low),
            }
        )
    return pd.DataFrame(rows)


def _wquantile(x, w, qs):
    order = np.argsort(x)
    x, w = x[order], w[order]
    c = (np.cumsum(w) - 0.5 * w) / w.sum()
    return [float(np.interp(q, c, x)) for q in qs]


def plot_posterior(post: pd.DataFrame, pb: Problem, path: Path) -> None:
    """Corner plot: weighted marginals on the diagonal (prior range as the x axis), particle
    pairs below it."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import NullFormatter

    names = list(pb.priors)
    n = len(names)
    fig, axes = plt.subplots(n, n, figsize=(2.4 * n + 1, 2.4 * n + 1), squeeze=False)
    w = post["weight"].to_numpy()
    for i, a in enumerate(names):
        for j, b in enumerate(names):
            ax = axes[i][j]
            if j > i:
                ax.axis("off")
                continue
            pa, pb_ = pb.priors[a], pb.priors[b]
            if i == j:
                bins = np.geomspace(pa.low, pa.high, 21) if pa.scale == "log" else np.linspace(pa.low, pa.high, 21)
                ax.hist(post[a], bins=bins, weights=w, color="#3b6ea5")
                ax.set_yticks([])
            else:
                ax.scatter(post[b], post[a], s=8, c=w, cmap="viridis", alpha=0.8)
                ax.set_ylim(pa.low, pa.high)
                if pa.scale == "log":
                    ax.set_yscale("log")
                    ax.yaxis.set_minor_formatter(NullFormatter())
            ax.set_xlim(pb_.low, pb_.high)
            if pb_.scale == "log":
                ax.set_xscale("log")
                ax.xaxis.set_minor_formatter(NullFormatter())
            if i == n - 1:
                ax.set_xlabel(b, fontsize=8)
            if j == 0 and i != j:
                ax.set_ylabel(a, fontsize=8)
            ax.tick_params(labelsize=7)
    fig.suptitle("posterior (last ABC-SMC generation); x axes span the prior", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def calibrated_scenario(path: str | Path, pb: Problem, table: pd.DataFrame, epsilon: float, t: int) -> str:
    """The scenario file with each uncertain parameter set to its posterior median (the
    priors stay, so it can be refitted); a header says where the values came from."""
    raw = read_raw(path)
    values = dict(zip(table["parameter"], table["median"], strict=True))
    body = apply_overrides(
        raw, pb.overrides({k: (round(v) if pb.priors[k].integer else v) for k, v in values.items()}), str(path)
    )
    scenario_from_dict(body, str(path))  # still valid
    head = [
        f"# Calibrated from {path} by `gridsim calibrate` (ABC-SMC, pyabc):",
        f"# generation {t}, epsilon {epsilon:.3g} (largest target miss in tolerances),",
        "# fitted targets: " + ", ".join(tt.name for tt in pb.targets) + ".",
    ]
    if pb.days is not None:  # a shortened horizon (--days): say so, as the file keeps the scenario's days
        head.append(f"# Each simulation ran {pb.days} days (--days {pb.days}); days: below is the scenario's own.")
    if pb.fixed:  # e.g. a sample of the streets: the file below is the scenario itself, without them
        head.append("# Each simulation ran with " + " ".join(f"--set {f}" for f in pb.fixed) + "; not applied below.")
    head.append("# Each uncertain parameter is set to its posterior median:")
    head += [f"#   {k} = {v:.6g}" for k, v in values.items()]
    return "\n".join(head) + "\n" + yaml.safe_dump(body, sort_keys=False, allow_unicode=True)
