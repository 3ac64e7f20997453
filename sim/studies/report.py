"""The report of a sweep (实验报告): one self-contained HTML page a decision-maker can read.

KPI table per policy; paired differences against the reference policy (forest plot: the
dot is the mean difference over runs with the same seed, the bar its 95 % interval);
distributions across replications; daily backlog and satisfaction; where cases were
resolved (grid → community → street → department); and for scoring experiments each
worker's score against the true value of their work, by community type. Figures are
also written as PNG files beside the page.
"""

from __future__ import annotations

import base64
import html
import io
import json
import math
from pathlib import Path

import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from sim.output.runner import _atomic_write  # noqa: E402
from sim.scenario.loading import ScenarioError  # noqa: E402
from sim.studies.comparison import paired_differences, policy_means  # noqa: E402
from sim.studies.sweep import load_results  # noqa: E402

# label (figures carry no CJK font: Chinese names go in the HTML only), which direction is
# better (+1 higher, -1 lower, 0 neither), number format
KPI_INFO: dict[str, tuple[str, int, str]] = {
    "closure_rate": ("closure rate", +1, "{:.3f}"),
    "satisfaction": ("resident satisfaction", +1, "{:.3f}"),
    "resolution_hours_p50": ("resolution time, median (h)", -1, "{:.1f}"),
    "resolution_hours_p90": ("resolution time, 90th percentile (h)", -1, "{:.1f}"),
    "response_hours_p50": ("response time, median (h)", -1, "{:.2f}"),
    "response_hours_p90": ("response time, 90th percentile (h)", -1, "{:.1f}"),
    "wait_hours_mean": ("wait before handling, mean (h)", -1, "{:.2f}"),
    "escalation_rate": ("escalation rate", 0, "{:.3f}"),
    "reopen_rate": ("reopen rate", -1, "{:.3f}"),
    "latent_share": ("share never surfaced", -1, "{:.3f}"),
    "worker_utilization": ("worker utilisation", 0, "{:.3f}"),
    "worker_overtime_hours_mean": ("overtime per worker (h/yr)", -1, "{:.1f}"),
    "vacancy_days": ("vacant post-days", -1, "{:.0f}"),
    "absence_days": ("absence days", -1, "{:.0f}"),
    "attrition_count": ("workers who left", -1, "{:.1f}"),
    "score_validity": ("score validity (rank corr. score ~ true value)", +1, "{:.3f}"),
    "score_validity_within_type": ("score validity within a community type", +1, "{:.3f}"),
    "latent_harm_days": ("harm-days while latent (severity-weighted)", -1, "{:.0f}"),
    "open_harm_days": ("harm-days while open (severity-weighted)", -1, "{:.0f}"),
    "cost_person_years": ("cost (person-years)", -1, "{:.1f}"),
    "incidents_created": ("incidents", 0, "{:.0f}"),
    "incidents_closed": ("incidents closed", 0, "{:.0f}"),
}
CHINESE = {
    "closure_rate": "办结率",
    "satisfaction": "满意率",
    "escalation_rate": "上报率",
    "attrition_count": "流失",
    "score_validity": "考核效度",
    "reopen_rate": "重办率",
    "vacancy_days": "空岗天数",
    "worker_overtime_hours_mean": "加班",
}
LEVEL_COLOURS = ["#4c9a2a", "#f2b134", "#e4572e", "#6c4f9e", "#888888"]
TYPE_COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]


def label(kpi: str) -> str:
    """A KPI's readable name for tables and plots."""
    if kpi.startswith("resolved_at_level."):
        return f"share resolved at {kpi.split('.', 1)[1]} level"
    return KPI_INFO.get(kpi, (kpi, 0, ""))[0]


def better(kpi: str) -> int:
    """Which way a KPI is better: +1 higher, -1 lower, 0 neither."""
    if kpi == "resolved_at_level.grid":
        return +1  # "small matters stay in the grid" (小事不出格)
    return KPI_INFO.get(kpi, (kpi, 0, ""))[1]


