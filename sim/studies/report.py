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
import json
import math
import os
import re
import textwrap
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from sim.output.files import atomic_write
from sim.scenario.labels import LANGS, text
from sim.scenario.loading import ScenarioError
from sim.studies import drawing, headline, policy_names, readout, warmup
from sim.studies.comparison import paired_differences, policy_means
from sim.studies.sweep import load_results, load_tables

LEVEL_COLOURS = ["#4c9a2a", "#f2b134", "#e4572e", "#6c4f9e", "#888888"]
TYPE_COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]
_CJK = re.compile("[\u3000-\u9fff\uff00-\uffef]")
GOOD, BAD, NEUTRAL = "#2a9d4b", "#d1495b", "#666666"


def label(kpi: str, lang: str = "en") -> str:
    """A KPI's readable name for tables and plots, from the label table."""
    return readout.name(kpi, lang)


def report_lang(meta: dict, lang: str | None = None) -> str:
    """The report's language: the argument, else the experiment's ``lang``, else ``GRIDSIM_LANG``, else en."""
    chosen = lang or meta.get("lang") or os.environ.get("GRIDSIM_LANG") or "en"
    if chosen not in LANGS:
        raise ScenarioError(f"lang: {chosen!r} is not one of {', '.join(LANGS)} (GRIDSIM_LANG or --lang)")
    return chosen


BEHAVIOUR = "scoring.workers_respond"
"""The lever whose values split a scoring experiment into 'behaviour on' and 'behaviour off'."""


def stratified_differences(
    results: pd.DataFrame,
    kpis: list[str],
    settings: dict[str, dict],
    reference: str,
    key: str = BEHAVIOUR,
    lang: str = "en",
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
            parts.append(d.assign(stratum=policy_names.setting(key, json.loads(value), lang)))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def headline_differences(results: pd.DataFrame, kpis: list[str], meta: dict, reference: str) -> pd.DataFrame:
    """The comparisons a headline states: where the experiment has a behaviour lever, each
    scheme against the reference scheme with the same behaviour setting, after the effect of the
    behaviour setting itself; otherwise every policy against the reference."""
    policies = [p for p in meta["policies"] if p in set(results["policy"])]
    plain = paired_differences(results, kpis, reference, policies)
    strata = stratified_differences(results, kpis, meta["policies"], reference)
    if strata.empty:
        return plain
    own = plain[plain["policy"].isin(set(strata["reference"]))]
    return pd.concat([own, strata.drop(columns="stratum")], ignore_index=True)


def _tick(name: str, width: int = 30) -> str:
    """A policy's name for a figure: one line per lever setting, long lines wrapped, so
    composed display names fit beside a panel."""
    return "\n".join(textwrap.fill(line, width) for line in re.split(r";\s*", name))


def _verdict(kpi: str, diff: float, lo: float, hi: float, thr: float, lang: str) -> str:
    cls = readout.classify(diff, lo, hi, thr)
    words = text(f"verdict.{cls}", lang)
    return words if cls == "unclear" else f"{words} ({text(f'verdict.{readout.direction(kpi, diff)}', lang)})"


# ------------------------------------------------------------------ figures


def _figure(**kwargs):
    """A matplotlib figure; matplotlib is imported here, when a report is drawn, so that the
    headline a sweep prints (:func:`headline_text`) starts without it (about 0.4 s)."""
    from matplotlib.figure import Figure

    return Figure(**kwargs)


def _panels(n: int, width: float = 4.2, height: float = 2.6, cols: int = 3):
    cols = max(1, min(cols, n))
    rows = math.ceil(n / cols)
    fig = _figure(figsize=(width * cols, height * rows))
    axes = fig.subplots(rows, cols, squeeze=False)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    return fig, list(axes.flat[:n])


def forest_plot(diffs: pd.DataFrame, kpis: list[str], reference: str, lang: str = "en"):
    """One panel per KPI: policy − reference, mean and 95 % interval of the paired differences,
    the practical threshold shaded; green or red only where the difference is clear and material
    (``diffs`` carries ``threshold`` and ``class`` from :func:`sim.studies.headline.classify`)."""
    from matplotlib import ticker

    kpis = [k for k in kpis if k in set(diffs["kpi"])]
    fig, axes = _panels(len(kpis), height=0.9 + 0.45 * diffs["policy"].nunique())
    for ax, k in zip(axes, kpis, strict=True):
        d = diffs[diffs["kpi"] == k].iloc[::-1]
        y = np.arange(len(d))
        colours = [
            (GOOD if readout.direction(k, dd) == "better" else BAD)
            if c == "material" and readout.better(k)
            else NEUTRAL
            for dd, c in zip(d["diff"], d["class"], strict=True)
        ]
        thr = float(d["threshold"].iloc[0]) if len(d) else math.nan
        if not math.isnan(thr):
            ax.axvspan(-thr, thr, color="#eeeeee", zorder=0)
        ax.hlines(y, d["lo"], d["hi"], colors=colours, lw=2.5)
        ax.scatter(d["diff"], y, c=colours, zorder=3, s=30)
        ax.axvline(0, color="black", lw=0.8)
        ax.set_yticks(y, [_tick(p) for p in d["policy"]], fontsize=8)
        b = readout.better(k)
        hint = (
            f"  ({text('report.better_right', lang)})"
            if b > 0
            else (f"  ({text('report.better_left', lang)})" if b < 0 else "")
        )
        ax.set_title(label(k, lang), fontsize=9)
        unit = readout.tick(k, 0.0, lang)[1]
        unit = f" ({unit})" if unit else ""
        ax.set_xlabel(text("report.diff_vs", lang, reference=_tick(reference, 60)) + unit + hint, fontsize=8)
        ax.tick_params(axis="x", labelsize=8)
        span = max(abs(d["lo"]).max(), abs(d["hi"]).max(), 0 if math.isnan(thr) else thr, 1e-12)
        ax.set_xlim(-1.15 * span, 1.15 * span)
        ax.xaxis.set_major_locator(ticker.MaxNLocator(4, symmetric=True))
        ax.xaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _pos, k=k: readout.tick(k, v, lang)[0]))
    fig.suptitle(text("report.forest_fig", lang), fontsize=10)
    fig.tight_layout()
    return fig


