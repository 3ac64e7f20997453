"""Who works when: the weekly roster of each kind of grid-level staff, and the rosters that
time patrol discoveries and first acceptances."""

from __future__ import annotations

from dataclasses import dataclass

from sim.scenario.schema import Staffing
from sim.workforce.shifts import Roster
from sim.workforce.staffing import KINDS, Plan


@dataclass(frozen=True)
class Rosters:
    """``by_kind``: the roster of each kind (``KINDS``); ``full_time``: the full-time workers';
    ``patrol`` and ``responder``: of the kind that patrols and first accepts cases (full-time
    where any work, else part-time, else volunteers)."""

    by_kind: dict[str, Roster]
    full_time: Roster
    patrol: Roster
    responder: Roster


def rosters_for(st: Staffing, plan: Plan) -> Rosters:
    """The rosters of a staffing plan's kinds."""
    by_kind = {
        "grid_worker": Roster(st.full_time_shift),
        "part_time": Roster(st.part_time_shift),
        "political_legal": Roster(st.full_time_shift),
        "volunteer": Roster(st.volunteer_shift),
        "reserve": Roster(st.full_time_shift),
    }
    full_time = by_kind["grid_worker"]
    working = {KINDS[k] for k in set(plan.post_kind.tolist())}
    patrol = (
        full_time
        if working & {"grid_worker", "political_legal"}
        else (by_kind["part_time"] if "part_time" in working else by_kind["volunteer"])
    )
    return Rosters(by_kind, full_time, patrol, patrol)
