"""Fit a scenario to a case log: arrival rates per grid × category (empirical-Bayes shrinkage toward
the community), hour-of-day and weekday profiles, channel shares, handling and resolution times
(scipy candidates chosen by AIC), satisfaction and reopening where the log has them.

Each fitted number goes into the scenario with a comment naming the source file, the rows used,
the estimate and its 95 % interval. The log records cases when they reach the platform, so the
fitted scenario lets every case surface by itself: residents report at once (``report`` or
``hotline`` at the log's share), and the share a patrol finds (``patrol``) is left unreported for
patrols to discover. Latent problems that never reached the platform are not identified by a log.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from sim.ingest.caselog import CHANNELS, CaseLog
from sim.ingest.commented import Flow, Noted, dump, plain
from sim.scenario import catalog

CANDIDATES = {
    "exponential": stats.expon,
    "lognormal": stats.lognorm,
    "gamma": stats.gamma,
    "weibull": stats.weibull_min,
}
"""Time distributions tried for handling and resolution times (location fixed at 0), chosen by AIC."""

PATROL_DISCOVERABILITY = 5.0
"""Patrol discovery hazard per patrol hour given to unreported cases of a fitted scenario: high, so
that a case the log credits to patrol is found on the next patrol hour (an assumption)."""

NEUTRAL_TYPE = {"rate_multiplier": {}, "property_absorbs": 0.0}
"""A fitted world's community types: the grids' own rates carry the differences, and every logged case
reached the platform (no property manager took it first)."""

GENERIC_CATEGORY = dict(catalog.CATEGORIES["livelihood"], label_zh="其他")
"""Template for a category the catalogue does not know (e.g. ``other``): livelihood's ladder."""


@dataclass
class TimeFit:
    """A fitted time distribution: best family by AIC, its scipy parameters, mean with interval."""

    family: str
    params: tuple
    n: int
    mean: float
    ci: tuple[float, float]
    cv: float
    aic: dict[str, float]


@dataclass
class Fit:
    """Everything ``fit`` produced: the commented scenario, the parts of the log and the time fits."""

    scenario: dict  # with Noted / Flow leaves: ``text`` is its YAML, ``plain`` what that parses to
    train: pd.DataFrame
    test: pd.DataFrame
    start: pd.Timestamp
    split: pd.Timestamp
    end: pd.Timestamp
    resolution: dict[str, TimeFit] = field(default_factory=dict)
    handling: dict[str, TimeFit] = field(default_factory=dict)
    header: str = ""
    estimates: dict[str, tuple[float, float, float]] = field(default_factory=dict)  # path → (estimate, 95 % lo, hi)

    @property
    def plain(self) -> dict:
        """The scenario as plain data (what the YAML text parses back to)."""
        return plain(self.scenario)

    @property
    def text(self) -> str:
        """The scenario as commented YAML."""
        return dump(self.scenario, self.header)


def fit_times(x: np.ndarray) -> TimeFit | None:
    """Best of :data:`CANDIDATES` by AIC for positive durations ``x`` (hours); ``None`` under 5 values."""
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x) & (x > 0)]
    if len(x) < 5:
        return None
    aic, params = {}, {}
    for name, dist in CANDIDATES.items():
        try:
            p = dist.fit(x, floc=0)
        except Exception:  # a family that does not converge is simply not a candidate
            continue
        ll = float(np.sum(dist.logpdf(x, *p)))
        if np.isfinite(ll):
            k = len(p) - 1  # location fixed
            aic[name], params[name] = 2 * k - 2 * ll, p
    low = min(aic.values())  # the simplest family within 2 AIC units of the best (parsimony)
    best = min((f for f in aic if aic[f] <= low + 2.0), key=lambda f: (len(params[f]), aic[f]))
    n, m, s = len(x), float(x.mean()), float(x.std(ddof=1))
    if best == "exponential":  # exact: 2 n x̄ / μ ~ χ²(2 n)
        ci = (2 * n * m / stats.chi2.ppf(0.975, 2 * n), 2 * n * m / stats.chi2.ppf(0.025, 2 * n))
    else:
        half = stats.t.ppf(0.975, n - 1) * s / math.sqrt(n)
        ci = (max(0.0, m - half), m + half)
    return TimeFit(best, tuple(params[best]), n, m, ci, s / m if m else 0.0, aic)


