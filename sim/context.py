"""The context a model's components are built with: what they may use, named, and nothing else.

A frozen record made once when a :class:`~sim.model.GridModel` is wired; the event core's
``Workflow``, surfacing, the workday, turnover, scoring and the policies read their parts of it
(by these attribute names) instead of reaching back into the model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.scenario.schema import Scenario


@dataclass(frozen=True)
class Context:
    """Parts of one model: the scenario, the calendar and the record, the world, the
    workforce, the desks and the policies. The flat names below the fields (``desks``,
    ``escalation``, ``patrol_roster`` …) are the parts the event core and the daily
    components read."""

    config: Scenario
    clock: Any  # the event core's calendar
    log: Any  # IncidentLog: every incident, columnar
    streams: dict[str, np.random.Generator]  # independent random streams by purpose
    world: Any  # World: layout arrays and graph
    residents: Any  # ResidentState: household trust, awareness, satisfaction
    register: Any  # the platform's household register
    arrivals: Any  # ArrivalProcess: daily rates per grid and category
    campaigns: Any
    risk: Any  # RiskGrader: green / yellow / red per grid
    plan: Any  # staffing Plan: teams and posts
    staff: Any  # Staff register
    rosters: Any  # sim.workforce.rosters.Rosters
    offices: Any  # sim.workforce.offices.Offices: every desk
    intake: Any  # sim.policies.routing.Intake: the escalation and routing policies, first desks
    patrol: Any  # sim.workforce.patrol.Patrol
    hiring: Any  # sim.workforce.hiring.Hiring

    @property
    def desks(self) -> list[list]:  # desks[level][unit]
        """The desks of every ladder level, ``desks[level][unit]``."""
        return self.offices.desks

    @property
    def desks_by_id(self) -> list:
        """Every desk, indexed by desk id."""
        return self.offices.by_id

    @property
    def level_unit(self) -> list[list[int]]:  # level_unit[level][grid] -> unit index
        """Unit index of each grid at each level, ``level_unit[level][grid]``."""
        return self.offices.level_unit

    @property
    def escalation(self):
        """The escalation policy chosen in the scenario (which rung next)."""
        return self.intake.escalation

    @property
    def routing(self):
        """The routing policy (首问负责): who takes a new case at the grid rung."""
        return self.intake.routing

    @property
    def level_grid_desk(self) -> np.ndarray:  # desk id of level k for grid g
        """Desk id of level ``k`` for grid ``g``, ``level_grid_desk[k, g]``."""
        return self.intake.level_grid_desk

    @property
    def entry_desk(self):  # array("q"): first desk of each incident, planned when it occurs
        """First desk of each incident, planned when it occurs (the workflow reads it)."""
        return self.intake.entry_desk

    @property
    def kind_roster(self) -> dict:
        """Rosters by staff kind (full-time, part-time …)."""
        return self.rosters.by_kind

    @property
    def full_time_roster(self):
        """The full-time grid workers' roster."""
        return self.rosters.full_time

    @property
    def patrol_roster(self):  # times patrol discoveries
        """The roster that times patrol discoveries."""
        return self.rosters.patrol

    @property
    def responder_roster(self):  # times first acceptances
        """The roster that times first acceptances of reported cases."""
        return self.rosters.responder

    @property
    def patrol_intensity(self) -> Callable[[], np.ndarray]:  # patrol discovery effort per grid-hour, today
        """Callable giving today's patrol discovery effort per grid-hour."""
        return self.patrol.intensity

    @property
    def staff_grid(self) -> Callable[[np.ndarray], np.ndarray]:  # home grid of staff slots
        """Callable mapping staff slots to their home grids."""
        return self.hiring.staff_grid
