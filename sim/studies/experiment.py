"""Experiment files (实验): which policies to compare, under which uncertainties, how often.

An experiment names a base scenario; *levers* (the policies: parameter values crossed
full-factorially, listed side by side, or named override sets); *uncertainties* (ranges
sampled by Latin hypercube); *replications* (fixed, or adaptive until every paired
difference is known to a stated width); and the KPIs to report. It expands into a design:
one :class:`RunSpec` per (policy, uncertainty sample, replication). Replication ``r`` of
every policy and sample runs with seed ``seed + r`` — common random numbers — so policy
differences are paired. A run's key hashes its fully overridden scenario, days, seed, the
gridsim version and the warm-up rule its KPIs are read after: the same run always has the
same key, whatever else the experiment contains, and a new version (bumped when behaviour
changes) or another warm-up rule never reuses old results.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Field, ValidationError, model_validator

from sim import __version__
from sim.scenario.loading import ScenarioError, _format_error, apply_overrides, read_raw, scenario_from_dict
from sim.scenario.schema import DAYS_MAX, SEED_MAX, Prior, Strict
from sim.studies import readout

MAX_REPLICATIONS = 10_000
"""The most replications of one policy and sample."""
MAX_RUNS = 1_000_000
"""The most runs one experiment's design may hold (policies × samples × replications)."""

MAX_SETTINGS = 200  # entries in one free-form ``set`` / ``policies.set`` / ``levers`` mapping
MAX_VALUE_CHARS = 20_000  # one value of those, written as JSON

DEFAULT_KPIS = [
    "closure_rate",
    "resolution_hours_p90",
    "satisfaction",
    "wait_hours_mean",
    "worker_overtime_hours_mean",
    "cost_person_years",
]


class Policy(Strict):
    """A named set of scenario overrides (dotted path → value)."""

    name: str
    name_zh: str = ""  # the name in Chinese (中文名称): how a report in Chinese shows the policy
    set: dict[str, Any]


class Replications(Strict):
    """``n`` replications per policy and sample; with ``width``, more are added (``step`` at
    a time, at most ``max``) until the 95 % interval of every compared difference in the
    named KPIs is narrower than its width (in the KPI's own units)."""

    n: Annotated[int, Field(ge=1, le=MAX_REPLICATIONS)] = 5
    width: dict[str, Annotated[float, Field(gt=0, le=1e12)]] = {}
    step: Annotated[int, Field(ge=1, le=MAX_REPLICATIONS)] | None = None  # default: n
    max: Annotated[int, Field(ge=1, le=MAX_REPLICATIONS)] = 50

    @model_validator(mode="after")
    def _cap(self):
        if self.width and self.max < self.n:
            raise ValueError(f"max ({self.max}) is below n ({self.n})")
        return self