def poisson_ci(n: float, exposure: float) -> tuple[float, float]:
    """Exact (Garwood) 95 % interval of a Poisson rate from ``n`` events over ``exposure``."""
    lo = stats.chi2.ppf(0.025, 2 * n) / 2 if n > 0 else 0.0
    hi = stats.chi2.ppf(0.975, 2 * n + 2) / 2
    return lo / exposure, hi / exposure


def wilson(k: float, n: float) -> tuple[float, float]:
    """Wilson 95 % interval of a share ``k / n``."""
    if n <= 0:
        return (0.0, 1.0)
    p, z = k / n, 1.96
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return max(0.0, c - h), min(1.0, c + h)


def _r(x: float, digits: int = 4) -> float:
    return float(f"{x:.{digits}g}")


def _exposure(start: pd.Timestamp, stop: pd.Timestamp) -> tuple[np.ndarray, np.ndarray]:
    """Days of each weekday (Monday first) and hours of each hour of day in [start, stop)."""
    edges = pd.date_range(start.floor("h"), stop.ceil("h"), freq="h")
    lo = np.maximum(edges[:-1].values, np.datetime64(start))
    hi = np.minimum(edges[1:].values, np.datetime64(stop))
    hours = np.clip((hi - lo) / np.timedelta64(1, "h"), 0, 1)
    hod = np.bincount(edges[:-1].hour, hours, minlength=24)
    wd = np.bincount(edges[:-1].day_of_week, hours, minlength=7) / 24.0
    return wd, hod


def split_log(log: CaseLog, holdout: float | None, holdout_from: str | None) -> tuple:
    """The log's start, split and end times: fit before the split, check after it."""
    created = log.cases["created"]
    start, end = created.min().floor("D"), created.max()
    if holdout_from is not None:
        split = pd.Timestamp(holdout_from)
    elif not holdout:
        split = end + pd.Timedelta(seconds=1)  # nothing held out: fit on every case
    else:
        split = start + (end - start) * (1 - holdout)
    return start, split, end