def fmt(kpi: str, v: float) -> str:
    """A KPI's value formatted for the report (an en dash for missing)."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    f = KPI_INFO.get(kpi, (kpi, 0, "{:.4g}"))[2]
    return f.format(v)


BEHAVIOUR = "scoring.workers_respond"
"""The lever whose values split a scoring experiment into 'behaviour on' and 'behaviour off'."""


def stratified_differences(
    results: pd.DataFrame, kpis: list[str], settings: dict[str, dict], reference: str, key: str = BEHAVIOUR
) -> pd.DataFrame:
    """Paired differences within each value of lever ``key``: every policy against the policy
    that sets ``key`` alike and everything else as ``reference`` does (so scheme effects with
    workers responding and with workers ignoring their scores are read side by side). Empty when
    ``key`` is not a lever."""
    if key not in settings.get(reference, {}):
        return pd.DataFrame()
    base = {k: v for k, v in settings[reference].items() if k != key}
    parts = []
    for value in dict.fromkeys(json.dumps(s.get(key)) for s in settings.values()):
        stratum = [p for p, s in settings.items() if json.dumps(s.get(key)) == value and p in set(results["policy"])]
        ref = [p for p in stratum if {k: v for k, v in settings[p].items() if k != key} == base]
        if ref and len(stratum) > 1:
            d = paired_differences(results, kpis, ref[0], stratum)
            parts.append(d.assign(stratum=f"{key.rsplit('.', 1)[-1]} = {value}"))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def _verdict(kpi: str, diff: float, lo: float, hi: float) -> str:
    sig = lo > 0 or hi < 0
    if sig and better(kpi):
        return "better" if (diff > 0) == (better(kpi) > 0) else "worse"
    if sig:
        return "higher" if diff > 0 else "lower"
    return "no clear difference"


# ------------------------------------------------------------------ figures


def _panels(n: int, width: float = 4.2, height: float = 2.6, cols: int = 3):
    cols = max(1, min(cols, n))
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(width * cols, height * rows), squeeze=False)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    return fig, list(axes.flat[:n])


def forest_plot(diffs: pd.DataFrame, kpis: list[str], reference: str):
    """One panel per KPI: policy − reference, mean and 95 % interval of the paired
    differences; green where the whole interval is on the better side, red on the worse."""
    kpis = [k for k in kpis if k in set(diffs["kpi"])]
    fig, axes = _panels(len(kpis), height=0.9 + 0.45 * diffs["policy"].nunique())
    for ax, k in zip(axes, kpis, strict=True):
        d = diffs[diffs["kpi"] == k].iloc[::-1]
        y = np.arange(len(d))
        colours = []
        for lo, hi in zip(d["lo"], d["hi"], strict=True):
            sign = 1 if lo > 0 else (-1 if hi < 0 else 0)
            good = sign * better(k)
            colours.append("#2a9d4b" if good > 0 else ("#d1495b" if good < 0 else "#666666"))
        ax.hlines(y, d["lo"], d["hi"], colors=colours, lw=2.5)
        ax.scatter(d["diff"], y, c=colours, zorder=3, s=30)
        ax.axvline(0, color="black", lw=0.8)
        ax.set_yticks(y, d["policy"], fontsize=8)
        b = better(k)
        hint = "  (better →)" if b > 0 else ("  (← better)" if b < 0 else "")
        ax.set_title(label(k), fontsize=9)
        ax.set_xlabel(f"difference vs {reference}{hint}", fontsize=8)
        ax.tick_params(axis="x", labelsize=8)
        span = max(abs(d["lo"]).max(), abs(d["hi"]).max(), 1e-12)
        ax.set_xlim(-1.15 * span, 1.15 * span)
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(5, symmetric=True))
        ax.ticklabel_format(axis="x", style="sci", scilimits=(-2, 4), useMathText=True)
    fig.suptitle("Paired differences from the reference policy (same seeds): mean and 95 % interval", fontsize=10)
    fig.tight_layout()
    return fig


def distributions_plot(results: pd.DataFrame, kpis: list[str], policies: list[str]):
    """One panel per KPI: every run as a dot, a box per policy."""
    fig, axes = _panels(len(kpis), height=0.9 + 0.4 * len(policies))
    rng = np.random.default_rng(0)  # jitter only
    for ax, k in zip(axes, kpis, strict=True):
        data = [results.loc[results["policy"] == p, k].dropna().to_numpy() for p in policies]
        pos = np.arange(len(policies))[::-1]
        ax.boxplot(
            data,
            positions=pos,
            orientation="horizontal",
            widths=0.5,
            showfliers=False,
            medianprops={"color": "black"},
            boxprops={"color": "#999999"},
            whiskerprops={"color": "#999999"},
        )
        for y, x in zip(pos, data, strict=True):
            ax.scatter(x, y + rng.uniform(-0.15, 0.15, len(x)), s=12, alpha=0.7, color="#1f77b4", zorder=3)
        ax.set_yticks(pos, policies, fontsize=8)
        ax.set_title(label(k), fontsize=9)
        ax.tick_params(axis="x", labelsize=8)
    fig.suptitle("Distribution across replications (each dot one run)", fontsize=10)
    fig.tight_layout()
    return fig


def series_plot(daily: pd.DataFrame, policies: list[str]):
    """Backlog and satisfaction per day: mean over runs and the range of the middle 90 %."""
    specs = [
        ("backlog", "open cases at end of day (backlog), 7-day mean", 7),
        ("satisfied_share", "share of feedback satisfied, 14-day mean", 14),
        ("satisfaction", "residents' mean satisfaction (trust state)", 1),
    ]
    specs = [s for s in specs if s[0] in daily]
    fig, axes = plt.subplots(1, len(specs), figsize=(5.6 * len(specs), 3.4), squeeze=False)
    axes = list(axes.flat)
    for ax, (col, title, window) in zip(axes, specs, strict=True):
        for i, p in enumerate(policies):
            part = daily[daily["policy"] == p]
            wide = part.pivot_table(index="day", columns="key", values=col)
            if window > 1:
                wide = wide.rolling(window, min_periods=max(1, window // 2)).mean()
            colour = TYPE_COLOURS[i % len(TYPE_COLOURS)]
            ax.plot(wide.index, wide.mean(axis=1), color=colour, lw=1.4, label=p)
            if wide.shape[1] > 1:
                ax.fill_between(
                    wide.index, wide.quantile(0.05, axis=1), wide.quantile(0.95, axis=1), color=colour, alpha=0.15, lw=0
                )
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("day", fontsize=9)
        ax.tick_params(labelsize=8)
    axes[0].legend(fontsize=8, loc="best")
    fig.suptitle("Daily series: mean over runs, band = middle 90 % of runs", fontsize=10)
    fig.tight_layout()
    return fig


def funnel_plot(results: pd.DataFrame, policies: list[str]):
    """Share of resolved cases settled at each level, per policy (mean over runs)."""
    cols = [c for c in results.columns if c.startswith("resolved_at_level.")]
    if not cols:
        return None
    shares = results.groupby("policy", sort=False)[cols].mean().reindex(policies)
    fig, ax = plt.subplots(figsize=(10, 0.9 + 0.5 * len(policies)))
    left = np.zeros(len(policies))
    y = np.arange(len(policies))[::-1]
    for i, c in enumerate(cols):
        v = shares[c].to_numpy()
        ax.barh(y, v, left=left, color=LEVEL_COLOURS[i % len(LEVEL_COLOURS)], label=c.split(".", 1)[1])
        for yy, ll, vv in zip(y, left, v, strict=True):
            if vv > 0.04:
                ax.text(ll + vv / 2, yy, f"{vv:.0%}", ha="center", va="center", fontsize=8, color="white")
        left += v
    ax.set_yticks(y, policies, fontsize=8)
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of resolved cases", fontsize=9)
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False, title="level", title_fontsize=8)
    ax.set_title("Where cases were resolved: grid → community → street → department", fontsize=10)
    fig.tight_layout()
    return fig


def scores_plot(scores: pd.DataFrame, results: pd.DataFrame, policies: list[str]):
    """Score against true value, each dot a worker-period of the first run of each policy,
    coloured by community type: a valid scheme puts the dots on one rising band."""
    if scores.empty:
        return None
    first = results.sort_values(["sample", "rep"]).groupby("policy", sort=False).head(1)
    types = sorted(scores["community_type"].dropna().unique())
    colours = {t: TYPE_COLOURS[i % len(TYPE_COLOURS)] for i, t in enumerate(types)}
    fig, axes = _panels(len(policies), width=4.4, height=3.6)
    for ax, p in zip(axes, policies, strict=True):
        row = first[first["policy"] == p]
        if row.empty:
            ax.set_visible(False)
            continue
        s = scores[scores["key"] == row["key"].iloc[0]]
        for t in types:
            part = s[s["community_type"] == t]
            ax.scatter(part["true_value"], part["score"], s=6, alpha=0.45, color=colours[t], label=t)
        validity = row["score_validity"].iloc[0] if "score_validity" in row else math.nan
        ax.set_title(f"{p}\nvalidity {validity:.2f}", fontsize=9)
        ax.set_xlabel("true value of the work (not seen by the scheme)", fontsize=8)
        ax.set_ylabel("score", fontsize=8)
        ax.tick_params(labelsize=8)
    axes[0].legend(fontsize=8, markerscale=2, title="community type", title_fontsize=8)
    fig.suptitle("Score vs true value by community type (one run per policy, every worker and period)", fontsize=10)
    fig.tight_layout()
    return fig


def uncertainty_plot(results: pd.DataFrame, kpis: list[str], reference: str, policies: list[str]):
    """Where a policy helps: its paired difference from the reference (mean over the
    replications of each Latin-hypercube sample) against each uncertain input."""
    params = [c for c in results.columns if c.startswith("param.")]
    others = [p for p in policies if p != reference]
    if not params or not others or results["sample"].nunique() < 3:
        return None
    kpis = kpis[:3]
    per = results.groupby(["policy", "sample"], sort=False)[kpis + params].mean()
    ref = per.loc[reference]
    fig, axes = plt.subplots(len(kpis), len(params), figsize=(4.0 * len(params), 2.8 * len(kpis)), squeeze=False)
    for r, k in enumerate(kpis):
        for c, prm in enumerate(params):
            ax = axes[r][c]
            for i, p in enumerate(others):
                mine = per.loc[p]
                ax.scatter(
                    mine[prm],
                    mine[k] - ref.loc[mine.index, k],
                    s=18,
                    color=TYPE_COLOURS[i % len(TYPE_COLOURS)],
                    label=p,
                )
            ax.axhline(0, color="black", lw=0.8)
            ax.set_xlabel(prm.split(".", 1)[1], fontsize=8)
            if c == 0:
                ax.set_ylabel(f"Δ {label(k)}", fontsize=8)
            ax.tick_params(labelsize=7)
    axes[0][0].legend(fontsize=7)
    fig.suptitle(
        f"Difference from {reference} at each sampled point of the uncertain inputs (mean over replications)",
        fontsize=10,
    )
    fig.tight_layout()
    return fig


# ------------------------------------------------------------------ the page


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    return buf.getvalue()


def _table(frame: pd.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>"
        for row in frame.itertuples(index=False)
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


CSS = """body{font-family:system-ui,sans-serif;max-width:1300px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;font-size:13px;margin:0.5em 0 1.5em}
td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}
th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}img{max-width:100%}.note{color:#555;font-size:13px}
code{background:#f3f3f3;padding:0 3px}"""


def write_report(root: str | Path, out: str | Path | None = None) -> Path:
    """Build the report of sweep directory ``root``; returns the HTML file's path."""
    root = Path(root)
    meta_path = root / "experiment.json"
    if not meta_path.exists():
        raise ScenarioError(f"{root}: not a sweep directory (no experiment.json; run `gridsim sweep` first)")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ScenarioError(f"{meta_path}: unreadable ({exc.__class__.__name__}); run `gridsim sweep` again") from None
    results = load_results(root)
    if results.empty:
        raise ScenarioError(f"{root}: no finished runs to report")
    manifest = pd.read_parquet(root / "manifest.parquet")
    daily, scores = load_results(root, "daily"), load_results(root, "scores")
    policies = [p for p in meta["policies"] if p in set(results["policy"])]
    reference = meta["reference"] if meta["reference"] in policies else policies[0]
    kpis = [k for k in meta["kpis"] if k in results]
    out = Path(out) if out else root / "report.html"
    figdir = out.parent / f"{out.stem}_figures"
    figdir.mkdir(parents=True, exist_ok=True)

    means = policy_means(results, kpis, policies)
    diffs = paired_differences(results, kpis, reference, policies)
    figures = {
        "differences": forest_plot(diffs, kpis, reference) if len(diffs) else None,
        "distributions": distributions_plot(results, kpis, policies),
        "series": series_plot(daily, policies) if len(daily) else None,
        "funnel": funnel_plot(results, policies),
        "uncertainty": uncertainty_plot(results, kpis, reference, policies),
        "scores": scores_plot(scores, results, policies),
    }
    images = {}
    for name, fig in figures.items():
        if fig is not None:
            data = _png(fig)
            (figdir / f"{name}.png").write_bytes(data)
            images[name] = base64.b64encode(data).decode()

    kpi_table = pd.DataFrame({"policy": policies})
    for k in kpis:
        m = means[means["kpi"] == k].set_index("policy")
        zh = f" ({CHINESE[k]})" if k in CHINESE else ""
        kpi_table[label(k) + zh] = [
            f"{fmt(k, m.at[p, 'mean'])} [{fmt(k, m.at[p, 'lo'])}, {fmt(k, m.at[p, 'hi'])}]" for p in policies
        ]
    diff_rows = []
    for r in diffs.itertuples(index=False):
        verdict = _verdict(r.kpi, r.diff, r.lo, r.hi)
        rel = f"{r.rel_diff:+.1%}" if not math.isnan(r.rel_diff) else "–"
        diff_rows.append(
            {
                "policy": r.policy,
                "KPI": label(r.kpi),
                "difference": f"{r.diff:+.4g}",
                "95 % interval": f"[{r.lo:+.4g}, {r.hi:+.4g}]",
                "relative": rel,
                "pairs": r.pairs,
                "verdict": verdict,
            }
        )
    strata = stratified_differences(results, kpis, meta["policies"], reference)
    strata_rows = [
        {
            "behaviour": r.stratum,
            "policy": r.policy,
            "vs": r.reference,
            "KPI": label(r.kpi),
            "difference": f"{r.diff:+.4g}",
            "95 % interval": f"[{r.lo:+.4g}, {r.hi:+.4g}]",
            "pairs": r.pairs,
            "verdict": _verdict(r.kpi, r.diff, r.lo, r.hi),
        }
        for r in strata.itertuples(index=False)
    ]
    # finished runs are those whose parts check out now (the manifest may lag a killed sweep)
    counts = {"done": len(results), "error": int((manifest["status"] == "error").sum())}
    counts["pending"] = max(len(manifest) - counts["done"] - counts["error"], 0)
    policy_rows = pd.DataFrame(
        [
            {
                "policy": p,
                "settings": ", ".join(
                    f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in meta["policies"][p].items()
                )
                or "(base scenario)",
            }
            for p in policies
        ]
    )
    unc = meta.get("uncertainties") or {}
    parts = [
        f"<h1>{html.escape(meta['name'])}</h1>",
        f"<p>{html.escape(meta.get('description') or '')}</p>",
        f"<p class=note>Scenario <code>{html.escape(meta['scenario'])}</code>, {meta['days']} simulated days per run; "
        f"{len(policies)} policies × {meta['samples']} uncertainty sample(s) × {meta['replications']} replications "
        f"(seeds {meta['seed']}…{meta['seed'] + meta['replications'] - 1}, "
        "the same for every policy: common random numbers). "
        f"Runs finished: {int(counts.get('done', 0))}; failed: {int(counts.get('error', 0))}; "
        f"pending: {int(counts.get('pending', 0))}. Reference policy: <b>{html.escape(reference)}</b>.</p>",
        "<h2>Policies</h2>",
        _table(policy_rows),
    ]
    if unc:
        parts.append(
            "<p class=note>Uncertain inputs, sampled by Latin hypercube: "
            + "; ".join(
                f"<code>{html.escape(k)}</code> ∈ [{v['low']}, {v['high']}]"
                f"{' (log scale)' if v.get('scale') == 'log' else ''}"
                for k, v in unc.items()
            )
            + ".</p>"
        )
    parts += [
        "<h2>KPIs per policy</h2><p class=note>Mean over all runs [95 % interval of the mean].</p>",
        _table(kpi_table),
    ]
    if diff_rows:
        parts += [
            f"<h2>Differences from {html.escape(reference)}</h2>",
            "<p class=note>Each run of a policy is paired with the reference run that saw the same incidents "
            "(same seed and sample); the interval is for the mean of those paired differences. "
            "<span style='color:#2a9d4b'>Green</span>: the whole interval is on the better side; "
            "<span style='color:#d1495b'>red</span>: on the worse side; grey: no clear difference.</p>",
            _table(pd.DataFrame(diff_rows)),
        ]
    if strata_rows:
        parts += [
            "<h2>Measurement and behaviour, separated</h2>",
            "<p class=note>Each scheme against the reference scheme <i>with the same behaviour setting</i>: "
            "<code>workers_respond = true</code>, workers respond to their scores (effort, gaming, fairness); "
            "<code>false</code>, the scheme only measures and residents' outcomes cannot differ. Validity says "
            "how well a scheme measures; the outcome rows say what residents got because workers responded "
            "(docs/behaviour.md §4–5).</p>",
            _table(pd.DataFrame(strata_rows)),
        ]
    captions = {
        "differences": "",
        "distributions": "<h2>Across replications</h2>",
        "series": "<h2>Over the simulated period</h2>",
        "funnel": "<h2>Where cases were resolved</h2>",
        "uncertainty": "<h2>Under which assumptions does it help?</h2><p class=note>Each dot is one "
        "Latin-hypercube point of the uncertain inputs: the policy's difference from the "
        "reference there, against each input. A trend means the effect depends on that "
        "assumption (for a formal analysis: sim.studies.ema with PRIM, or gridsim sensitivity).</p>",
        "scores": "<h2>Is the score measuring the work?</h2><p class=note>A valid scheme ranks workers by "
        "the true value of their work (by default harm-days averted for residents per duty hour, "
        "docs/behaviour.md §5); a gap between the colours at equal true value is the unfairness "
        "of one yardstick across community types.</p>",
    }
    for name, data in images.items():
        parts.append(captions[name])
        parts.append(f"<img alt='{name}' src='data:image/png;base64,{data}'>")
    parts.append(
        f"<p class=note>Written by <code>gridsim report</code> from {html.escape(str(root))}; "
        f"figures also in {html.escape(str(figdir))}/.</p>"
    )
    page = (
        f"<!doctype html><html lang=en><meta charset=utf-8><title>{html.escape(meta['name'])}</title>"
        f"<style>{CSS}</style><body>" + "\n".join(parts) + "</body></html>\n"
    )
    _atomic_write(out, lambda p: Path(p).write_text(page, encoding="utf-8"))
    return out
