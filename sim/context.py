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
    workforce, the desks and the policies."""

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
    kind_roster: dict  # roster of each kind of grid-level staff
    full_time_roster: Any
    patrol_roster: Any  # roster that times patrol discoveries
    responder_roster: Any  # roster that times first acceptances
    desks: list[list]  # desks[level][unit]
    desks_by_id: list
    level_unit: list[list[int]]  # level_unit[level][grid] -> unit index
    escalation: Any  # the escalation policy
    routing: Any  # the routing (first responder) policy
    level_grid_desk: np.ndarray  # desk id of level k for grid g
    entry_desk: Any  # array("q"): first desk of each incident, planned when it occurs
    patrol_intensity: Callable[[], np.ndarray]  # patrol discovery effort per grid per hour, today
    staff_grid: Callable[[np.ndarray], np.ndarray]  # home grid of staff slots
