"""Headline findings (主要结论): one or two plain sentences per policy, from its paired differences.

Each KPI's paired difference from the reference policy is read against its practical threshold
(:mod:`sim.studies.readout`): clear and material differences are named with their size, interval
and direction; clear but negligible ones and those with no clear difference are listed by name,
so the three read differently. The title is the first sentence of the experiment's description
in the report's language.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import pandas as pd

from sim.scenario.labels import text
from sim.studies import readout


@dataclass(frozen=True)
class Finding:
    """One policy's headline: its sentences and each KPI's class (material/negligible/unclear)."""

    policy: str
    sentences: str
    classes: dict[str, str]


def description(meta: dict, lang: str) -> str:
    """The experiment's description in ``lang`` (``description_zh`` for zh, ``description`` for
    en), else in the other language, else empty."""
    en, zh = meta.get("description") or "", meta.get("description_zh") or ""
    return (zh or en) if lang == "zh" else (en or zh)


def title(description: str, fallback: str) -> str:
    """The first sentence of the experiment's description (its question), else ``fallback``."""
    body = " ".join((description or "").split())
    if not body:
        return fallback
    match = re.match(r"(.+?(?:[.?!](?=\s|$)|[。？！]))", body)  # Chinese stops need no space after them
    return match.group(1) if match else body


def classify(diffs: pd.DataFrame, declared: dict[str, float | str] | None = None) -> pd.DataFrame:
    """``diffs`` (from :func:`sim.studies.comparison.paired_differences`) with the practical
    ``threshold`` and the ``class`` of each row added."""
    out = diffs.copy()
    out["threshold"] = [
        readout.threshold(k, b, declared) for k, b in zip(out["kpi"], out["reference_mean"], strict=True)
    ]
    out["class"] = [
        readout.classify(d, lo, hi, t)
        for d, lo, hi, t in zip(out["diff"], out["lo"], out["hi"], out["threshold"], strict=True)
    ]
    return out


def findings(
    diffs: pd.DataFrame,
    declared: dict[str, float | str] | None = None,
    lang: str = "en",
) -> list[Finding]:
    """The headline of every compared policy, in the order of ``diffs``; differences of counts
    carry their share of the reference mean."""
    if diffs.empty:
        return []
    rows = classify(diffs, declared)
    sep, end, clause = text("word.and", lang), text("word.sentence_end", lang), text("word.clause", lang)
    out = []
    for policy, part in rows.groupby("policy", sort=False):
        material = part[part["class"] == "material"]
        material = material.assign(size=(material["diff"].abs() / material["threshold"])).sort_values(
            "size", ascending=False
        )
        items = [
            text(
                "headline.material",
                lang,
                kpi=readout.name(r.kpi, lang),
                diff=readout.difference(r.kpi, r.diff, lang),
                interval=clause.join(
                    x
                    for x in (
                        readout.relative(r.kpi, r.diff, r.reference_mean),
                        readout.interval(r.kpi, r.lo, r.hi, lang),
                    )
                    if x
                ),
                direction=text(f"verdict.{readout.direction(r.kpi, r.diff)}", lang),
            )
            for r in material.itertuples(index=False)
        ]
        lead = text("headline.lead", lang, reference=part["reference"].iloc[0], policy=policy)
        first = lead + (": " if lang == "en" else ":") + (clause.join(items) or text("headline.no_material", lang))
        rest = []
        for cls in ("negligible", "unclear"):
            names = [readout.name(k, lang) for k in part.loc[part["class"] == cls, "kpi"]]
            if names:
                rest.append(text(f"headline.{cls}", lang, kpis=sep.join(names)))
        second = clause.join(rest)
        if second and lang == "en":
            second = second[0].upper() + second[1:]
        sentences = first + end + ((" " if lang == "en" else "") + second + end if second else "")
        out.append(Finding(str(policy), sentences, dict(zip(part["kpi"], part["class"], strict=True))))
    return out


def threshold_note(diffs: pd.DataFrame, declared: dict[str, float | str] | None = None, lang: str = "en") -> str:
    """One sentence stating the practical thresholds used, in each KPI's units."""
    rows = classify(diffs, declared).drop_duplicates("kpi")
    sep = text("word.and", lang)
    items = sep.join(
        f"{readout.name(r.kpi, lang)} ±{readout.difference(r.kpi, r.threshold, lang).lstrip('+')}"
        for r in rows.itertuples(index=False)
        if not math.isnan(r.threshold)
    )
    return text("headline.thresholds", lang, items=items)


def denominators(daily: pd.DataFrame, days: int) -> dict[str, float]:
    """Denominators for count KPIs from the daily series: posts (at work + absent + vacant on
    the first day, mean over runs) for workers who left, post-days for vacant post-days."""
    cols = ("at_work", "absent", "vacant_posts")
    if daily.empty or not all(c in daily for c in cols):
        return {}
    first = daily[daily["day"] == daily["day"].min()]
    posts = float(first[list(cols)].sum(axis=1).mean())
    return {"attrition_count": posts, "vacancy_days": posts * days}
