"""The scenario: the validated configuration of one district and its policies (schema, built-in
catalogue, loading and overrides, the two-language label table). The lowest layer: imports no
other part of gridsim.

The names below are imported on first use, so ``from sim.scenario.errors import ScenarioError``
(the command line's ``--help``) does not import pydantic and the schema."""

from __future__ import annotations

import importlib
from typing import Any

_LOADING = (
    "ScenarioError",
    "apply_overrides",
    "json_schema",
    "load_scenario",
    "parse_value",
    "read_raw",
    "scenario_from_dict",
)


def _schema_names() -> list[str]:
    schema = importlib.import_module("sim.scenario.schema")
    return [n for n in vars(schema) if not n.startswith("_")]


def __getattr__(name: str) -> Any:
    if name in _LOADING:
        return getattr(importlib.import_module("sim.scenario.loading"), name)
    if name == "__all__":  # ``from sim.scenario import *``: the loading names and the schema's
        return [*_LOADING, *_schema_names()]
    schema = importlib.import_module("sim.scenario.schema")
    if not name.startswith("_") and hasattr(schema, name):
        return getattr(schema, name)
    raise AttributeError(f"module 'sim.scenario' has no attribute {name!r}")