def fit_log(log: CaseLog, district: dict, split: tuple, source_names: dict[str, str]) -> Fit:
    """Fit the scenario to the part of ``log`` before the split (``district``: the district scenario)."""
    start, t_split, end = split
    cases = log.cases
    train = cases[cases["created"] < t_split].reset_index(drop=True)
    test = cases[cases["created"] >= t_split].reset_index(drop=True)
    src, rows = source_names["cases"], len(train)
    where = f"{src}, {rows} rows before {t_split:%Y-%m-%d %H:%M}"
    world = district["world"]
    grids = [g for c in world["communities"] for g in c["grid_list"]]
    comm_of = np.repeat(np.arange(len(world["communities"])), [c["grids"] for c in world["communities"]])
    hh = np.array([(g.value if isinstance(g, Flow) else g)["households"] for g in grids], dtype=float)
    cats = sorted(train["category"].unique()) or log.categories
    days = (t_split - start) / pd.Timedelta(days=1)
    wd_exp, hod_exp = _exposure(start, t_split)

    # profiles (pooled over categories): cases per exposure hour / weekday, relative weights
    hod_n = np.bincount(train["created"].dt.hour, minlength=24)
    hourly = np.where(hod_exp > 0, hod_n / np.maximum(hod_exp, 1e-9), 0.0)
    weekday = None
    wd_n = np.bincount(train["created"].dt.day_of_week, minlength=7)
    if (wd_exp >= 1.0).all():  # every weekday seen for at least a full day
        weekday = wd_n / wd_exp
        weekday = weekday / weekday.mean()
    eff_days = float((wd_exp * (weekday if weekday is not None else 1.0)).sum())  # weekday-weighted exposure

    H = hh.sum()
    categories: dict = {"replace": True}
    n_gc = np.zeros((len(grids), len(cats)))
    for k, c in enumerate(cats):
        n_gc[:, k] = np.bincount(train.loc[train["category"] == c, "grid"], minlength=len(grids))
    mult, mult_ci, alpha = _shrink(n_gc, hh, comm_of)
    resolution, handling = {}, {}
    estimates: dict[str, tuple[float, float, float]] = {}
    for k, c in enumerate(cats):
        sub = train[train["category"] == c]
        n = float(n_gc[:, k].sum())
        expo = eff_days / 365.0 * H
        lo, hi = poisson_ci(n, expo)
        entry = dict(catalog.CATEGORIES.get(c, GENERIC_CATEGORY))
        estimates[f"categories.{c}.rate"] = (n / expo, lo, hi)
        entry["rate"] = Noted(
            _r(n / expo),
            f"{where}: {int(n)} cases / {H:,.0f} households × {eff_days:.2f} days "
            f"(per household-year); 95 % [{_r(lo)}, {_r(hi)}]",
        )
        entry["report_delay_hours"] = 0.0
        entry["worsen_per_day"] = 0.0
        if "channel" in log.present:
            ch = sub["channel"].dropna()
            k_p = float((ch == "patrol").sum())
            p = k_p / len(ch) if len(ch) else 0.0
            plo, phi = wilson(k_p, len(ch))
            entry["report_propensity"] = Noted(
                _r(1 - p), f"1 − patrol share {p:.3f} [{plo:.3f}, {phi:.3f}] of {len(ch)} rows with a channel"
            )
            entry["discoverability"] = Noted(
                PATROL_DISCOVERABILITY if p > 0 else 0.0,
                "assumption: unreported cases are found on the next patrol hour",
            )
        else:
            entry["report_propensity"] = 1.0
            entry["discoverability"] = 0.0
        if "closed" in log.present:
            r = (sub["closed"] - sub["created"]).dt.total_seconds().to_numpy() / 3600.0
            f = fit_times(r)
            if f is not None:
                resolution[c] = f
        if "accepted" in log.present and "closed" in log.present:
            h = (sub["closed"] - sub["accepted"]).dt.total_seconds().to_numpy() / 3600.0
            f = fit_times(h)
            if f is not None:
                handling[c] = f
                estimates[f"categories.{c}.handling_hours"] = (f.mean, *f.ci)
                entry["handling_hours"] = Noted(
                    _r(f.mean),
                    f"{where}: mean accepted → closed of {f.n} cases, "
                    f"95 % [{_r(f.ci[0])}, {_r(f.ci[1])}] h; best by AIC {f.family}",
                )
        categories[c] = entry

    communities = []
    for ci, comm in enumerate(world["communities"]):
        glist = []
        for j, g in enumerate(comm["grid_list"]):
            gi = int(np.flatnonzero(comm_of == ci)[j])
            gd = dict(g.value if isinstance(g, Flow) else g)
            gd["rate_multiplier"] = {c: _r(mult[gi, k]) for k, c in enumerate(cats)}
            for k, c in enumerate(cats):
                estimates[f"grids.{gd['source_id']}.rate_multiplier.{c}"] = (
                    float(mult[gi, k]),
                    float(mult_ci[0][gi, k]),
                    float(mult_ci[1][gi, k]),
                )
            note = "; ".join(
                f"{c} {int(n_gc[gi, k])} cases [{_r(mult_ci[0][gi, k], 3)}, {_r(mult_ci[1][gi, k], 3)}]"
                for k, c in enumerate(cats)
            )
            glist.append(Noted(Flow(gd), f"rate_multiplier: posterior mean, 95 % interval: {note}"))
        communities.append({**comm, "grid_list": glist})
    types = sorted({c["type"] for c in world["communities"]})
    scenario: dict = {
        "name": f"{district.get('name', 'district')}-fitted",
        "description": f"Fitted by gridsim fit from {src} ({rows} rows before {t_split:%Y-%m-%d %H:%M}) "
        f"on {source_names['district']}",
        "seed": 0,
        "days": Noted(max(1, math.ceil(days)), "the fitting period's length in days"),
        "world": {**world, "communities": communities},
        "community_types": {"replace": True, **{t: {**_type_entry(t, district), **NEUTRAL_TYPE} for t in types}},
        "categories": categories,
        "arrivals": {
            "hourly_profile": Noted(
                [_r(x, 3) for x in hourly / hourly.sum()], f"{where}: cases per hour of day / exposure hours, share"
            ),
        },
        "residents": _residents(train, log, where),
    }
    police = dict(district.get("police") or {})  # police take only categories the fitted scenario has
    from sim.scenario.schema import Police

    police["categories"] = [c for c in police.get("categories", Police().categories) if c in cats]
    scenario["police"] = police
    for key, value in district.items():  # the district file's other settings (staffing, levels …) stay
        if key not in scenario:
            scenario[key] = value
        elif isinstance(value, dict) and key in ("arrivals", "residents", "handling"):
            scenario[key] = {**value, **scenario[key]}
    if weekday is not None:
        scenario["arrivals"]["weekday_profile"] = Noted(
            [_r(x, 3) for x in weekday], f"{where}: cases per weekday / days of it (Monday first)"
        )
    if handling:
        scenario["handling"] = _handling(handling, where)
    header = (
        f"Scenario fitted by `gridsim fit` from {src} on {source_names['district']} with {source_names['mapping']}.\n"
        f"Log: {len(cases)} cases {start:%Y-%m-%d} – {end:%Y-%m-%d %H:%M}; fitted on {rows} before "
        f"{t_split:%Y-%m-%d %H:%M}, {len(test)} held out.\n"
        "Grid × category rates: empirical Bayes (gamma–Poisson) shrinkage toward the community's rate, "
        "α per category: "
        + ", ".join(f"{c} {a}" for c, a in zip(cats, alpha, strict=True))
        + ".\n"
        + (
            "Weekday profile: not identified (the fitting period does not cover every weekday).\n"
            if weekday is None
            else ""
        )
        + _time_lines("resolution (created → closed)", resolution)
        + _time_lines("handling (accepted → closed)", handling)
        + ("Handling times: not identified (no accepted time): the catalogue's are kept.\n" if not handling else "")
        + _level_line(train)
        + "".join(f"Note: {n}\n" for n in log.notes)
    )
    return Fit(scenario, train, test, start, t_split, end, resolution, handling, header, estimates)


