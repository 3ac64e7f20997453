"""How a KPI reads for people (指标解读): its name, unit, better direction and practical threshold.

A sweep's paired differences become words here. A difference is *clear* when its 95 % interval
excludes zero and *material* when its mean is at least the KPI's practical threshold — the
smallest change a street office would act on. Thresholds default to the table below (stated
once: ±1 point of a share, ±2 h of a 90th percentile, ±0.05 of a rank correlation, 5 % of a
count) and an experiment may set its own (``thresholds:``, a number in the KPI's units or a
share of the reference such as ``"5%"``). Numbers are written for people: shares as %, their
differences in points, hours with ``h``, counts with their denominator where one is known.
"""

from __future__ import annotations

import math

from sim.scenario.labels import LABELS, text

# kind of unit, which way is better (+1 higher, -1 lower, 0 neither), default practical threshold
# ("5%": a share of the reference mean; a number: in the KPI's own units)
KPI_TERMS: dict[str, tuple[str, int, float | str]] = {
    "closure_rate": ("share", +1, 0.01),
    "satisfaction": ("share", +1, 0.01),
    "escalation_rate": ("share", 0, 0.01),
    "reopen_rate": ("share", -1, 0.01),
    "latent_share": ("share", -1, 0.01),
    "worker_utilization": ("share", 0, 0.01),
    "resolution_hours_p50": ("hours", -1, 1.0),
    "resolution_hours_p90": ("hours", -1, 2.0),
    "response_hours_p50": ("hours", -1, 0.5),
    "response_hours_p90": ("hours", -1, 2.0),
    "wait_hours_mean": ("hours", -1, 1.0),
    "worker_overtime_hours_mean": ("hours", -1, 5.0),
    "vacancy_days": ("count", -1, "5%"),
    "absence_days": ("count", -1, "5%"),
    "attrition_count": ("count", -1, "5%"),
    "score_validity": ("correlation", +1, 0.05),
    "score_validity_within_type": ("correlation", +1, 0.05),
    "latent_harm_days": ("count", -1, "5%"),
    "open_harm_days": ("count", -1, "5%"),
    "cost_person_years": ("decimal", -1, "2%"),
    "incidents_created": ("count", 0, "5%"),
    "incidents_closed": ("count", 0, "5%"),
}
UNKNOWN = ("decimal", 0, "5%")
"""Terms of a KPI not in the table: a plain number, no better direction, 5 % of the reference."""


def terms(kpi: str) -> tuple[str, int, float | str]:
    """Unit kind, better direction and default threshold of ``kpi``."""
    if kpi.startswith("resolved_at_level."):
        return ("share", +1 if kpi == "resolved_at_level.grid" else 0, 0.01)  # 小事不出格
    return KPI_TERMS.get(kpi, UNKNOWN)


def name(kpi: str, lang: str = "en") -> str:
    """A KPI's readable name in ``lang``."""
    if kpi.startswith("resolved_at_level."):
        level = kpi.split(".", 1)[1]
        return text("metric.resolved_at_level", lang, level=text(f"level.{level}", lang))
    return text(f"metric.{kpi}", lang) if f"metric.{kpi}" in LABELS else kpi


def better(kpi: str) -> int:
    """Which way a KPI is better: +1 higher, -1 lower, 0 neither."""
    return terms(kpi)[1]


def threshold(kpi: str, reference_mean: float, declared: dict[str, float | str] | None = None) -> float:
    """The practical threshold of ``kpi`` in its own units: the experiment's, else the default;
    a share like ``"5%"`` is taken of the reference mean's magnitude."""
    spec = (declared or {}).get(kpi, terms(kpi)[2])
    if isinstance(spec, str):
        share = float(spec.strip().rstrip("%")) / 100
        return share * abs(reference_mean) if not math.isnan(reference_mean) else math.nan
    return float(spec)


def parse_threshold(value: float | str) -> float | str:
    """Check one declared threshold: a positive number, or a positive percentage such as ``"5%"``."""
    if isinstance(value, str):
        body = value.strip()
        if not body.endswith("%"):
            raise ValueError(f"{value!r} is neither a number nor a percentage like '5%'")
        share = float(body[:-1])
        if not share > 0:
            raise ValueError(f"{value!r} must be above 0 %")
        return body
    if not value > 0:
        raise ValueError(f"{value!r} must be above 0")
    return float(value)


