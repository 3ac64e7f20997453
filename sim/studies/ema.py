"""EMA Workbench adapter: any scenario with levers and uncertainties as an EMA model.

Exploratory modelling (the EMA Workbench of Kwakkel) samples uncertainties and levers,
runs the model for each combination and then asks which inputs matter (feature scoring)
and which regions of the input space produce an outcome of interest (PRIM scenario
discovery). This module gives EMA a picklable function that runs one gridsim simulation
and returns the chosen KPIs, so EMA's evaluators, samplers and analyses work unchanged::

    from ema_workbench import perform_experiments
    from sim.studies.ema import from_experiment
    model = from_experiment("experiments/scoring_jianye.yaml")
    experiments, outcomes = perform_experiments(model, scenarios=50, policies=3)

EMA samples every range uniformly, so a ``scale: log`` uncertainty is sampled linearly
here. EMA names must be identifiers, so dots become double underscores
(``arrivals.rate_scale`` → ``arrivals__rate_scale``; :func:`path` maps back). Seeds are fixed (common random
numbers across EMA's experiments); ``replications``
> 1 gives a ``ReplicatorModel`` with seeds ``seed, seed+1, …``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sim.scenario.loading import ScenarioError, read_raw, scenario_from_dict
from sim.scenario.schema import Prior
from sim.studies.experiment import _assign, load_experiment
from sim.studies.sweep import execute


class ScenarioFunction:
    """Parameter values (by dotted scenario path) → the KPIs of one run. Picklable, so EMA's
    multiprocessing evaluator can ship it to worker processes. KPIs are read after the warm-up
    as in a sweep (``warmup_days``, else detected: :func:`sim.studies.sweep.execute`)."""

    def __init__(self, raw: dict, source: str, days: int, seed: int, kpis: list[str], warmup_days: int | None = None):
        self.raw, self.source, self.days, self.seed, self.kpis = raw, source, days, seed, list(kpis)
        self.warmup_days = warmup_days

    def __call__(self, **values: Any) -> dict[str, float]:
        """Run the scenario with these parameter values (EMA identifiers) and return its KPIs."""
        seed = int(values.pop("seed", self.seed))
        overrides = tuple(_assign(path(k), _plain(v)) for k, v in values.items())
        res = execute((self.raw, self.source, overrides, seed, self.days, self.warmup_days))
        if "error" in res:
            raise RuntimeError(f"{self.source}: run failed with {overrides}: {res['error']}")
        return {identifier(k): res["summary"].get(k, float("nan")) for k in self.kpis}


def identifier(dotted: str) -> str:
    """EMA names must be Python identifiers: ``arrivals.rate_scale`` → ``arrivals__rate_scale``."""
    return dotted.replace(".", "__")


def path(name: str) -> str:
    """The scenario path of an EMA name (inverse of :func:`identifier`)."""
    return name.replace("__", ".")


def _plain(v: Any) -> Any:
    """Numpy scalars (as EMA passes them) → Python scalars for the scenario file."""
    return v.item() if hasattr(v, "item") else v


def ema_model(
    scenario: str | Path,
    uncertainties: dict[str, Prior | dict] | None = None,
    levers: dict[str, list] | None = None,
    kpis: list[str] | None = None,
    days: int | None = None,
    seed: int | None = None,
    replications: int = 1,
    name: str | None = None,
    raw: dict | None = None,
    warmup_days: int | None = None,
):
    """An EMA Workbench model of ``scenario``: each uncertainty a Real (or Integer) parameter,
    each lever a categorical parameter over its listed values, each KPI a scalar outcome (read
    after ``warmup_days``, else after each run's detected warm-up)."""
    from ema_workbench import (
        CategoricalParameter,
        IntegerParameter,
        Model,
        RealParameter,
        ReplicatorModel,
        ScalarOutcome,
    )

    from sim.studies.experiment import DEFAULT_KPIS

    source = str(scenario)
    raw = {k: v for k, v in (raw if raw is not None else read_raw(scenario)).items() if k != "uncertain"}
    config = scenario_from_dict(raw, source)
    kpis = list(kpis or DEFAULT_KPIS)
    fn = ScenarioFunction(raw, source, days or config.days, config.seed if seed is None else seed, kpis, warmup_days)
    label = (name or config.name).replace("-", "_")
    if replications > 1:
        model = ReplicatorModel(label, function=fn)
        model.replications = [{"seed": fn.seed + r} for r in range(replications)]
    else:
        model = Model(label, function=fn)
    params = []
    for key, prior in (uncertainties or {}).items():
        prior = prior if isinstance(prior, Prior) else Prior(**prior)
        cls = IntegerParameter if prior.integer else RealParameter
        params.append(
            cls(
                identifier(key),
                int(prior.low) if prior.integer else prior.low,
                int(prior.high) if prior.integer else prior.high,
            )
        )
    model.uncertainties = params
    model.levers = [CategoricalParameter(identifier(key), list(values)) for key, values in (levers or {}).items()]
    model.outcomes = [ScalarOutcome(identifier(k)) for k in kpis]
    return model


def from_experiment(path: str | Path, replications: int = 1):
    """The EMA model of an experiment file: its base scenario (with ``set``), uncertainties,
    levers, KPIs, days, seed and warm-up. Named ``policies`` have no EMA form: list levers instead."""
    exp = load_experiment(path)
    if exp.spec.policies:
        raise ScenarioError(f"{path}: policies: EMA needs levers (parameter → values), not named policies")
    return ema_model(
        exp.scenario_path,
        dict(exp.spec.uncertainties),
        dict(exp.spec.levers),
        exp.kpis,
        exp.days,
        exp.seed,
        replications,
        exp.name,
        raw=exp.raw,
        warmup_days=exp.spec.warmup_days,
    )
