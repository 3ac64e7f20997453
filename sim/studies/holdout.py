"""The check on held-out data: simulate the part of a case log that the fit did not see, with the
fitted scenario (replications on common seeds 0 … R−1), and compare the log with the simulations —
cases per grid (and their dispersion), per category, hour of day and weekday, channel shares,
resolution-time quantiles per category with the KS distance, and the share closed within 1, 7 and
30 days — each with a stated tolerance. ``fit_report.html`` shows the same with plots and, where the
grids have outlines, a map of observed and simulated demand.
"""

from __future__ import annotations

import base64
import html
import io
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from sim.ingest.fitting import Fit
from sim.output import maps
from sim.output.runner import run_scenario
from sim.output.tables import incidents_table
from sim.scenario.schema import Scenario
from sim.world.district import build_world

TOLERANCE = {"count": 0.15, "share": 0.05, "closed": 0.10, "quantile": 1.5, "ks": 0.25, "dispersion": 1.5, "rank": 0.5}
"""Tolerances: counts within the simulated 95 % interval (spread of runs and Poisson noise of one
observed period) widened by 15 %; shares and closure shares within it ± 5 / 10 points; resolution
quantiles within a factor 1.5; KS distance ≤ 0.25; grid dispersion within a factor 1.5; rank
correlation of cases per grid ≥ 0.5."""

TAIL_DAYS = 30
"""Days simulated past the held-out period so that its cases can close (closure within 30 days)."""

MIN_CASES = 20
"""Categories with fewer held-out cases get no resolution-time rows."""

HOUR_BLOCKS = [(0, 6), (6, 10), (10, 14), (14, 18), (18, 24)]


@dataclass
class Window:
    """The held-out period in model hours: the model starts on the Monday a week before it."""

    origin: pd.Timestamp
    h0: float
    h1: float

    @classmethod
    def of(cls, split: pd.Timestamp, end: pd.Timestamp) -> Window:
        """Align ``[split, end]`` to model time (hour 0 = Monday 00:00, at least a week of warm-up)."""
        monday = (split - pd.Timedelta(days=7)).normalize()
        origin = monday - pd.Timedelta(days=monday.weekday())
        hours = pd.Timedelta(hours=1)
        return cls(origin, (split - origin) / hours, (end - origin) / hours)

    @property
    def days(self) -> int:
        """Days to simulate: to the end of the window and its closure tail."""
        return math.ceil(self.h1 / 24.0) + TAIL_DAYS


def _frame_obs(test: pd.DataFrame, w: Window) -> pd.DataFrame:
    h = pd.Timedelta(hours=1)
    out = pd.DataFrame(
        {
            "t": (test["created"] - w.origin) / h,
            "closed": (test["closed"] - w.origin) / h if "closed" in test else np.nan,
            "category": test["category"].astype(str),
            "grid": test["grid"].to_numpy(),
            "channel": test["channel"] if "channel" in test else pd.NA,
        }
    )
    return out


def _frame_sim(inc: pd.DataFrame, w: Window) -> pd.DataFrame:
    s = inc[(inc["t_surfaced"] >= w.h0) & (inc["t_surfaced"] < w.h1)]
    return pd.DataFrame(
        {
            "t": s["t_surfaced"].to_numpy(),
            "closed": s["t_resolved"].to_numpy(),  # a platform closes (办结) when handled; feedback follows
            "category": s["category"].astype(str).to_numpy(),
            "grid": s["grid"].to_numpy(),
            "channel": s["channel"].astype(str).to_numpy(),
        }
    )