def _type_entry(name: str, district: dict) -> dict:
    """A community type as the district file defines it, else as the catalogue does."""
    own = {k: v for k, v in (district.get("community_types") or {}).items() if k != "replace"}
    return dict(own.get(name) or catalog.COMMUNITY_TYPES.get(name, {}))


def _shrink(n: np.ndarray, hh: np.ndarray, comm: np.ndarray):
    """Gamma–Poisson shrinkage of each grid's rate ratio toward its community's (method-of-moments α);
    returns posterior means, their 95 % intervals and α per category."""
    G, C = n.shape
    share = hh / hh.sum()
    post, lo, hi, alphas = np.ones((G, C)), np.zeros((G, C)), np.zeros((G, C)), []
    for k in range(C):
        e = n[:, k].sum() * share  # expected cases at the district's rate per household
        if e.sum() <= 0:
            alphas.append("n/a")
            continue
        r = n[:, k] / e
        v = float(np.sum(e * (r - 1.0) ** 2) / e.sum() - len(e) / e.sum())  # between-grid variance of θ
        a = 1.0 / v if v > 1e-9 else 1e6
        ek = np.bincount(comm, e)
        nk = np.bincount(comm, n[:, k])
        m = ((nk + a) / (ek + a))[comm]  # community's ratio, itself shrunk toward the district's (1)
        shape, rate = a + n[:, k], a / m + e
        post[:, k] = shape / rate
        lo[:, k] = stats.gamma.ppf(0.025, shape, scale=1 / rate)
        hi[:, k] = stats.gamma.ppf(0.975, shape, scale=1 / rate)
        alphas.append(_r(a, 3))
    return post, (lo, hi), alphas