def _num(v: float, digits: int, sign: bool) -> str:
    return f"{v:+,.{digits}f}" if sign else f"{v:,.{digits}f}"


def _count_digits(v: float) -> int:
    return 0 if abs(v) >= 20 else 1


def value(kpi: str, v: float | None, lang: str = "en", of: float | None = None) -> str:
    """A KPI's value for people: 98.8 %, 220.5 h, 0.54, 113 (of 1,850 where ``of`` is given)."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    kind = terms(kpi)[0]
    if kind == "share":
        return f"{v:.1%}"
    if kind == "hours":
        return text("fmt.hours", lang, v=_num(v, 1, False))
    if kind == "correlation":
        return f"{v:.2f}"
    if kind == "count":
        s = _num(v, _count_digits(v), False)
        return text("fmt.of", lang, v=s, n=f"{of:,.0f}") if of and not math.isnan(of) else s
    return _num(v, 1 if abs(v) >= 10 else 2, False)


def difference(kpi: str, d: float, lang: str = "en", base: float = math.nan) -> str:
    """A paired difference for people: +1.2 points, −3.4 h, +0.05, +12 (+3 %)."""
    if d is None or math.isnan(d):
        return "–"
    kind = terms(kpi)[0]
    if kind == "share":
        return text("fmt.points", lang, v=f"{100 * d:+.1f}")
    if kind == "hours":
        return text("fmt.hours", lang, v=_num(d, 1, True))
    if kind == "correlation":
        return f"{d:+.2f}"
    digits = _count_digits(d) if kind == "count" else (1 if abs(d) >= 10 else 2)
    s = _num(d, digits, True)
    if base and not math.isnan(base) and kind == "count":
        s += f" ({d / abs(base):+.1%})"
    return s


def interval(kpi: str, lo: float, hi: float, lang: str = "en") -> str:
    """The 95 % interval of a difference, in the difference's units."""
    if any(x is None or math.isnan(x) for x in (lo, hi)):
        return "–"
    return text("fmt.interval", lang, lo=difference(kpi, lo, lang), hi=difference(kpi, hi, lang))


def relative(kpi: str, d: float, base: float) -> str:
    """A count's difference as a share of the reference mean (``-14.7%``); empty for other kinds."""
    if terms(kpi)[0] != "count" or not base or math.isnan(base) or math.isnan(d):
        return ""
    return f"{d / abs(base):+.1%}"


def tick(kpi: str, d: float, lang: str = "en") -> tuple[str, str]:
    """A difference as an axis tick (a bare number) and the unit the axis label names."""
    kind = terms(kpi)[0]
    if kind == "share":
        return f"{100 * d:+.1f}", text("fmt.points_axis", lang)
    if kind == "hours":
        return f"{d:+.1f}", text("fmt.hours_axis", lang)
    if kind == "count":
        return (f"{d / 1000:+,.0f} k" if abs(d) >= 10_000 else f"{d:+,.0f}"), ""
    return f"{d:+.2f}", ""


def bounds(kpi: str, lo: float, hi: float, lang: str = "en") -> str:
    """The 95 % interval of a difference as ``[lo, hi]`` for a table column."""
    if any(x is None or math.isnan(x) for x in (lo, hi)):
        return "–"
    return f"[{difference(kpi, lo, lang).split(' (')[0]}, {difference(kpi, hi, lang).split(' (')[0]}]"


def classify(diff: float, lo: float, hi: float, thr: float) -> str:
    """``material`` (interval excludes 0, |mean| ≥ threshold), ``negligible`` (excludes 0,
    |mean| below it) or ``unclear`` (the interval holds 0, or there is no interval)."""
    if any(math.isnan(x) for x in (diff, lo, hi)) or lo == hi or not (lo > 0 or hi < 0):
        return "unclear"
    return "material" if not math.isnan(thr) and abs(diff) >= thr else "negligible"


def direction(kpi: str, diff: float) -> str:
    """``better``/``worse`` for a KPI with a better side, else ``higher``/``lower``."""
    b = better(kpi)
    if b:
        return "better" if (diff > 0) == (b > 0) else "worse"
    return "higher" if diff > 0 else "lower"
