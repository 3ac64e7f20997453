"""gridsim: agent-based simulation of grid-based community governance (网格化社会治理).

Data flows one way: scenario file → validated config (:mod:`sim.scenario`) → world
(:mod:`sim.world`) → model run (:class:`sim.model.GridModel`) → tidy tables and KPIs
(:mod:`sim.output`) → studies over many runs (:mod:`sim.studies`). ``docs/architecture.md``
maps each domain idea to its module.

The top-level names are imported on first use, so ``import sim`` (and ``gridsim --help``) stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

from sim import _moved

__version__ = "0.4.0.dev1"

_EXPORTS = {
    "GridModel": "sim.model",
    "Scenario": "sim.scenario.schema",
    "ScenarioError": "sim.scenario.loading",
    "load_scenario": "sim.scenario.loading",
}
__all__ = [*_EXPORTS, "__version__"]

_moved.install()


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
