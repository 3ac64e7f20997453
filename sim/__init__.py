"""gridsim: agent-based simulation of grid-based community governance (网格化社会治理).

Data flows one way: scenario file → validated config (:mod:`sim.config`) → world
(:mod:`sim.world`) → model run (:class:`sim.model.GridModel`) → tidy tables
(:mod:`sim.tables`) → KPIs (:mod:`sim.kpis`).
"""

__version__ = "0.3.0"

from .config import Scenario, ScenarioError, load_scenario  # noqa: E402
from .model import GridModel  # noqa: E402

__all__ = ["GridModel", "Scenario", "ScenarioError", "load_scenario", "__version__"]