class ExperimentFile(Strict):
    """The schema of an experiment YAML file."""

    name: str
    description: str = ""  # what is compared and why; its first sentence is the report's title
    description_zh: str = ""  # the same in Chinese (中文说明): the title of a report in Chinese
    scenario: str  # base scenario file, relative to the experiment file
    days: Annotated[int, Field(ge=1, le=DAYS_MAX)] | None = None  # default: the scenario's
    seed: Annotated[int, Field(ge=0, le=SEED_MAX)] | None = None  # default: the scenario's
    set: dict[str, Any] = {}  # overrides applied to the base scenario for every run
    levers: dict[str, list[Any]] = {}  # parameter → values (one policy per combination)
    design: Literal["factorial", "list"] = "factorial"  # cross the lever values, or zip them
    policies: list[Policy] = []  # or: explicit named policies
    reference: str | None = None  # the policy the others are compared with (default: the first)
    uncertainties: dict[str, Prior] = {}
    samples: Annotated[int, Field(ge=1, le=MAX_REPLICATIONS)] | None = (
        None  # Latin-hypercube points (default 1; 8 with uncertainties)
    )
    replications: Replications | Annotated[int, Field(ge=1, le=MAX_REPLICATIONS)] = Replications()
    kpis: list[str] = DEFAULT_KPIS
    # practical threshold per KPI (a number in its units or a share of the reference, "5%");
    # default: sim.studies.readout.KPI_TERMS
    thresholds: dict[str, float | str] = {}
    lang: Literal["en", "zh"] | None = None  # the report's language (default: GRIDSIM_LANG, else en)
    # days at the start of each run left out of its KPIs and the report's series (default: detected
    # per run, MSER-5 on the daily backlog; sim.output.steady says how each KPI is read after it)
    warmup_days: Annotated[int, Field(ge=0, le=DAYS_MAX)] | None = None

    @model_validator(mode="after")
    def _shape(self):
        if self.levers and self.policies:
            raise ValueError("give levers or policies, not both")
        for key, values in self.levers.items():
            if not values:
                raise ValueError(f"levers.{key}: empty list of values")
        if self.design == "list" and len({len(v) for v in self.levers.values()}) > 1:
            raise ValueError("levers: design 'list' needs every lever to list the same number of values")
        _bounded("set", self.set)
        _bounded("levers", self.levers)
        for p in self.policies:
            _bounded(f"policies.{p.name}.set", p.set)
        for key, values in self.levers.items():
            seen = [json.dumps(v, sort_keys=True) for v in values]
            dup = sorted({v for v in seen if seen.count(v) > 1})
            if dup:
                raise ValueError(f"levers.{key}: value {dup[0]} listed twice (it would be one policy)")
        names = [p.name for p in self.policies]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"policies: duplicate names {dup}")
        if not self.kpis:
            raise ValueError("kpis: empty list")
        for key, value in self.thresholds.items():
            if key not in self.kpis:
                raise ValueError(f"thresholds.{key}: not among kpis")
            try:
                readout.parse_threshold(value)
            except ValueError as exc:
                raise ValueError(f"thresholds.{key}: {exc}") from None
        return self


