"""The people who handle cases: grid workers, beat police, leaders, departments.

Each is a Mesa ``CellAgent`` placed on the grid network where it works. Agents are not
stepped; desks (``sim.core.desks``) hand them cases and record what they did.
"""

from __future__ import annotations

from sim._mesa import CellAgent
from sim.core.workers import WorkerState
from sim.workforce.shifts import Roster

ROLES = (
    "grid_worker",
    "part_time",
    "political_legal",
    "informant",
    "police",
    "grid_leader",
    "community_secretary",
    "command_centre",
    "district_centre",
    "department",
    "property_manager",
    "volunteer",
    "reserve",
)
GRID_ROLES = frozenset(ROLES.index(r) for r in ("grid_worker", "part_time", "political_legal", "volunteer", "reserve"))
"""Role codes of the grid's own case workers (the people residents meet)."""
ROLE_CODE = {r: i for i, r in enumerate(ROLES)}


class Worker(CellAgent, WorkerState):
    """Anyone who handles cases; tracks what they are doing and how long they were busy (the
    fields desks touch on every case are those of ``sim.core.workers.WorkerState``: C slots where
    the core is compiled, ordinary attributes to Python either way)."""

    role = "worker"

    def __init__(self, model, cell, roster: Roster, role: str | None = None):
        super().__init__(model)  # (Mesa's Agent passes on to WorkerState.__init__)
        self.uid = self.unique_id  # the workflow records who resolved a case
        self.cell = cell
        self.roster = roster
        if role is not None:
            self.role = role
        self.role_code = ROLE_CODE.get(self.role, -1)
        self.meets_residents = self.role_code in GRID_ROLES
        self.slot = -1  # row in the staff register (grid-level staff only)

    @property
    def busy(self) -> bool:
        """Whether the worker has a case in hand."""
        return self.current >= 0


class GridWorker(Worker):
    """网格员: full-time, part-time (limited hours), political-legal, party-member volunteer,
    reserve-pool stand-in, or informant (reports only)."""

    role = "grid_worker"

    def __init__(self, model, cell, roster, kind: str, grid: int):
        super().__init__(model, cell, roster, role=kind)
        self.grid = grid


class BeatPolice(Worker):
    """片警: a beat spans several grids; on duty around the clock."""

    role = "police"

    def __init__(self, model, cell, roster, beat: int):
        super().__init__(model, cell, roster)
        self.beat = beat


class Leader(Worker):
    """网格长 / 社区书记 / 街道指挥中心: staff of the upper rungs of the ladder."""

    role = "community_secretary"


class Department(Worker):
    """职能部门 summoned by the street ("吹哨报到") or a property manager: a referral service."""

    role = "department"