def measures(f: pd.DataFrame, n_grids: int, categories: list[str], channels: bool) -> dict[str, float]:
    """Every compared quantity of one period's cases (observed or one simulation)."""
    m: dict[str, float] = {"cases": float(len(f))}
    per_grid = np.bincount(f["grid"], minlength=n_grids).astype(float)
    m["grid dispersion (var/mean)"] = float(per_grid.var(ddof=1) / per_grid.mean()) if per_grid.mean() > 0 else 0.0
    for c in categories:
        m[f"cases {c}"] = float((f["category"] == c).sum())
    hod = (f["t"] % 24.0).to_numpy()
    for a, b in HOUR_BLOCKS:
        m[f"share {a:02d}–{b:02d} h"] = float(((hod >= a) & (hod < b)).mean()) if len(f) else 0.0
    wd = (f["t"] // 24 % 7).astype(int).to_numpy()
    for d, name in enumerate(("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")):
        m[f"cases {name}"] = float((wd == d).sum())
    if channels:
        ch = f["channel"].dropna().astype(str)
        ch = ch[ch.isin(["hotline", "report", "patrol"])]
        for c in ("hotline", "report", "patrol"):
            m[f"channel share {c}"] = float((ch == c).mean()) if len(ch) else 0.0
    dur = (f["closed"] - f["t"]).to_numpy()
    for d in (1, 7, 30):
        m[f"closed within {d} d"] = float(np.mean(np.nan_to_num(dur, nan=np.inf) <= 24 * d)) if len(f) else 0.0
    return m


@dataclass
class Row:
    """One compared quantity: observed, simulated mean and 95 % interval, tolerance, verdict."""

    quantity: str
    observed: float
    mean: float
    lo: float
    hi: float
    tolerance: str
    passed: bool


def _row(name: str, obs: float, sims: list[float]) -> Row:
    x = np.array(sims, dtype=float)
    mean, sd = float(x.mean()), float(x.std(ddof=1)) if len(x) > 1 else 0.0
    if name.startswith("cases"):
        half = 1.96 * math.sqrt(sd**2 + max(mean, 1.0))
        lo, hi = mean - half, mean + half
        ok = abs(obs - mean) <= half + TOLERANCE["count"] * mean
        tol = f"95 % ± {TOLERANCE['count']:.0%}"
    elif name.startswith("grid dispersion"):
        lo, hi = mean - 1.96 * sd, mean + 1.96 * sd
        ok = mean > 0 and 1 / TOLERANCE["dispersion"] <= obs / mean <= TOLERANCE["dispersion"]
        tol = f"× {TOLERANCE['dispersion']}"
    else:
        t = TOLERANCE["closed" if name.startswith("closed") else "share"]
        lo, hi = mean - 1.96 * sd, mean + 1.96 * sd
        ok = abs(obs - mean) <= 1.96 * sd + t
        tol = f"95 % ± {t:.2f}"
    return Row(name, float(obs), mean, lo, hi, tol, bool(ok))


@dataclass
class Check:
    """The held-out check's result: the rows, the frames behind them, the scenario simulated."""

    rows: list[Row]
    observed: pd.DataFrame
    simulated: list[pd.DataFrame]
    window: Window
    n_grids: int

    @property
    def passed(self) -> bool:
        """Whether every row is within tolerance."""
        return all(r.passed for r in self.rows)


def holdout_check(fit: Fit, config: Scenario, reps: int = 5) -> Check:
    """Simulate the held-out period ``reps`` times (seeds 0 … reps−1) and compare with the log."""
    w = Window.of(fit.split, fit.end)
    n_grids = sum(c.grids for c in config.world.communities or [])
    obs = _frame_obs(fit.test, w)
    sims = []
    for seed in range(reps):
        model = run_scenario(config, seed=seed, days=w.days, transitions=False)
        sims.append(_frame_sim(incidents_table(model), w))
    cats = [
        c for c in config.categories if (obs["category"] == c).any() or any((s["category"] == c).any() for s in sims)
    ]
    channels = obs["channel"].notna().any()
    m_obs = measures(obs, n_grids, cats, channels)
    m_sim = [measures(s, n_grids, cats, channels) for s in sims]
    rows = [
        _row(k, v, [m[k] for m in m_sim])
        for k, v in m_obs.items()
        if not (
            k.startswith("cases ")
            and k[6:] in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
            and v == 0
            and max(m[k] for m in m_sim) == 0
        )
    ]
    grid_obs = np.bincount(obs["grid"], minlength=n_grids)
    grid_sim = np.mean([np.bincount(s["grid"], minlength=n_grids) for s in sims], axis=0)
    rho = float(stats.spearmanr(grid_obs, grid_sim).statistic) if n_grids > 2 else 1.0
    rows.insert(
        2,
        Row(  # the statistic in the observed column, its ideal beside it (as for the KS distance)
            "cases per grid: rank correlation obs ~ sim",
            rho,
            1.0,
            1.0,
            1.0,
            f"≥ {TOLERANCE['rank']}",
            bool(rho >= TOLERANCE["rank"]),
        ),
    )
    rows += _resolution_rows(obs, sims, cats)
    return Check(rows, obs, sims, w, n_grids)


def _resolution_rows(obs: pd.DataFrame, sims: list[pd.DataFrame], cats: list[str]) -> list[Row]:
    rows = []
    q = TOLERANCE["quantile"]
    for c in cats:
        o = (obs["closed"] - obs["t"])[obs["category"] == c].dropna().to_numpy()
        if len(o) < MIN_CASES:
            continue
        per = [(s["closed"] - s["t"])[s["category"] == c].dropna().to_numpy() for s in sims]
        pooled = np.concatenate(per) if per else np.array([])
        if len(pooled) < MIN_CASES:
            rows.append(
                Row(f"resolution p50 {c} (h)", float(np.median(o)), math.nan, math.nan, math.nan, f"× {q}", False)
            )
            continue
        for p in (50, 90):
            sims_q = [float(np.percentile(x, p)) for x in per if len(x)]
            x = np.array(sims_q)
            mean = float(x.mean())
            obs_q = float(np.percentile(o, p))
            lo, hi = float(np.percentile(x, 2.5)), float(np.percentile(x, 97.5))
            ok = mean > 0 and obs_q > 0 and abs(math.log(obs_q / mean)) <= math.log(q)
            rows.append(Row(f"resolution p{p} {c} (h)", obs_q, mean, lo, hi, f"× {q}", bool(ok)))
        ks = float(stats.ks_2samp(o, pooled).statistic)
        rows.append(
            Row(f"resolution KS distance {c}", ks, 0.0, 0.0, 0.0, f"≤ {TOLERANCE['ks']}", ks <= TOLERANCE["ks"])
        )
    return rows


def print_rows(check: Check) -> None:
    """The check's one table: observed, simulated mean [95 % interval], tolerance, pass / FAIL."""
    w = max(len(r.quantity) for r in check.rows)
    print(f"{'quantity':<{w}}  {'observed':>10}  {'simulated mean [95 % interval]':>34}  {'tolerance':>11}  verdict")
    for r in check.rows:
        sim = f"{r.mean:10.4g} [{r.lo:9.4g}, {r.hi:9.4g}]"
        print(f"{r.quantity:<{w}}  {r.observed:>10.4g}  {sim:>34}  {r.tolerance:>11}  {'pass' if r.passed else 'FAIL'}")
    n_ok = sum(r.passed for r in check.rows)
    print(f"\n{n_ok}/{len(check.rows)} within tolerance")


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def _figures(check: Check, config: Scenario) -> list[tuple[str, str]]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figs = []
    rows = {r.quantity: r for r in check.rows}
    for title, prefix in (
        ("Cases per category", "cases "),
        ("Share by hour of day", "share "),
        ("Channel shares", "channel share "),
        ("Closed within", "closed within "),
    ):
        sel = [r for q, r in rows.items() if q.startswith(prefix) and not q.startswith("cases per grid")]
        if prefix == "cases ":
            sel = [r for r in sel if r.quantity[6:] not in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")]
        if not sel:
            continue
        fig, ax = plt.subplots(figsize=(7, 3))
        x = np.arange(len(sel))
        ax.bar(x - 0.2, [r.observed for r in sel], 0.4, label="observed (held out)")
        ax.bar(
            x + 0.2,
            [r.mean for r in sel],
            0.4,
            yerr=[[r.mean - r.lo for r in sel], [r.hi - r.mean for r in sel]],
            label="simulated mean, 95 %",
        )
        ax.set_xticks(x, [r.quantity[len(prefix) :] for r in sel], rotation=30, ha="right", fontsize=8)
        ax.set_title(title, fontsize=10)
        ax.legend(fontsize=8)
        figs.append((title, _png(fig)))
    cats = [c for c in config.categories if (check.observed["category"] == c).sum() >= MIN_CASES][:6]
    if cats and check.observed["closed"].notna().any():
        fig, axes = plt.subplots(1, len(cats), figsize=(3 * len(cats), 2.8), squeeze=False)
        for ax, c in zip(axes[0], cats, strict=False):
            o = (check.observed["closed"] - check.observed["t"])[check.observed["category"] == c].dropna()
            s = pd.concat([(x["closed"] - x["t"])[x["category"] == c] for x in check.simulated]).dropna()
            for data, lab in ((o, "observed"), (s, "simulated")):
                if len(data):
                    v = np.sort(data.to_numpy())
                    ax.step(v, np.arange(1, len(v) + 1) / len(v), label=lab)
            ax.set_xscale("symlog")
            ax.set_title(c, fontsize=9)
            ax.set_xlabel("hours to close", fontsize=8)
        axes[0][0].legend(fontsize=7)
        fig.suptitle("Resolution time, cumulative share", fontsize=10)
        figs.append(("Resolution times", _png(fig)))
    world = build_world(config)  # grids in the world's order (communities grouped by street)
    if maps.has_map(world):
        obs = np.bincount(check.observed["grid"], minlength=check.n_grids)
        sim = np.mean([np.bincount(s["grid"], minlength=check.n_grids) for s in check.simulated], axis=0)
        fig = maps.choropleth(
            world.grid_outlines, [("observed cases (held out)", obs), ("simulated cases (mean)", sim)]
        )
        figs.append(("Map: demand per grid", _png(fig)))
    return figs


def write_report(check: Check, config: Scenario, path, title: str) -> None:
    """``fit_report.html``: the table (pass / fail) and the plots, observed beside simulated."""
    rows = "".join(
        f"<tr class={'ok' if r.passed else 'bad'}><td>{html.escape(r.quantity)}</td><td>{r.observed:.4g}</td>"
        f"<td>{r.mean:.4g}</td><td>[{r.lo:.4g}, {r.hi:.4g}]</td><td>{html.escape(r.tolerance)}</td>"
        f"<td>{'pass' if r.passed else 'FAIL'}</td></tr>"
        for r in check.rows
    )
    figs = "".join(
        f"<h2>{html.escape(t)}</h2><img src='data:image/png;base64,{b}'>" for t, b in _figures(check, config)
    )
    n_ok = sum(r.passed for r in check.rows)
    page = f"""<!doctype html><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;max-width:1100px;margin:auto}} td,th{{padding:2px 8px;text-align:right}}
td:first-child{{text-align:left}} tr.bad{{background:#fdd}} tr.ok{{background:#efe}}</style>
<h1>{html.escape(title)} — held-out check 留出数据检验</h1>
<p>{n_ok}/{len(check.rows)} quantities within tolerance; {len(check.simulated)} simulations on seeds
0…{len(check.simulated) - 1}; held-out period from hour {check.window.h0:.1f} to {check.window.h1:.1f} after
{check.window.origin:%Y-%m-%d} (a Monday).</p>
<table><tr><th>quantity</th><th>observed</th><th>simulated mean</th><th>95 % interval</th><th>tolerance</th>
<th></th></tr>
{rows}</table>{figs}"""
    from pathlib import Path

    Path(path).write_text(page, encoding="utf-8")