def distributions_plot(results: pd.DataFrame, kpis: list[str], policies: list[str], lang: str = "en"):
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
        ax.set_yticks(pos, [_tick(p) for p in policies], fontsize=8)
        ax.set_title(label(k, lang), fontsize=9)
        ax.tick_params(axis="x", labelsize=8)
    fig.suptitle(text("report.distributions_fig", lang), fontsize=10)
    fig.tight_layout()
    return fig


def series_plot(daily: pd.DataFrame, policies: list[str], lang: str = "en"):
    """Backlog and satisfaction per day: mean over runs and the range of the middle 90 %."""
    specs = [
        ("backlog", "report.backlog", 7),
        ("satisfied_share", "report.satisfied_share", 14),
        ("satisfaction", "report.trust", 1),
    ]
    specs = [s for s in specs if s[0] in daily]
    fig = _figure(figsize=(5.6 * len(specs), 3.4))
    axes = list(fig.subplots(1, len(specs), squeeze=False).flat)
    for ax, (col, title, window) in zip(axes, specs, strict=True):
        for i, p in enumerate(policies):
            part = daily[daily["policy"] == p]
            wide = part.pivot_table(index="day", columns="key", values=col)
            if window > 1:
                wide = wide.rolling(window, min_periods=max(1, window // 2)).mean()
            colour = TYPE_COLOURS[i % len(TYPE_COLOURS)]
            ax.plot(wide.index, wide.mean(axis=1), color=colour, lw=1.4, label=_tick(p, 60))
            if wide.shape[1] > 1:
                lo, hi = _across_runs(wide, (0.05, 0.95))
                ax.fill_between(wide.index, lo, hi, color=colour, alpha=0.15, lw=0)
        ax.set_title(text(title, lang), fontsize=10)
        ax.set_xlabel(text("report.day", lang), fontsize=9)
        ax.tick_params(labelsize=8)
    axes[0].legend(fontsize=8, loc="best")
    fig.suptitle(text("report.series_fig", lang), fontsize=10)
    fig.tight_layout()
    return fig


def _across_runs(wide: pd.DataFrame, qs: tuple[float, ...]) -> np.ndarray:
    """Quantiles ``qs`` of each day (row) across runs (columns), missing values left out: what
    ``wide.quantile(q, axis=1)`` gives, the days every run has in one numpy call (pandas goes
    day by day: a second for a sweep's three series)."""
    v = wide.to_numpy(dtype=float)
    out = np.full((len(qs), len(v)), np.nan)
    full = ~np.isnan(v).any(axis=1)
    if full.any():
        out[:, full] = np.quantile(v[full], qs, axis=1)
    for i in np.flatnonzero(~full):
        row = v[i][~np.isnan(v[i])]
        if len(row):
            out[:, i] = np.quantile(row, qs)
    return out


def funnel_plot(results: pd.DataFrame, policies: list[str], lang: str = "en"):
    """Share of resolved cases settled at each level, per policy (mean over runs)."""
    cols = [c for c in results.columns if c.startswith("resolved_at_level.")]
    if not cols:
        return None
    shares = results.groupby("policy", sort=False)[cols].mean().reindex(policies)
    fig = _figure(figsize=(10, 0.9 + 0.5 * len(policies)))
    ax = fig.subplots()
    left = np.zeros(len(policies))
    y = np.arange(len(policies))[::-1]
    for i, c in enumerate(cols):
        v = shares[c].to_numpy()
        level = c.split(".", 1)[1]
        ax.barh(y, v, left=left, color=LEVEL_COLOURS[i % len(LEVEL_COLOURS)], label=text(f"level.{level}", lang))
        for yy, ll, vv in zip(y, left, v, strict=True):
            if vv > 0.04:
                ax.text(ll + vv / 2, yy, f"{vv:.0%}", ha="center", va="center", fontsize=8, color="white")
        left += v
    ax.set_yticks(y, [_tick(p, 40) for p in policies], fontsize=8)
    ax.set_xlim(0, 1)
    ax.set_xlabel(text("report.share_resolved", lang), fontsize=9)
    ax.legend(
        fontsize=8,
        loc="center left",
        bbox_to_anchor=(1.01, 0.5),
        frameon=False,
        title=text("report.level", lang),
        title_fontsize=8,
    )
    ax.set_title(text("report.funnel_fig", lang), fontsize=10)
    fig.tight_layout()
    return fig


def scores_plot(scores: pd.DataFrame, results: pd.DataFrame, policies: list[str], lang: str = "en"):
    """Score against true value, each dot a worker-period of the first run of each policy,
    coloured by community type: a valid scheme puts the dots on one rising band. Small,
    translucent dots and at most 3,000 per panel (a fixed sample) keep the cloud readable."""
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
        if len(s) > 3000:
            s = s.sample(3000, random_state=0)  # thinning for display only
        for t in types:
            part = s[s["community_type"] == t]
            ax.scatter(
                part["true_value"], part["score"], s=3, alpha=0.3, color=colours[t], label=text(f"type.{t}", lang)
            )
        validity = row["score_validity"].iloc[0] if "score_validity" in row else math.nan
        ax.set_title(f"{_tick(p, 60)}\n" + text("report.validity", lang, v=f"{validity:.2f}"), fontsize=9)
        ax.set_xlabel(text("report.true_value", lang), fontsize=8)
        ax.set_ylabel(text("report.score", lang), fontsize=8)
        ax.tick_params(labelsize=8)
    axes[0].legend(fontsize=8, markerscale=4, title=text("report.community_type", lang), title_fontsize=8)
    fig.suptitle(text("report.scores_fig", lang), fontsize=10)
    fig.tight_layout()
    return fig


def uncertainty_plot(results: pd.DataFrame, kpis: list[str], reference: str, policies: list[str], lang: str = "en"):
    """Where a policy helps: its paired difference from the reference (mean over the
    replications of each Latin-hypercube sample) against each uncertain input."""
    params = [c for c in results.columns if c.startswith("param.")]
    others = [p for p in policies if p != reference]
    if not params or not others or results["sample"].nunique() < 3:
        return None
    kpis = kpis[:3]
    per = results.groupby(["policy", "sample"], sort=False)[kpis + params].mean()
    ref = per.loc[reference]
    fig = _figure(figsize=(4.0 * len(params), 2.8 * len(kpis)))
    axes = fig.subplots(len(kpis), len(params), squeeze=False)
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
                    label=_tick(p, 60),
                )
            ax.axhline(0, color="black", lw=0.8)
            ax.set_xlabel(prm.split(".", 1)[1], fontsize=8)
            if c == 0:
                ax.set_ylabel(f"Δ {label(k, lang)}", fontsize=8)
            ax.tick_params(labelsize=7)
    axes[0][0].legend(fontsize=7)
    fig.suptitle(text("report.uncertainty_fig", lang, reference=_tick(reference, 80)), fontsize=10)
    fig.tight_layout()
    return fig


# ------------------------------------------------------------------ the page


def _table(frame: pd.DataFrame, classes: list[str] | None = None) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = []
    for i, row in enumerate(frame.itertuples(index=False)):
        cls = f" class={classes[i]}" if classes and classes[i] else ""
        rows.append(f"<tr{cls}>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


CSS = """body{font-family:system-ui,"Noto Sans CJK SC","WenQuanYi Micro Hei","Microsoft YaHei",sans-serif;
max-width:1300px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;font-size:13px;margin:0.5em 0 1.5em}
td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}
th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}img{max-width:100%}.note{color:#555;font-size:13px}
code{background:#f3f3f3;padding:0 3px}
.headline{border-left:4px solid #1f77b4;padding:0.3em 1em;margin:1em 0;background:#f7f9fc}
.headline li{margin:0.4em 0;line-height:1.45}
tr.better td:last-child{color:#2a9d4b;font-weight:600}tr.worse td:last-child{color:#d1495b;font-weight:600}
@media print{@page{size:A4;margin:14mm}body{max-width:none;margin:0;font-size:11pt}
.summary{page-break-after:always}h2{page-break-after:avoid}img,table{page-break-inside:avoid}
.headline{background:none}}"""


def _material_class(kpi: str, cls: str, diff: float) -> str:
    if cls != "material" or not readout.better(kpi):
        return ""
    return readout.direction(kpi, diff)


class Written(NamedTuple):
    """What :func:`write_report` wrote: the page, and its headline as plain text for the terminal
    (:func:`headline_text`'s, from the tables the page was made of)."""

    path: Path
    headline: str


def write_report(root: str | Path, out: str | Path | None = None, lang: str | None = None) -> Written:
    """Build the report of sweep directory ``root`` in ``lang`` (default: the experiment's, else
    ``GRIDSIM_LANG``, else en); returns the HTML file's path and the headline."""
    root = Path(root)
    meta_path = root / "experiment.json"
    if not meta_path.exists():
        raise ScenarioError(f"{root}: not a sweep directory (no experiment.json; run `gridsim sweep` first)")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ScenarioError(f"{meta_path}: unreadable ({exc.__class__.__name__}); run `gridsim sweep` again") from None
    with drawing.Drawing() as drawer:  # (its helper starts now: its imports overlap the reading below)
        return _write(root, meta, report_lang(meta, lang), out, drawer)


def _write(root: Path, meta: dict, lang: str, out: str | Path | None, drawer: drawing.Drawing) -> Written:
    """:func:`write_report` once the experiment's metadata is read."""
    tables = load_tables(root, ("summary", "daily", "scores"))
    results, daily, scores = tables["summary"], tables["daily"], tables["scores"]
    if results.empty:
        raise ScenarioError(f"{root}: no finished runs to report")
    manifest = pd.read_parquet(root / "manifest.parquet")
    meta, (results, daily, scores) = policy_names.shown(meta, lang, results, daily, scores)
    cjk = lang == "zh" or any(_CJK.search(p) for p in meta["policies"])  # en labels keep terms like 一把尺
    policies = [p for p in meta["policies"] if p in set(results["policy"])]
    reference = meta["reference"] if meta["reference"] in policies else policies[0]
    kpis = [k for k in meta["kpis"] if k in results]
    declared = meta.get("thresholds") or {}
    out = Path(out) if out else root / "report.html"
    figdir = out.parent / f"{out.stem}_figures"
    figdir.mkdir(parents=True, exist_ok=True)

    means = policy_means(results, kpis, policies)
    diffs = headline.classify(paired_differences(results, kpis, reference, policies), declared)
    found, headline_plain = _headline(results, kpis, meta, reference, lang)
    # the two figures of a panel per KPI, the largest, at the two ends: one process starts on each
    jobs: dict[str, drawing.Job] = {"differences": (forest_plot, (diffs, kpis, reference, lang))} if len(diffs) else {}
    jobs["scores"] = (scores_plot, (scores, results, policies, lang))
    if len(daily):
        jobs["series"] = (series_plot, (daily, policies, lang))
    jobs["funnel"] = (funnel_plot, (results, policies, lang))
    jobs["uncertainty"] = (uncertainty_plot, (results, kpis, reference, policies, lang))
    jobs["distributions"] = (distributions_plot, (results, kpis, policies, lang))
    figures = drawer.start(jobs, cjk)  # (the helper draws while the tables and warm-up are made)

    of = headline.denominators(daily, int(meta["days"]))
    kpi_table = pd.DataFrame({text("report.policy", lang): policies})
    for k in kpis:
        m = means[means["kpi"] == k].set_index("policy")
        kpi_table[label(k, lang)] = [
            f"{readout.value(k, m.at[p, 'mean'], lang, of.get(k))} "
            f"[{readout.value(k, m.at[p, 'lo'], lang)}, {readout.value(k, m.at[p, 'hi'], lang)}]"
            for p in policies
        ]

    def diff_row(r, extra: dict) -> dict:
        return {
            **extra,
            text("report.kpi", lang): label(r.kpi, lang),
            text("report.difference", lang): readout.difference(r.kpi, r.diff, lang, r.reference_mean),
            text("report.interval", lang): readout.bounds(r.kpi, r.lo, r.hi, lang),
            text("report.threshold", lang): "±"
            + readout.difference(r.kpi, r.threshold, lang).lstrip("+").split(" (")[0],
            text("report.pairs", lang): r.pairs,
            text("report.verdict", lang): _verdict(r.kpi, r.diff, r.lo, r.hi, r.threshold, lang),
        }

    diff_rows = [diff_row(r, {text("report.policy", lang): r.policy}) for r in diffs.itertuples(index=False)]
    diff_classes = [_material_class(*c) for c in zip(diffs["kpi"], diffs["class"], diffs["diff"], strict=True)]
    strata = stratified_differences(results, kpis, meta["policies"], reference, lang=lang)
    if len(strata):
        strata = headline.classify(strata, declared)
    strata_rows = [
        diff_row(
            r,
            {
                text("report.behaviour", lang): r.stratum,
                text("report.policy", lang): r.policy,
                text("report.vs", lang): r.reference,
            },
        )
        for r in strata.itertuples(index=False)
    ]
    strata_classes = (
        [_material_class(*c) for c in zip(strata["kpi"], strata["class"], strata["diff"], strict=True)]
        if len(strata)
        else []
    )
    # finished runs are those whose parts check out now (the manifest may lag a killed sweep)
    counts = {"done": len(results), "error": int((manifest["status"] == "error").sum())}
    counts["pending"] = max(len(manifest) - counts["done"] - counts["error"], 0)
    policy_rows = pd.DataFrame(
        [
            {
                text("report.policy", lang): p,
                text("report.settings", lang): ", ".join(
                    f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in meta["policies"][p].items()
                )
                or text("report.base", lang),
            }
            for p in policies
        ]
    )
    unc = meta.get("uncertainties") or {}
    about = headline.description(meta, lang)
    heading = headline.title(about, meta["name"])
    parts = [
        "<div class=summary>",
        f"<h1>{html.escape(heading)}</h1>",
        f"<p class=note><code>{html.escape(meta['name'])}</code></p>",
    ]
    if found:
        parts += [
            f"<h2>{html.escape(text('headline.title', lang))}</h2><div class=headline><ul>",
            *(f"<li>{html.escape(f.sentences)}</li>" for f in found),
            "</ul></div>",
            f"<p class=note>{html.escape(headline.threshold_note(diffs, declared, lang))}</p>",
        ]
    parts += [
        f"<p class=note>{html.escape(about)}</p>",
        "<p class=note>"
        + html.escape(
            text(
                "report.runs",
                lang,
                scenario=meta["scenario"],
                days=meta["days"],
                policies=len(policies),
                samples=meta["samples"],
                reps=meta["replications"],
                first=meta["seed"],
                last=meta["seed"] + meta["replications"] - 1,
                done=counts["done"],
                error=counts["error"],
                pending=counts["pending"],
                reference=reference,
            )
        )
        + "</p>",
        f"<h2>{html.escape(text('report.kpis', lang))}</h2>"
        f"<p class=note>{html.escape(text('report.kpis_note', lang))}</p>",
        _table(kpi_table),
        "</div>",
        f"<h2>{html.escape(text('report.policies', lang))}</h2>",
        _table(policy_rows),
    ]
    if unc:
        items = "; ".join(
            f"{k} ∈ [{v['low']}, {v['high']}]{' (log)' if v.get('scale') == 'log' else ''}" for k, v in unc.items()
        )
        parts.append(f"<p class=note>{html.escape(text('report.uncertain', lang, items=items))}</p>")
    if diff_rows:
        parts += [
            f"<h2>{html.escape(text('report.differences', lang, reference=reference))}</h2>",
            f"<p class=note>{html.escape(text('report.differences_note', lang))}</p>",
            _table(pd.DataFrame(diff_rows), diff_classes),
        ]
    if strata_rows:
        parts += [
            f"<h2>{html.escape(text('report.strata', lang))}</h2>",
            f"<p class=note>{html.escape(text('report.strata_note', lang))}</p>",
            _table(pd.DataFrame(strata_rows), strata_classes),
        ]
    parts += _warmup_section(daily, results, meta, lang)
    captions = {
        "differences": "",
        "distributions": f"<h2>{html.escape(text('report.distributions', lang))}</h2>",
        "series": f"<h2>{html.escape(text('report.series', lang))}</h2>",
        "funnel": f"<h2>{html.escape(text('report.funnel', lang))}</h2>",
        "uncertainty": f"<h2>{html.escape(text('report.uncertainty', lang))}</h2>"
        f"<p class=note>{html.escape(text('report.uncertainty_note', lang))}</p>",
        "scores": f"<h2>{html.escape(text('report.scores', lang))}</h2>"
        f"<p class=note>{html.escape(text('report.scores_note', lang))}</p>",
    }
    drawn = figures.finish()
    for name in captions:  # (the page's order, not the drawing's)
        data = drawn.get(name)
        if data is not None:
            (figdir / f"{name}.png").write_bytes(data)
            parts.append(captions[name])
            parts.append(f"<img alt='{name}' src='data:image/png;base64,{base64.b64encode(data).decode()}'>")
    parts += _stress(results, meta, counts["done"], lang)
    parts.append(f"<p class=note>{html.escape(text('report.footer', lang, root=str(root), figdir=str(figdir)))}</p>")
    page = (
        f"<!doctype html><html lang={'zh-CN' if lang == 'zh' else 'en'}><meta charset=utf-8>"
        f"<title>{html.escape(heading)}</title><style>{CSS}</style><body>" + "\n".join(parts) + "</body></html>\n"
    )
    atomic_write(out, lambda p: Path(p).write_text(page, encoding="utf-8"))
    return Written(out, headline_plain)


def headline_text(root: str | Path, lang: str | None = None) -> str:
    """The headline of sweep directory ``root`` as plain text for the terminal (title, one
    paragraph per policy, the thresholds); empty when nothing can be compared."""
    root = Path(root)
    meta = json.loads((root / "experiment.json").read_text(encoding="utf-8"))
    lang = report_lang(meta, lang)
    results = load_results(root)
    if results.empty:
        return ""
    meta, (results,) = policy_names.shown(meta, lang, results)
    policies = [p for p in meta["policies"] if p in set(results["policy"])]
    reference = meta["reference"] if meta["reference"] in policies else policies[0]
    return _headline(results, [k for k in meta["kpis"] if k in results], meta, reference, lang)[1]


def _headline(results: pd.DataFrame, kpis: list[str], meta: dict, reference: str, lang: str) -> tuple[list, str]:
    """The headline's findings, and the headline as plain text (title, one paragraph per policy,
    the thresholds; empty when nothing can be compared)."""
    declared = meta.get("thresholds") or {}
    diffs = headline_differences(results, kpis, meta, reference)
    found = headline.findings(diffs, declared, lang)
    if not found:
        return found, ""
    lines = [headline.title(headline.description(meta, lang), meta["name"]), ""]
    lines += [f"- {f.sentences}" for f in found]
    lines += ["", headline.threshold_note(diffs, declared, lang)]
    return found, "\n".join(lines)


def write_workbook_report(root: str | Path, out: str | Path | None = None, lang: str | None = None) -> Path:
    """The sweep's numbers as an Excel workbook (default ``report.xlsx`` in ``root``): a summary
    sheet (mean and 95 % interval per policy and KPI), one row per run, and the paired
    differences with their practical threshold and class; headers in ``lang``."""
    from sim.output.workbook import PERCENT, write_workbook

    root = Path(root)
    meta = json.loads((root / "experiment.json").read_text(encoding="utf-8"))
    lang = report_lang(meta, lang)
    results = load_results(root)
    if results.empty:
        raise ScenarioError(f"{root}: no finished runs to report")
    codes = results["policy"]
    meta, (results,) = policy_names.shown(meta, lang, results)
    policies = [p for p in meta["policies"] if p in set(results["policy"])]
    reference = meta["reference"] if meta["reference"] in policies else policies[0]
    kpis = [k for k in meta["kpis"] if k in results]
    declared = meta.get("thresholds") or {}

    def t(key: str) -> str:
        return text(key, lang)

    means = policy_means(results, kpis, policies)
    summary = pd.DataFrame(
        {
            t("report.policy"): means["policy"],
            t("report.kpi"): [label(k, lang) for k in means["kpi"]],
            t("xlsx.key"): means["kpi"],
            t("xlsx.mean"): means["mean"],
            t("xlsx.low"): means["lo"],
            t("xlsx.high"): means["hi"],
            t("xlsx.n_runs"): means["runs"],
        }
    )
    ids = ["policy", "sample", "rep", "seed", *(["warmup_days"] if "warmup_days" in results else [])]
    runs = results[[*ids, *kpis]].copy()
    runs.columns = (
        [t("report.policy"), t("xlsx.sample"), t("xlsx.rep"), t("xlsx.seed")]
        + [t("xlsx.warmup_days") for _ in ids[4:]]
        + [label(k, lang) for k in kpis]
    )
    runs[t("xlsx.policy_key")] = codes.to_numpy()  # the identifier in the sweep's stored tables
    diffs = headline.classify(paired_differences(results, kpis, reference, policies), declared)
    differences = pd.DataFrame(
        {
            t("report.policy"): diffs["policy"],
            t("xlsx.reference"): diffs["reference"],
            t("report.kpi"): [label(k, lang) for k in diffs["kpi"]],
            t("xlsx.key"): diffs["kpi"],
            t("report.difference"): diffs["diff"],
            t("xlsx.low"): diffs["lo"],
            t("xlsx.high"): diffs["hi"],
            t("report.threshold"): diffs["threshold"],
            t("report.pairs"): diffs["pairs"],
            t("xlsx.class"): [t(f"verdict.{c}") for c in diffs["class"]],
        }
    )
    share = {k for k in kpis if readout.terms(k)[0] == "share"}
    formats = {
        t("xlsx.runs"): {label(k, lang): PERCENT for k in share},
    }
    sheets = {t("xlsx.summary"): summary, t("xlsx.runs"): runs, t("xlsx.differences"): differences}
    path = Path(out) if out else root / "report.xlsx"
    rows = {
        title: [PERCENT if k in share else None for k in sheets[title][t("xlsx.key")]]
        for title in (t("xlsx.summary"), t("xlsx.differences"))
    }
    return write_workbook(path, sheets, formats, rows)


def _kpi_warmup(results: pd.DataFrame, meta: dict, lang: str, key: str = "report.kpi_warmup") -> str:
    """How the runs' KPIs skipped their warm-ups (label ``key``): the rule and the days used
    (median, range); whole-run for runs summarised before KPIs were read after a warm-up."""
    used = results["warmup_days"].dropna() if "warmup_days" in results else pd.Series(dtype=float)
    if used.empty:
        return text("report.kpi_warmup_none", lang)
    declared = meta.get("warmup_days")
    rule = (
        text("report.warmup_rule_declared", lang, n=declared)
        if declared is not None
        else text("report.warmup_rule_detected", lang)
    )
    return text(key, lang, rule=rule, median=f"{used.median():.0f}", lo=int(used.min()), hi=int(used.max()))


def _warmup_section(daily: pd.DataFrame, results: pd.DataFrame, meta: dict, lang: str) -> list[str]:
    """How the KPIs skipped the warm-up, the warm-up table (per policy and series) and the runs
    whose series have not settled."""
    if daily.empty:
        return [
            f"<h2>{html.escape(text('report.warmup', lang))}</h2>",
            f"<p>{html.escape(_kpi_warmup(results, meta, lang))}</p>",
        ]
    runs = warmup.per_run(daily, meta.get("warmup_days"))
    if runs.empty:
        return []
    rows, flagged = [], []
    for (policy, col), g in runs.groupby(["policy", "series"], sort=False):
        unsettled = int((~g["settled"]).sum())
        rows.append(
            {
                text("report.policy", lang): policy,
                text("report.series_name", lang): text(f"daily.{col}", lang),
                text("report.warmup_days", lang): f"{g['warmup_days'].median():.0f} "
                f"[{g['warmup_days'].min()}–{g['warmup_days'].max()}]",
                text("report.not_settled", lang): f"{unsettled} / {len(g)}",
                text("report.mean_all", lang): _plain(g["mean_all"].mean()),
                text("report.mean_after", lang): _plain(g["mean_after"].mean()),
            }
        )
        if unsettled:
            flagged.append(f"{policy} — {text(f'daily.{col}', lang)} ({unsettled}/{len(g)})")
    declared = meta.get("warmup_days")
    note = text(
        "report.warmup_note", lang, declared=text("report.warmup_declared", lang, n=declared) if declared else ""
    )
    out = [
        f"<h2>{html.escape(text('report.warmup', lang))}</h2>",
        f"<p>{html.escape(_kpi_warmup(results, meta, lang))}</p>",
        f"<p class=note>{html.escape(note)}</p>",
        _table(pd.DataFrame(rows)),
    ]
    if flagged:
        items = text("word.and", lang).join(flagged)
        out.append(f"<p><b>{html.escape(text('report.flagged', lang, items=items))}</b></p>")
    return out


def _plain(v: float) -> str:
    return "–" if math.isnan(v) else (f"{v:,.0f}" if abs(v) >= 100 else f"{v:.3g}")


def _stress(results: pd.DataFrame, meta: dict, done: int, lang: str) -> list[str]:
    """The STRESS-ABS reporting items (Monks et al. 2019): warm-up, run length, replications,
    versions, seeds."""
    from sim import __version__

    items = text(
        "report.stress_items",
        lang,
        warmup=_kpi_warmup(results, meta, lang, "report.stress_warmup").rstrip(".。"),
        days=meta["days"],
        reps=meta["replications"],
        runs=done,
        version=meta.get("version") or __version__,
        experiment=meta.get("experiment", "–"),
        first=meta["seed"],
        last=meta["seed"] + meta["replications"] - 1,
    )
    return [f"<h2>{html.escape(text('report.stress', lang))}</h2>", f"<p class=note>{html.escape(items)}</p>"]
