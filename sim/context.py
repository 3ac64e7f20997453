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
        return self.offices.desks

    @property
    def desks_by_id(self) -> list:
        return self.offices.by_id

    @property
    def level_unit(self) -> list[list[int]]:  # level_unit[level][grid] -> unit index
        return self.offices.level_unit

    @property
    def escalation(self):
        return self.intake.escalation

    @property
    def routing(self):
        return self.intake.routing

    @property
    def level_grid_desk(self) -> np.ndarray:  # desk id of level k for grid g
        return self.intake.level_grid_desk

    @property
    def entry_desk(self):  # array("q"): first desk of each incident, planned when it occurs
        return self.intake.entry_desk

    @property
    def kind_roster(self) -> dict:
        return self.rosters.by_kind

    @property
    def full_time_roster(self):
        return self.rosters.full_time

    @property
    def patrol_roster(self):  # times patrol discoveries
        return self.rosters.patrol

    @property
    def responder_roster(self):  # times first acceptances
        return self.rosters.responder

    @property
    def patrol_intensity(self) -> Callable[[], np.ndarray]:  # patrol discovery effort per grid-hour, today
        return self.patrol.intensity

    @property
    def staff_grid(self) -> Callable[[np.ndarray], np.ndarray]:  # home grid of staff slots
        return self.hiring.staff_grid
