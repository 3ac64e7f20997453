"""Hiring: a new person takes a post and joins its team, or waits in a street's reserve pool."""

from __future__ import annotations

import numpy as np

from sim.workforce.agents import GridWorker
from sim.workforce.rosters import Rosters
from sim.workforce.staffing import KINDS, Plan, Staff


class Hiring:
    """Makes grid-level staff: the Mesa agent, their row in the staff register, their team."""

    def __init__(
        self,
        agents_model,
        space,
        world,
        plan: Plan,
        staff: Staff,
        rosters: Rosters,
        teams: list,
        initial_shares: np.ndarray,
    ):
        self.agents_model, self.space, self.world = agents_model, space, world
        self.plan, self.staff, self.rosters, self.teams = plan, staff, rosters, teams
        self.initial_shares = initial_shares  # everyone starts with the scenario's effort shares

    def hire(self, post: int, day: int) -> int:
        """A new person takes ``post`` and joins its team; returns their staff slot."""
        plan = self.plan
        kind = KINDS[int(plan.post_kind[post])]
        grid, team = int(plan.post_grid[post]), int(plan.post_team[post])
        a = GridWorker(self.agents_model, self.space[grid], self.rosters.by_kind[kind], kind, grid)
        slot = self.staff.add(a, KINDS.index(kind), post, team, day, self.initial_shares)
        self.teams[team].join(a, 24.0 * day)
        return slot

    def hire_reserve(self, street: int) -> int:
        """A new person for the street's reserve pool (waiting at the street, in no team)."""
        a = GridWorker(
            self.agents_model,
            self.space[self.world.street_node(street)],
            self.rosters.by_kind["reserve"],
            "reserve",
            -1,
        )
        return self.staff.add(a, KINDS.index("reserve"), -1, -1, 0, self.initial_shares)

    def staff_grid(self, slots: np.ndarray) -> np.ndarray:
        """Home grid of each staff slot (a stand-in: the first grid of the team they serve)."""
        st, plan = self.staff, self.plan
        post = st.post[slots]
        return np.where(post >= 0, plan.post_grid[np.maximum(post, 0)], plan.team_first[np.maximum(st.team[slots], 0)])
