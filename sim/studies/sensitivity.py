"""Global sensitivity analysis (敏感性分析) with SALib: which uncertain inputs drive a KPI.

Morris elementary effects screen many parameters cheaply (μ* — the mean absolute effect
of moving one parameter — with a bootstrap confidence interval; σ — how much that effect
depends on the others). Sobol indices then apportion the variance among the survivors
(S1: alone; ST: with all interactions), again with confidence intervals. Every sample
point is one run through the experiment runner — parallel, distributable, resumable — and
all points share the seed (common random numbers), so the indices measure the parameters,
not the noise between seeds.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import ValidationError

from sim.scenario.loading import ScenarioError, _format_error, load_scenario, read_raw
from sim.scenario.schema import Prior


def parse_params(items: list[str], scenario: str | Path) -> dict[str, Prior]:
    """``name=low:high[:log]`` (integer when both bounds are integers), or ``name`` alone
    for a parameter the scenario marks ``uncertain:`` (its prior range is used)."""
    uncertain = load_scenario(scenario).uncertain
    out = {}
    for item in items:
        name, _, spec = item.partition("=")
        name = name.strip()
        if not spec:
            if name not in uncertain:
                raise ScenarioError(
                    f"--params {name}: give a range (name=low:high) or mark it uncertain in {scenario} "
                    f"(uncertain there: {', '.join(uncertain) or 'none'})"
                )
            out[name] = uncertain[name]
            continue
        parts = spec.split(":")
        if len(parts) not in (2, 3) or (len(parts) == 3 and parts[2] != "log"):
            raise ScenarioError(f"--params {item!r}: expected name=low:high or name=low:high:log")
        try:
            low, high = float(parts[0]), float(parts[1])
        except ValueError:
            raise ScenarioError(f"--params {item!r}: bounds must be numbers") from None
        integer = all(p.strip().lstrip("-").isdigit() for p in parts[:2])
        try:
            out[name] = Prior(low=low, high=high, scale="log" if len(parts) == 3 else "linear", integer=integer)
        except ValidationError as err:
            raise ScenarioError(_format_error(f"--params {item!r}", err).replace(": (top level)", "")) from None
    if len(out) < 2:
        raise ScenarioError("--params: at least two parameters are needed")
    return out


def _problem(priors: dict[str, Prior]) -> dict:
    """SALib's problem; a log-scale parameter is sampled uniformly in its logarithm."""
    bounds = [[np.log(p.low), np.log(p.high)] if p.scale == "log" else [p.low, p.high] for p in priors.values()]
    return {"num_vars": len(priors), "names": list(priors), "bounds": bounds}


def _points(x: np.ndarray, priors: dict[str, Prior]) -> list[dict]:
    out = []
    for row in x:
        point = {}
        for v, (name, p) in zip(row, priors.items(), strict=True):
            v = float(np.exp(v)) if p.scale == "log" else float(v)
            point[name] = int(round(v)) if p.integer else round(v, 12)
        out.append(point)
    return out


def _run(
    scenario: Path,
    priors: dict[str, Prior],
    x: np.ndarray,
    kpis: list[str],
    out: Path,
    name: str,
    days: int | None,
    seed: int,
    reps: int,
    workers: int,
    scheduler: str | None,
    progress: bool,
) -> np.ndarray:
    """Simulate every sample point (``reps`` seeds each, averaged); Y has one column per KPI."""
    from sim.studies.experiment import experiment_from
    from sim.studies.sweep import load_results, sweep

    data = {
        "name": name,
        "description": f"SALib {name} design: {len(x)} points, fixed seed(s) from {seed}",
        "scenario": str(scenario),
        "seed": seed,
        "uncertainties": {
            k: p.model_dump(exclude_defaults=True) | {"low": p.low, "high": p.high} for k, p in priors.items()
        },
        "samples": len(x),
        "replications": reps,
        "kpis": kpis,
    }
    if days:
        data["days"] = days
    exp = experiment_from(data, out / "experiment_design.yaml")
    exp.samples = _points(x, priors)  # SALib's design replaces the Latin hypercube
    manifest = sweep(exp, out, workers, scheduler, progress=progress, log=lambda *_: None)
    bad = manifest[manifest["status"] != "done"]
    if len(bad):
        raise ScenarioError(
            f"{scenario}: {len(bad)} sensitivity run(s) failed, first: {bad['error'].iloc[0]} "
            f"(errors in {out}/errors/; run the same command to retry)"
        )
    res = load_results(out).groupby("sample")[kpis].mean().sort_index()
    return res.to_numpy(float)


def morris(
    scenario,
    priors,
    kpis,
    out,
    trajectories=10,
    levels=4,
    days=None,
    seed=None,
    reps=1,
    workers=1,
    scheduler=None,
    progress=False,
) -> pd.DataFrame:
    """Morris screening: μ*, its 95 % interval, μ and σ per parameter and KPI."""
    from SALib.analyze import morris as analyze
    from SALib.sample import morris as sample

    scenario = Path(scenario).resolve()
    seed = load_scenario(scenario).seed if seed is None else seed
    problem = _problem(priors)
    x = sample.sample(problem, N=trajectories, num_levels=levels, seed=seed)
    y = _run(scenario, priors, x, kpis, Path(out), "morris", days, seed, reps, workers, scheduler, progress)
    rows = []
    for j, k in enumerate(kpis):
        si = analyze.analyze(problem, x, y[:, j], conf_level=0.95, num_levels=levels, seed=seed)
        for i, p in enumerate(problem["names"]):
            rows.append(
                {
                    "kpi": k,
                    "parameter": p,
                    "mu_star": si["mu_star"][i],
                    "mu_star_conf": si["mu_star_conf"][i],
                    "mu": si["mu"][i],
                    "sigma": si["sigma"][i],
                    "runs": len(x) * reps,
                }
            )
    return pd.DataFrame(rows)