def _residents(train: pd.DataFrame, log: CaseLog, where: str) -> dict:
    out: dict = {
        "base_willingness": Noted(1.0, "every case in a log was reported or found: willingness is not separable")
    }
    if "channel" in log.present:
        ch = train["channel"].dropna()
        rep, hot = float((ch == "report").sum()), float((ch == "hotline").sum())
        if rep + hot > 0:
            lo, hi = wilson(rep, rep + hot)
            out["awareness_mean"] = Noted(
                _r(rep / (rep + hot), 3),
                f"{where}: report share of resident contacts "
                f"({int(rep)} report, {int(hot)} hotline); 95 % [{lo:.3f}, {hi:.3f}]",
            )
            out["awareness_gain_on_contact"] = Noted(0.0, "held at the log's share")
    sat = train["satisfied"].dropna() if "satisfied" in train else pd.Series(dtype=bool)
    if len(sat):
        k = float(sat.sum())
        lo, hi = wilson(k, len(sat))
        out["satisfaction_base"] = Noted(
            _r(k / len(sat), 3), f"{where}: satisfied share of {len(sat)} rated cases; 95 % [{lo:.3f}, {hi:.3f}]"
        )
    reo = train["reopened"].dropna() if "reopened" in train else pd.Series(dtype=bool)
    if len(reo) and len(sat):
        unsat = 1 - float(sat.mean())
        rr = float(reo.mean())
        out["reopen_if_unsatisfied"] = Noted(
            _r(min(1.0, rr / unsat) if unsat > 0 else 0.0, 3),
            f"{where}: reopened share {rr:.3f} / unsatisfied share {unsat:.3f}",
        )
    return out


def _handling(handling: dict[str, TimeFit], where: str) -> dict:
    aic = {f: sum(t.aic.get(f, 0.0) for t in handling.values()) for f in CANDIDATES}
    best = min(aic, key=aic.__getitem__)
    cv = float(np.average([t.cv for t in handling.values()], weights=[t.n for t in handling.values()]))
    if best == "exponential":
        return {"family": Noted("exponential", f"{where}: lowest total AIC over categories")}
    return {
        "family": Noted("lognormal", f"{where}: best by total AIC {best} (written as lognormal of its cv)"),
        "cv": Noted(_r(cv, 3), "handling times' coefficient of variation, weighted over categories"),
    }


def _level_line(train: pd.DataFrame) -> str:
    """The share of cases settled at each level, where the log says (compare ``resolved_at_level``)."""
    if "level" not in train or train["level"].isna().all():
        return ""
    lv = train["level"].dropna()
    shares = ", ".join(f"{k} {v:.3f}" for k, v in lv.value_counts(normalize=True).items())
    return f"Level reached (rows with a level, {len(lv)}): {shares}\n"


def _time_lines(what: str, fits: dict[str, TimeFit]) -> str:
    if not fits:
        return ""
    parts = [
        f"  {c}: {f.family} (n {f.n}, mean {f.mean:.1f} h [{f.ci[0]:.1f}, {f.ci[1]:.1f}], cv {f.cv:.2f})"
        for c, f in fits.items()
    ]
    return f"Fitted {what} times by AIC among {', '.join(CANDIDATES)}:\n" + "\n".join(parts) + "\n"


__all__ = ["CHANNELS", "Fit", "TimeFit", "fit_log", "fit_times", "poisson_ci", "split_log", "wilson"]
