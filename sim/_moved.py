"""Module paths of gridsim 0.3 (one flat ``sim/`` folder), still importable for one release.

``import sim.config`` or ``from sim.tables import incidents_table`` returns the module at its new
place with a ``DeprecationWarning`` naming it. Removed in 0.5.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import warnings

MOVED = {
    "sim.config": "sim.scenario",
    "sim.catalog": "sim.scenario.catalog",
    "sim.labels": "sim.scenario.labels",
    "sim.clock": "sim.core.clock",
    "sim.handling": "sim.core.desks",
    "sim.workflow": "sim.core.workflow",
    "sim.incidents": "sim.core.incidents",
    "sim.streams": "sim.core.streams",
    "sim.arrivals": "sim.world.arrivals",
    "sim.surfacing": "sim.world.surfacing",
    "sim.campaigns": "sim.world.campaigns",
    "sim.residents": "sim.world.residents",
    "sim.register": "sim.world.register",
    "sim.risk": "sim.world.risk",
    "sim.staffing": "sim.workforce.staffing",
    "sim.shifts": "sim.workforce.shifts",
    "sim.workday": "sim.workforce.workday",
    "sim.turnover": "sim.workforce.turnover",
    "sim.effort": "sim.workforce.effort",
    "sim.scoring": "sim.workforce.scoring",
    "sim.escalation": "sim.policies.escalation",
    "sim.routing": "sim.policies.routing",
    "sim.tables": "sim.output.tables",
    "sim.kpis": "sim.output.kpis",
    "sim.runner": "sim.output.runner",
    "sim.targets": "sim.studies.targets",
    "sim.calibration": "sim.studies.calibration",
    "sim.experiment": "sim.studies.experiment",
    "sim.sweep": "sim.studies.sweep",
    "sim.comparison": "sim.studies.comparison",
    "sim.report": "sim.studies.report",
    "sim.ema": "sim.studies.ema",
    "sim.erlang": "sim.studies.erlang",
    "sim.sizing": "sim.studies.sizing",
    "sim.sensitivity": "sim.studies.sensitivity",
    "sim.cli": "sim.ui.cli",
    "sim.viz": "sim.ui.viz",
    "sim.trace": "sim.ui.trace",
}


class _Alias:
    """Finds an old module path and hands back the module at its new place (a meta path finder
    and its loader by their methods: ``importlib.abc`` would cost every command 20 ms to import)."""

    def find_spec(self, name, path=None, target=None):  # noqa: D102
        return importlib.util.spec_from_loader(name, self) if name in MOVED else None

    def create_module(self, spec):  # noqa: D102
        new = MOVED[spec.name]
        warnings.warn(f"{spec.name} moved to {new}; the old path goes in gridsim 0.5", DeprecationWarning, stacklevel=2)
        return importlib.import_module(new)

    def exec_module(self, module) -> None:  # noqa: D102
        """Nothing to run: the module is the one at the new place, already executed."""


def install() -> None:
    """Put the finder on ``sys.meta_path`` once."""
    if not any(isinstance(f, _Alias) for f in sys.meta_path):
        sys.meta_path.append(_Alias())
