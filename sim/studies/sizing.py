"""Headcount sizing (编制测算): the fewest grid workers that meet the service targets.

A candidate headcount *holds* when, across replications, the share of simulated years in
which every target is met is at least the stated confidence. More workers never make a
target harder to meet, so the search brackets the answer (doubling steps from the
scenario's own headcount) and bisects; every candidate runs with the same seeds (common
random numbers), through the experiment runner, so a sizing is parallel, distributable and
resumable like any sweep. Beside the answer stand Erlang C and M/M/c+D (the grid's fixed time limit) for the same
arrival and handling rates, measured from a run at the answer: what the usual calculator
would have said.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from sim.scenario.loading import ScenarioError, load_scenario
from sim.studies import erlang

TARGET = re.compile(r"^\s*([A-Za-z_][\w.]*)\s*(<=|>=|<|>)\s*([-+0-9.eE]+)\s*$")


@dataclass(frozen=True)
class ServiceTarget:
    """``kpi <= value``, ``kpi < value``, ``kpi >= value`` or ``kpi > value`` on a number of the run summary."""

    kpi: str
    op: str
    value: float

    @classmethod
    def parse(cls, text: str) -> ServiceTarget:
        """A target from ``KPI<=VALUE`` or ``KPI>=VALUE``; a ``ScenarioError`` names what is wrong."""
        m = TARGET.match(text)
        if not m:
            raise ScenarioError(f"--target {text!r}: expected KPI<=VALUE or KPI>=VALUE, e.g. resolution_hours_p90<=72")
        try:
            value = float(m.group(3))
        except ValueError:
            raise ScenarioError(f"--target {text!r}: {m.group(3)!r} is not a number") from None
        return cls(m.group(1), m.group(2), value)

    def met(self, x: np.ndarray) -> np.ndarray:
        """Where the target holds in ``x`` (a missing value never meets it; ``<`` and ``>`` are strict)."""
        x = np.asarray(x, dtype=float)
        held = {"<=": x <= self.value, "<": x < self.value, ">=": x >= self.value, ">": x > self.value}[self.op]
        return np.where(np.isnan(x), False, held)

    def __str__(self) -> str:
        return f"{self.kpi}{self.op}{self.value:g}"


def check_targets(scenario: str | Path, targets: list[ServiceTarget], overrides: dict | None = None) -> None:
    """Refuse a target whose KPI is not a number in a run summary, before anything is written:
    one line naming the closest KPI names (a one-day run of the scenario says which exist)."""
    import difflib

    from sim.scenario.loading import read_raw
    from sim.studies.sweep import execute

    raw = read_raw(Path(scenario))
    res = execute((raw, str(scenario), [f"{k}={v}" for k, v in (overrides or {}).items()], None, 1, 0))
    if "error" in res:
        raise ScenarioError(f"{scenario}: the scenario fails to run: {res['error']}")
    names = [k for k, v in res["summary"].items() if isinstance(v, (int, float)) and not isinstance(v, bool)]
    for t in targets:
        if t.kpi not in names:
            close = difflib.get_close_matches(t.kpi, names, n=3, cutoff=0.5)
            hint = f"; did you mean {' or '.join(close)}?" if close else " (gridsim run prints the KPIs)"
            raise ScenarioError(f"--target {t}: {t.kpi!r} is not a KPI of a run summary{hint}")


@dataclass
class Sizing:
    """What a sizing found: the answer per variable, every candidate evaluated, Erlang."""

    answer: dict[str, int]
    evaluations: pd.DataFrame  # one row per candidate and replication
    erlang: pd.DataFrame  # per team kind: λ, 1/μ, θ, Erlang C and A staffing per target
    simulations: int
    notes: list[str] = field(default_factory=list)


class Sizer:
    """Evaluates candidate headcounts through the sweep runner and searches for the least."""

    def __init__(
        self,
        scenario: str | Path,
        targets: list[ServiceTarget],
        confidence: float,
        reps: int,
        out: str | Path,
        days: int | None = None,
        seed: int | None = None,
        workers: int = 1,
        scheduler: str | None = None,
        overrides: dict | None = None,
        progress: bool = False,
        log=print,
    ):
        if not 0 < confidence <= 1:
            raise ScenarioError(f"--confidence: must be in (0, 1], got {confidence}")
        self.scenario = Path(scenario).resolve()
        self.config = load_scenario(scenario, [f"{k}={v}" for k, v in (overrides or {}).items()])
        self.targets, self.confidence, self.reps = targets, confidence, reps
        self.out, self.days = Path(out), days or self.config.days
        self.seed = self.config.seed if seed is None else seed
        self.workers, self.scheduler, self.progress, self.log = workers, scheduler, progress, log
        self.overrides = dict(overrides or {})
        self.rows: list[pd.DataFrame] = []
        self.cache: dict[tuple, pd.DataFrame] = {}

    # -- evaluation

    def evaluate(self, settings: dict[str, int]) -> pd.DataFrame:
        """Replications of the scenario with ``settings`` (plus the fixed overrides): one
        row per replication with every summary number."""
        from sim.studies.experiment import experiment_from
        from sim.studies.sweep import load_results, sweep

        key = tuple(sorted(settings.items()))
        if key in self.cache:
            return self.cache[key]
        name = ", ".join(f"{k}={v}" for k, v in settings.items())
        exp = experiment_from(
            {
                "name": "size",
                "scenario": str(self.scenario),
                "days": self.days,
                "seed": self.seed,
                "set": self.overrides,
                "policies": [{"name": name, "set": dict(settings)}],
                "replications": self.reps,
                "kpis": sorted({t.kpi for t in self.targets}),
            },
            self.out / "size_experiment.yaml",
        )
        manifest = sweep(
            exp,
            self.out,
            self.workers,
            self.scheduler,
            progress=self.progress,
            log=lambda *_: None,
            check_kpis=not self.cache,
        )
        failed = manifest[manifest["status"] != "done"]
        if len(failed):
            raise ScenarioError(f"{self.scenario}: {len(failed)} run(s) failed at {name}: {failed['error'].iloc[0]}")
        res = load_results(self.out)
        for k, v in settings.items():
            res[k] = v
        self.cache[key] = res
        self.rows.append(res)
        return res

    def share_met(self, res: pd.DataFrame, prefix: str = "") -> float:
        """Share of replications in which every target holds (``prefix`` selects a
        community type's own KPIs)."""
        ok = np.ones(len(res), dtype=bool)
        for t in self.targets:
            col = prefix + t.kpi
            if col not in res:
                raise ScenarioError(f"--target {t}: {col!r} is not a number in a run summary")
            ok &= t.met(res[col].to_numpy())
        return float(ok.mean()) if len(ok) else 0.0

    def holds(self, settings: dict[str, int], prefix: str = "") -> bool:
        """Whether the targets hold at these settings in at least ``confidence`` of the
        replications; logs the share."""
        share = self.share_met(self.evaluate(settings), prefix)
        self.log(
            f"  {', '.join(f'{k}={v}' for k, v in settings.items())}: targets met in "
            f"{share:.0%} of {self.reps} replications → {'holds' if share >= self.confidence else 'fails'}"
        )
        return share >= self.confidence

    # -- search

    def search(
        self, key: str, start: int, fixed: dict[str, int], prefix: str = "", low: int = 1, high: int = 30
    ) -> int:
        """Least value of ``key`` in [low, high] that holds, by bracketing then bisection."""

        def ok(h: int) -> bool:
            return self.holds({**fixed, key: h}, prefix)

        h = min(max(start, low), high)
        if ok(h):
            hi, lo, step = h, None, 1
            while hi > low:
                cand = max(low, hi - step)
                if ok(cand):
                    hi, step = cand, step * 2
                else:
                    lo = cand
                    break
            if lo is None:
                return hi
        else:
            lo, hi, step = h, None, 1
            while hi is None:
                if lo >= high:
                    raise ScenarioError(
                        f"{key}: no value up to {high} meets {', '.join(map(str, self.targets))} "
                        f"with confidence {self.confidence:g} (raise --max or relax a target)"
                    )
                cand = min(high, lo + step)
                if ok(cand):
                    hi = cand
                else:
                    lo, step = cand, step * 2
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if ok(mid):
                hi = mid
            else:
                lo = mid
        return hi

    @property
    def simulations(self) -> int:
        """Simulations run so far (each candidate's replications, counted once)."""
        return sum(len(r) for r in self.cache.values())

    def evaluations(self) -> pd.DataFrame:
        """Every candidate evaluated so far, one row per replication."""
        return pd.concat(self.rows, ignore_index=True) if self.rows else pd.DataFrame()


# ------------------------------------------------------------------ the three questions


def size(sizer: Sizer, by_type: bool = False, mix: int | None = None, high: int = 30) -> Sizing:
    """Least full-time workers per grid meeting every target; per community type with
    ``by_type``; with ``mix`` = the most part-time workers per grid to consider, the
    cheapest full-time / part-time combination at the scenario's ``staffing.costs``."""
    sc = sizer.config
    general = sc.staffing.full_time
    notes = []
    if sc.staffing.by_grid:
        notes.append(
            f"staffing.by_grid fixes the headcount of {len(sc.staffing.by_grid)} grid(s); sizing moves the others"
        )
    if by_type and mix is not None:
        raise ScenarioError("--by community_type and --mix: choose one")
    if by_type:
        types = [t for t in sorted(set(sizer_world_types(sc)))]
        current = {
            t: (
                sc.staffing.by_type[t].full_time
                if t in sc.staffing.by_type and sc.staffing.by_type[t].full_time is not None
                else general
            )
            for t in types
        }
        answer = {f"staffing.by_type.{t}.full_time": current[t] for t in types}
        for _ in range(2):  # coordinate search; a second pass only if the joint check fails
            for t in types:
                key = f"staffing.by_type.{t}.full_time"
                fixed = {k: v for k, v in answer.items() if k != key}
                sizer.log(f"{t}:")
                answer[key] = sizer.search(key, answer[key], fixed, prefix=f"by_community_type.{t}.", high=high)
            joint = sizer.evaluate(answer)
            if all(sizer.share_met(joint, f"by_community_type.{t}.") >= sizer.confidence for t in types):
                break
            notes.append("the per-type answers interact (shared community and street desks): searched a second pass")
    elif mix is not None:
        costs = sc.staffing.costs
        best, h = None, general
        for p in range(0, mix + 1):
            sizer.log(f"part_time={p}:")
            h = sizer.search("staffing.full_time", h, {"staffing.part_time": p}, high=high)
            cost = h * costs["grid_worker"] + p * costs["part_time"]
            notes.append(f"part_time={p}: full_time={h}, cost {cost:g} person-years per grid")
            if best is None or cost < best[0]:
                best = (cost, {"staffing.full_time": h, "staffing.part_time": p})
        answer = best[1]
    else:
        answer = {"staffing.full_time": sizer.search("staffing.full_time", general, {}, high=high)}
    table = erlang_table(sizer, answer, by_type)
    return Sizing(answer, sizer.evaluations(), table, sizer.simulations, notes)


def sizer_world_types(sc) -> list[str]:
    """The community types present in the scenario's world."""
    if sc.world.communities:
        return [c.type for c in sc.world.communities]
    return [t for t, w in sc.world.community_mix.items() if w > 0]


# ------------------------------------------------------------------ Erlang beside it

THEORY_NAMES = {"erlang_c": "Erlang C", "mmc_d": "M/M/c+D"}
"""Column prefix of a queueing theory in the sizing's table → its name as printed."""


def erlang_table(sizer: Sizer, answer: dict[str, int], by_type: bool) -> pd.DataFrame:
    """λ per team and mean handling time of grid-level staff, measured in one run at the
    answer, and what Erlang C / M/M/c+D (fixed time limit τ) would staff for each target they can express."""
    from sim.output.runner import run_scenario
    from sim.output.tables import workers_table

    sc = load_scenario(sizer.scenario, [f"{k}={v}" for k, v in {**sizer.overrides, **answer}.items()])
    model = run_scenario(sc, seed=sizer.seed, days=sizer.days, transitions=False)
    w = workers_table(model)
    grid_level = w[w["post"].notna() & (w["cases_handled"] > 0)] if "post" in w else w.iloc[0:0]
    first = sc.levels[0]
    tau = first.time_limit_hours if first.time_limit_hours and len(sc.levels) > 1 else None
    hours = model.day * 24.0
    team_of_grid = np.asarray(model.plan.team_of_grid)
    grid_type = np.asarray(model.world.grid_type)
    groups = (
        {name: (grid_type == i) for i, name in enumerate(model.world.type_names) if (grid_type == i).any()}
        if by_type
        else {"all": np.ones(len(grid_type), dtype=bool)}
    )
    rows = []
    for name, grids in groups.items():
        mine = grid_level if name == "all" else grid_level[grid_level["community_type"].astype(str) == name]
        teams = len(set(team_of_grid[grids].tolist()))
        cases, busy = float(mine["cases_handled"].sum()), float(mine["busy_hours"].sum())
        if cases <= 0 or teams == 0:
            continue
        lam, mu = cases / hours / teams, cases / busy
        key = "staffing.full_time" if name == "all" else f"staffing.by_type.{name}.full_time"
        row = {
            "group": name,
            "teams": teams,
            "lambda_per_team_hour": lam,
            "handling_hours_mean": 1 / mu,
            "time_limit_hours": tau,
            "simulated": answer.get(key, answer.get("staffing.full_time")),
        }
        for t in sizer.targets:
            spec = _erlang_target(t, mu, sizer.confidence)
            for label, limit in (("erlang_c", None), ("mmc_d", tau)):
                if label == "mmc_d" and limit is None:
                    continue  # no time limit (or nowhere to pass a case up): M/M/c+D is Erlang C
                try:
                    row[f"{label}:{t}"] = erlang.staff_for(lam, mu, limit=limit, **spec) if spec else None
                except ValueError:
                    row[f"{label}:{t}"] = None
        rows.append(row)
    return pd.DataFrame(rows)


def _erlang_target(t: ServiceTarget, mu: float, confidence: float) -> dict | None:
    """The Erlang form of a target, where there is one: a mean wait, or a quantile of the
    time to resolution read as wait + the mean handling time."""
    if t.op not in ("<=", "<"):
        return None
    if t.kpi.endswith("wait_hours_mean"):
        return {"mean_wait": t.value}
    m = re.search(r"resolution_hours_p(\d+)$", t.kpi)
    if m:
        return {"wait_within": max(t.value - 1.0 / mu, 0.0), "quantile": int(m.group(1)) / 100.0}
    return None


# ------------------------------------------------------------------ output


def plot(sizing: Sizing, sizer: Sizer, path: Path) -> None:
    """Each target KPI against headcount: mean and the band that the confidence speaks
    of, the target, the chosen headcount, and Erlang C / A beside it."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ev = sizing.evaluations
    var = [k for k in sizing.answer if k.endswith("full_time")]
    fig, axes = plt.subplots(
        len(var), len(sizer.targets), figsize=(7.4 * len(sizer.targets), 3.6 * len(var)), squeeze=False
    )
    lo_q, hi_q = 1 - sizer.confidence, sizer.confidence
    for r, key in enumerate(var):
        group = key.split(".")[2] if key.count(".") > 1 else "all"
        prefix = f"by_community_type.{group}." if group != "all" else ""
        others = {k: v for k, v in sizing.answer.items() if k != key}
        sel = ev
        for k, v in others.items():  # the slice of evaluations that varied only this key
            if k in sel:
                sel = sel[sel[k] == v]
        for c, t in enumerate(sizer.targets):
            ax = axes[r][c]
            col = prefix + t.kpi
            g = sel.groupby(key)[col]
            x = np.array(sorted(g.groups))
            ax.fill_between(
                x,
                g.quantile(lo_q).reindex(x),
                g.quantile(hi_q).reindex(x),
                alpha=0.25,
                color="#1f77b4",
                label=f"simulated, {lo_q:.0%}–{hi_q:.0%} of years",
            )
            ax.plot(x, g.mean().reindex(x), "o-", color="#1f77b4", label="simulated mean")
            ax.axhline(t.value, color="black", lw=0.8, ls="--", label=f"target {t.op} {t.value:g}")
            ax.axvline(
                sizing.answer[key], color="#2a9d4b", lw=2, alpha=0.6, label=f"simulation's answer: {sizing.answer[key]}"
            )
            erl = sizing.erlang[sizing.erlang["group"] == group] if len(sizing.erlang) else sizing.erlang
            marks = [int(sizing.answer[key])]
            for label, marker, colour in (("erlang_c", "v", "#d1495b"), ("mmc_d", "^", "#6c4f9e")):
                col_e, name = f"{label}:{t}", THEORY_NAMES[label]
                if not len(erl) or col_e not in erl or pd.isna(erl[col_e].iloc[0]):
                    continue
                v = int(erl[col_e].iloc[0])
                marks.append(v)
                ax.plot(
                    [v],
                    [1.0],
                    marker=marker,
                    ms=10,
                    color=colour,
                    transform=ax.get_xaxis_transform(),
                    clip_on=False,
                    ls="none",
                    label=f"{name} staffing: {v}",
                )
                if t.kpi.endswith("wait_hours_mean"):  # Erlang's own prediction of the KPI
                    row = erl.iloc[0]
                    lam, mu, tau = row["lambda_per_team_hour"], 1 / row["handling_hours_mean"], row["time_limit_hours"]
                    cs = np.arange(max(1, min(x.min(), v) - 1), max(x.max(), v) + 2)
                    wq = [_safe_wq(lam, mu, None if label == "erlang_c" else tau, int(c)) for c in cs]
                    ax.plot(
                        cs, wq, ls=":" if label == "erlang_c" else "-.", color=colour, lw=1.2, label=f"{name} mean wait"
                    )
            lo_x, hi_x = int(min(min(marks), x.min())), int(max(max(marks), x.max()))
            ax.set_xlim(lo_x - 0.5, hi_x + 0.5)
            ax.set_xticks(range(lo_x, hi_x + 1))
            ax.set_ylim(bottom=0)
            ax.set_xlabel(f"full-time workers per grid{'' if group == 'all' else f' ({group})'}", fontsize=9)
            ax.set_title(f"{t.kpi}{'' if group == 'all' else f' — {group}'}", fontsize=10)
            ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    fig.suptitle(f"Headcount sizing: targets met in ≥ {sizer.confidence:.0%} of simulated years", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _safe_wq(lam: float, mu: float, tau: float | None, c: int) -> float:
    try:
        return erlang.erlang_c(lam, mu, c)[1] if tau is None else erlang.mmc_d(lam, mu, c, tau)["wq"]
    except ValueError:  # Erlang C with too few servers: the queue grows without bound
        return float("nan")


def write(sizing: Sizing, sizer: Sizer) -> list[Path]:
    """Write ``size_evaluations.csv``, ``size_erlang.csv``, ``size.png`` and ``size.yaml`` into the
    sizer's directory; returns their paths."""
    out = sizer.out
    ev_path, erl_path, png, ans = (
        out / "size_evaluations.csv",
        out / "size_erlang.csv",
        out / "size.png",
        out / "size.yaml",
    )
    keep = [
        c
        for c in sizing.evaluations.columns
        if c in ("policy", "rep", "seed") or c.startswith("staffing.") or any(c.endswith(t.kpi) for t in sizer.targets)
    ]
    sizing.evaluations[keep].to_csv(ev_path, index=False)
    sizing.erlang.to_csv(erl_path, index=False)
    plot(sizing, sizer, png)
    ans.write_text(
        yaml.safe_dump(
            {
                "scenario": str(sizer.scenario),
                "targets": [str(t) for t in sizer.targets],
                "confidence": sizer.confidence,
                "replications": sizer.reps,
                "seed": sizer.seed,
                "days": sizer.days,
                "answer": sizing.answer,
                "simulations": sizing.simulations,
                "notes": sizing.notes,
            },
            sort_keys=False,
            allow_unicode=True,
        ),
        encoding="utf-8",
    )
    return [ans, ev_path, erl_path, png]


def table(sizing: Sizing, sizer: Sizer, by_type: bool = False) -> str:
    """The printed summary: every candidate with the share of years meeting the targets."""
    ev = sizing.evaluations
    keys = [c for c in ev.columns if c.startswith("staffing.")]
    lines = []
    for settings, g in ev.groupby(keys, sort=True):
        settings = settings if isinstance(settings, tuple) else (settings,)
        cells = [
            f"{k.split('.')[-2] if k.count('.') > 1 else k.split('.')[-1]}={v}"
            for k, v in zip(keys, settings, strict=True)
        ]
        stats = []
        for t in sizer.targets:
            cols = (
                [c for c in g.columns if (c.endswith("." + t.kpi) and c.startswith("by_community_type."))]
                if by_type
                else [t.kpi]
            )
            for col in cols:
                share = t.met(g[col].to_numpy()).mean()
                stats.append(f"{col} {g[col].mean():.4g} (met {share:.0%})")
        lines.append(f"  {', '.join(cells):<44}{'  '.join(stats)}")
    return "\n".join(lines)


# ------------------------------------------------------------------ in the planner's terms


def wilson(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a proportion ``k`` of ``n`` (statsmodels): honest at 0 or n of
    few replications, where the normal interval collapses to a point."""
    from statsmodels.stats.proportion import proportion_confint

    if n == 0:
        return float("nan"), float("nan")
    lo, hi = proportion_confint(k, n, alpha=1 - level, method="wilson")
    return float(lo), float(hi)


def replications_needed(confidence: float, level: float = 0.95, most: int = 10_000) -> int:
    """The fewest replications whose Wilson lower bound reaches ``confidence`` when every one
    meets the targets: below it, no outcome can show the stated confidence."""
    n = 1
    while n < most and wilson(n, n, level)[0] < confidence:
        n += 1
    return n


def planner_terms(sizing: Sizing, sizer: Sizer, by_type: bool = False) -> pd.DataFrame:
    """Per community type and for the whole district: grids, today's full-time headcount, the
    answer's, the change, the yearly cost of each (person-years at ``staffing.costs``), and per
    target the attainment at the answer — replications meeting it, of how many, with the Wilson
    interval. Grids fixed by ``staffing.by_grid`` are counted at their type's value."""
    from sim.world.district import build_world

    sc = sizer.config
    world = build_world(sc)
    counts = {name: int((np.asarray(world.grid_type) == i).sum()) for i, name in enumerate(world.type_names)}
    counts = {t: n for t, n in counts.items() if n}
    costs = sc.staffing.costs
    today_per, answer_per, part_per = {}, {}, {}
    for t in counts:
        own = sc.staffing.by_type.get(t)
        today_per[t] = own.full_time if own is not None and own.full_time is not None else sc.staffing.full_time
        answer_per[t] = sizing.answer.get(
            f"staffing.by_type.{t}.full_time", sizing.answer.get("staffing.full_time", today_per[t])
        )
        part_per[t] = (sizing.answer.get("staffing.part_time", sc.staffing.part_time), sc.staffing.part_time)
    res = sizer.cache.get(tuple(sorted(sizing.answer.items())))
    rows = []
    for group in [*counts, "district"]:
        members = list(counts) if group == "district" else [group]
        today = sum(counts[t] * today_per[t] for t in members)
        answer = sum(counts[t] * answer_per[t] for t in members)
        parts_now = sum(counts[t] * part_per[t][1] for t in members)
        parts_then = sum(counts[t] * part_per[t][0] for t in members)
        row = {
            "group": group,
            "grids": sum(counts[t] for t in members),
            "today": today,
            "answer": answer,
            "change": answer - today,
            "cost_today": today * costs.get("grid_worker", 1.0) + parts_now * costs.get("part_time", 0.0),
            "cost_answer": answer * costs.get("grid_worker", 1.0) + parts_then * costs.get("part_time", 0.0),
        }
        prefix = f"by_community_type.{group}." if by_type and group != "district" else ""
        for target in sizer.targets:
            col = prefix + target.kpi
            if res is None or col not in res:
                continue
            met = target.met(res[col].to_numpy())
            lo, hi = wilson(int(met.sum()), len(met))
            row[f"met:{target}"] = int(met.sum())
            row[f"of:{target}"] = len(met)
            row[f"lo:{target}"], row[f"hi:{target}"] = lo, hi
        rows.append(row)
    return pd.DataFrame(rows)


def print_planner(frame: pd.DataFrame, sizer: Sizer) -> list[str]:
    """The planner's table as lines: headcount today → answer (change), yearly cost, and each
    target's attainment with its Wilson interval; a warning when the replications cannot
    support the stated confidence."""
    lines = ["", "in the planner's terms (full-time grid workers; cost in person-years a year at staffing.costs):"]
    for r in frame.to_dict("records"):
        cells = [
            f"{r['group']} ({r['grids']} grids): today {r['today']:,} → {r['answer']:,} ({r['change']:+,}); "
            f"cost {r['cost_today']:,.1f} → {r['cost_answer']:,.1f} a year"
        ]
        for t in sizer.targets:
            if f"met:{t}" in r and r[f"of:{t}"] == r[f"of:{t}"]:
                cells.append(
                    f"{t} met in {int(r[f'met:{t}'])} of {int(r[f'of:{t}'])} "
                    f"(95 % Wilson interval {r[f'lo:{t}']:.0%}–{r[f'hi:{t}']:.0%})"
                )
        lines.append("  " + "; ".join(cells))
    need = replications_needed(sizer.confidence)
    if sizer.reps < need:
        best = wilson(sizer.reps, sizer.reps)[0]
        lines.append(
            f"  warning: {sizer.reps} replications cannot support confidence {sizer.confidence:g}: even "
            f"{sizer.reps} of {sizer.reps} met gives a 95 % lower bound of {best:.0%}; use --reps {need} or more"
        )
    return lines