def survivors(screen: pd.DataFrame, threshold: float) -> list[str]:
    """Parameters whose μ* reaches ``threshold`` × the largest μ* for at least one KPI."""
    keep = set()
    for _, g in screen.groupby("kpi"):
        top = g["mu_star"].max()
        if top > 0:
            keep |= set(g.loc[g["mu_star"] >= threshold * top, "parameter"])
    return [p for p in dict.fromkeys(screen["parameter"]) if p in keep]


def sobol(
    scenario, priors, kpis, out, n=64, days=None, seed=None, reps=1, workers=1, scheduler=None, progress=False
) -> pd.DataFrame:
    """Sobol first-order and total indices with 95 % intervals (Saltelli sampling)."""
    from SALib.analyze import sobol as analyze
    from SALib.sample import sobol as sample

    if n & (n - 1):
        raise ScenarioError(f"--n {n}: Sobol sampling needs a power of two")
    scenario = Path(scenario).resolve()
    seed = load_scenario(scenario).seed if seed is None else seed
    problem = _problem(priors)
    x = sample.sample(problem, N=n, calc_second_order=False, seed=seed)
    y = _run(scenario, priors, x, kpis, Path(out), "sobol", days, seed, reps, workers, scheduler, progress)
    rows = []
    for j, k in enumerate(kpis):
        si = analyze.analyze(problem, y[:, j], calc_second_order=False, conf_level=0.95, seed=seed)
        for i, p in enumerate(problem["names"]):
            rows.append(
                {
                    "kpi": k,
                    "parameter": p,
                    "S1": si["S1"][i],
                    "S1_conf": si["S1_conf"][i],
                    "ST": si["ST"][i],
                    "ST_conf": si["ST_conf"][i],
                    "runs": len(x) * reps,
                }
            )
    return pd.DataFrame(rows)


def plot(table: pd.DataFrame, method: str, path: Path) -> None:
    """Bars with 95 % intervals: μ* per parameter (Morris) or S1 and ST (Sobol), a panel
    per KPI."""
    import matplotlib
    import matplotlib.ticker

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    kpis = list(dict.fromkeys(table["kpi"]))
    fig, axes = plt.subplots(
        1, len(kpis), figsize=(4.6 * len(kpis), 0.8 + 0.5 * table["parameter"].nunique()), squeeze=False
    )
    for ax, k in zip(axes[0], kpis, strict=True):
        g = table[table["kpi"] == k].iloc[::-1]
        y = np.arange(len(g))
        if method == "morris":
            ax.barh(y, g["mu_star"], xerr=g["mu_star_conf"], color="#1f77b4", capsize=3, label="μ*")
            ax.scatter(g["sigma"], y, color="#d1495b", zorder=3, marker="D", s=18, label="σ (interactions)")
            ax.set_xlabel("mean |elementary effect| over the range", fontsize=8)
        else:
            ax.barh(y + 0.2, g["S1"], height=0.4, xerr=g["S1_conf"], color="#1f77b4", capsize=3, label="S1 (alone)")
            ax.barh(
                y - 0.2,
                g["ST"],
                height=0.4,
                xerr=g["ST_conf"],
                color="#f2b134",
                capsize=3,
                label="ST (with interactions)",
            )
            ax.axvline(0, color="black", lw=0.6)
            ax.set_xlabel("share of the KPI's variance", fontsize=8)
        ax.set_yticks(y, g["parameter"], fontsize=8)
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(4))
        ax.ticklabel_format(axis="x", style="sci", scilimits=(-2, 4), useMathText=True)
        ax.set_title(k, fontsize=10)
        ax.tick_params(axis="x", labelsize=8)
    axes[0][0].legend(fontsize=7, loc="lower right")
    what = "Morris screening: μ* with 95 % interval" if method == "morris" else "Sobol indices with 95 % intervals"
    fig.suptitle(what, fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def check_kpis(scenario, kpis: list[str]) -> None:
    """KPIs must be numbers of a run summary (a one-day run tells which exist)."""
    from sim.studies.sweep import execute

    raw = read_raw(scenario)
    res = execute(({k: v for k, v in raw.items() if k != "uncertain"}, str(scenario), (), 1, 1, 0))
    if "error" in res:
        raise ScenarioError(f"{scenario}: the scenario fails to run: {res['error']}")
    for k in kpis:
        if k not in res["summary"]:
            raise ScenarioError(
                f"--kpi {k!r}: not a number in a run summary (e.g. closure_rate, wait_hours_mean, "
                "satisfaction, resolution_hours_p90, resolved_at_level.grid)"
            )
