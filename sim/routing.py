"""First responder (首问负责): which desk takes a newly accepted case at the grid level.

Grid–police fusion (网格+警格, seeds 000/003) is the policy lever here: with fusion on,
security cases go straight to the beat police desk, and door-to-door visits to hard-to-
reach households are made jointly with the police (lower chance the door stays shut).
A share of property matters is absorbed by the estate's property manager where one exists.
"""

from __future__ import annotations


class FirstResponder:
    """Grid workers take everything (fusion off); property managers absorb their share."""

    name = "grid_only"
    joint_visits = False

    def __init__(self, grid_desks, property_desks, grid_community, police_desks=None,
                 grid_beat=None, police_categories=()):
        self.grid_desks = grid_desks
        self.property_desks = property_desks  # per community; None where no management
        self.grid_community = grid_community
        self.police_desks = police_desks
        self.grid_beat = grid_beat
        self.police_categories = frozenset(police_categories)

    def desk(self, category: int, grid: int, absorbed: bool):
        if absorbed:
            d = self.property_desks[self.grid_community[grid]]
            if d is not None:
                return d
        return self.grid_desks[grid]


class PoliceFusion(FirstResponder):
    """Fusion on: beat police take security cases first and join hard visits."""

    name = "police_fusion"
    joint_visits = True

    def desk(self, category, grid, absorbed):
        if category in self.police_categories:
            return self.police_desks[self.grid_beat[grid]]
        return super().desk(category, grid, absorbed)