def _bounded(where: str, settings: dict[str, Any]) -> None:
    """Refuse a free-form mapping of scenario settings that is too large, or holds a value that
    is not plain data (a YAML date, a non-finite number) and so could not be passed on as text."""
    if len(settings) > MAX_SETTINGS:
        raise ValueError(f"{where}: {len(settings)} entries (at most {MAX_SETTINGS})")
    for key, value in settings.items():
        try:
            text = json.dumps(value, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{where}.{key}: not a plain value ({exc})") from None
        if len(text) > MAX_VALUE_CHARS:
            raise ValueError(f"{where}.{key}: value of {len(text):,} characters (at most {MAX_VALUE_CHARS:,})")


@dataclass(frozen=True)
class RunSpec:
    """One simulation of the design: its key, labels and the overrides that make it."""

    key: str
    policy: str
    sample: int
    rep: int
    seed: int
    overrides: tuple[str, ...]  # dotted.key=value, applied to the base scenario
    levers: dict = field(default_factory=dict, compare=False)
    params: dict = field(default_factory=dict, compare=False)  # uncertainty values of the sample


@dataclass
class Experiment:
    """A validated experiment, ready to expand into runs."""

    spec: ExperimentFile
    path: str
    scenario_path: str
    raw: dict  # the base scenario with the experiment's ``set`` applied
    seed: int
    days: int
    policies: dict[str, dict[str, Any]]  # name → overrides
    samples: list[dict[str, float]]  # uncertainty values per Latin-hypercube point

    @property
    def name(self) -> str:
        """The experiment's name (its run directory under ``runs/``)."""
        return self.spec.name

    @property
    def reference(self) -> str:
        """The policy the others are compared with: as given, else the first."""
        return self.spec.reference or next(iter(self.policies))

    @property
    def kpis(self) -> list[str]:
        """The KPIs the report and the paired differences cover."""
        return list(self.spec.kpis)

    @property
    def replications(self) -> Replications:
        """Replications per policy and sample (a bare count in the file is ``Replications(n=count)``)."""
        r = self.spec.replications
        return r if isinstance(r, Replications) else Replications(n=r)

    @property
    def warmup_rule(self) -> str:
        """How each run's KPIs skip its warm-up: ``declared:<days>``, or ``mser5:backlog`` (detected
        per run); part of every run key, so parts summarised under another rule are never reused."""
        w = self.spec.warmup_days
        return "mser5:backlog" if w is None else f"declared:{w}"

    def runs(self, reps: int) -> list[RunSpec]:
        """The design with ``reps`` replications, ordered policy → sample → replication."""
        out = []
        for pname, levers in self.policies.items():
            for s, params in enumerate(self.samples):
                for r in range(reps):
                    over = tuple(_assign(k, v) for k, v in {**levers, **params}.items())
                    seed = self.seed + r
                    out.append(RunSpec(self._key(over, seed), pname, s, r, seed, over, dict(levers), dict(params)))
        return out

    def _key(self, overrides: tuple[str, ...], seed: int) -> str:
        raw = apply_overrides(self.raw, list(overrides), self.path)
        blob = json.dumps(
            {"scenario": raw, "days": self.days, "seed": seed, "version": __version__, "warmup": self.warmup_rule},
            sort_keys=True,
            default=str,
        )
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _assign(key: str, value: Any) -> str:
    return f"{key}={json.dumps(value)}"  # JSON is YAML: parse_value reads it back exactly


def policy_code_name(levers: dict[str, Any]) -> str:
    """A generated policy's code name, its identifier in every stored table: ``per_type`` for
    one lever, ``fusion=true, refill=borrow`` for several."""
    text = {k: value if isinstance(value, str) else json.dumps(value) for k, value in levers.items()}
    if len(text) == 1:
        key, v = next(iter(text.items()))
        return v if isinstance(levers[key], str) else f"{key.rsplit('.', 1)[-1]}={v}"
    return ", ".join(f"{k.rsplit('.', 1)[-1]}={v}" for k, v in text.items()) or "base"


def latin_hypercube(priors: dict[str, Prior], n: int, seed: int) -> list[dict[str, float]]:
    """``n`` Latin-hypercube points of the priors (log-uniform where ``scale: log``)."""
    if not priors:
        return [{}]
    from scipy.stats import qmc  # here: an experiment without uncertainties needs no scipy.stats (0.4-1 s)

    unit = qmc.LatinHypercube(d=len(priors), seed=np.random.default_rng(np.random.SeedSequence([seed, 0x5EED]))).random(
        n
    )
    out = []
    for row in unit:
        point = {}
        for u, (key, p) in zip(row, priors.items(), strict=True):
            if p.scale == "log":
                x = float(np.exp(np.log(p.low) + u * (np.log(p.high) - np.log(p.low))))
            else:
                x = float(p.low + u * (p.high - p.low))
            point[key] = int(round(x)) if p.integer else round(x, 12)
        out.append(point)
    return out


def load_experiment(path: str | Path) -> Experiment:
    """Read and validate an experiment file: the schema, then every lever and uncertainty
    against the base scenario. Errors are one line naming the file and the field."""
    path = Path(path)
    raw = read_raw(path)
    try:
        spec = ExperimentFile.model_validate(raw)
    except ValidationError as err:
        raise ScenarioError(_format_error(str(path), err)) from None
    src = str(path)
    scenario_path = path.parent / spec.scenario
    if not scenario_path.exists():
        raise ScenarioError(f"{src}: scenario: no such file {spec.scenario!r} (relative to {path.parent}/)")
    if not scenario_path.is_file():
        raise ScenarioError(f"{src}: scenario: {spec.scenario!r} is a directory, not a scenario file")
    base = read_raw(scenario_path)
    base = {k: v for k, v in base.items() if k != "uncertain"}
    base = _with(base, {k: v for k, v in spec.set.items()}, src, "set")
    config = scenario_from_dict(base, str(scenario_path))

    if spec.policies:
        policies = {p.name: dict(p.set) for p in spec.policies}
    elif spec.levers:
        keys = list(spec.levers)
        combos = (
            itertools.product(*spec.levers.values())
            if spec.design == "factorial"
            else zip(*spec.levers.values(), strict=True)
        )
        policies = {}
        for values in combos:
            levers = dict(zip(keys, values, strict=True))
            policies[policy_code_name(levers)] = levers
    else:
        policies = {"base": {}}
    for name, levers in policies.items():
        where = "levers" if spec.levers else f"policies.{name}.set"
        _with(base, levers, src, where)
    if spec.reference is not None and spec.reference not in policies:
        raise ScenarioError(f"{src}: reference: {spec.reference!r} is not a policy (policies: {', '.join(policies)})")

    for key, prior in spec.uncertainties.items():
        _with(base, {key: prior.low}, src, "uncertainties")
        if key in spec.levers or any(key in p for p in policies.values()):
            raise ScenarioError(f"{src}: uncertainties.{key}: also a lever; a parameter is one or the other")
    seed = config.seed if spec.seed is None else spec.seed
    n = spec.samples or (8 if spec.uncertainties else 1)
    if not spec.uncertainties and n > 1:
        raise ScenarioError(f"{src}: samples: {n} points of no uncertainties; drop samples or add uncertainties")
    exp = Experiment(
        spec,
        src,
        str(scenario_path),
        base,
        seed,
        spec.days or config.days,
        policies,
        latin_hypercube(dict(spec.uncertainties), n, seed),
    )
    if spec.warmup_days is not None and spec.warmup_days >= exp.days:
        raise ScenarioError(f"{src}: warmup_days: {spec.warmup_days} leaves nothing of the {exp.days}-day runs")
    unknown = set(exp.replications.width) - set(exp.kpis)
    if unknown:
        raise ScenarioError(f"{src}: replications.width: {sorted(unknown)} not among kpis")
    _check_size(exp, src)
    return exp


def _check_size(exp: Experiment, src: str) -> None:
    """Refuse a design too large to run, or whose last replication's seed passes the
    largest seed (one line naming the field), before anything is written."""
    reps = exp.replications
    most = max(reps.n, reps.max) if reps.width else reps.n
    runs = len(exp.policies) * len(exp.samples) * most
    if runs > MAX_RUNS:
        raise ScenarioError(
            f"{src}: replications: {len(exp.policies)} policies × {len(exp.samples)} samples × {most} replications "
            f"= {runs:,} runs, more than {MAX_RUNS:,}"
        )
    if exp.seed + most - 1 > SEED_MAX:
        field = "seed" if exp.spec.seed is not None else "scenario"
        raise ScenarioError(f"{src}: {field}: seed {exp.seed} + {most} replications passes the largest seed {SEED_MAX}")


def experiment_from(data: dict, path: str | Path) -> Experiment:
    """Write an experiment mapping to ``path`` (the record of what ran) and load it,
    validated like a file: how sizing and sensitivity drive the sweep runner."""
    import yaml

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return load_experiment(path)


def _with(raw: dict, values: dict[str, Any], src: str, where: str) -> dict:
    """``raw`` with the values set, validated; an error names the experiment field."""
    out = raw
    for key, value in values.items():
        try:
            out = apply_overrides(out, [_assign(key, value)], src)
            scenario_from_dict(out, src)
        except ScenarioError as err:
            reason = str(err).split(": ", 1)[-1]
            reason = reason[len(key) + 2 :] if reason.startswith(f"{key}: ") else reason
            raise ScenarioError(f"{src}: {where}.{key}: {reason}") from None
    return out
