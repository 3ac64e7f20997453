"""First responder (首问负责): which desk takes a newly accepted case at the grid level.

Grid–police fusion (网格+警格, seeds 000/003) is the policy lever here: with fusion on,
security cases go straight to the beat police desk, and door-to-door visits to hard-to-
reach households are made jointly with the police (lower chance the door stays shut).
A share of property matters is absorbed by the estate's property manager where one exists.
"""

from __future__ import annotations

import numpy as np


class FirstResponder:
    """Grid workers take everything (fusion off); property managers absorb their share."""

    name = "grid_only"
    joint_visits = False

    def __init__(self, grid_desks: np.ndarray, property_desks: np.ndarray, grid_community: np.ndarray,
                 police_desks: np.ndarray, grid_beat: np.ndarray, police_categories: np.ndarray):
        self.grid_desks = grid_desks  # desk id per grid
        self.property_desks = property_desks  # desk id per community, -1 where no management
        self.grid_community = grid_community
        self.police_desks = police_desks  # desk id per beat
        self.grid_beat = grid_beat
        self.police_categories = police_categories  # bool per category

    def desk_ids(self, category: np.ndarray, grid: np.ndarray, absorbed: np.ndarray) -> np.ndarray:
        """The first desk (id) of each incident of a batch."""
        prop = self.property_desks[self.grid_community[grid]]
        return np.where((absorbed != 0) & (prop >= 0), prop, self.grid_desks[grid])


class PoliceFusion(FirstResponder):
    """Fusion on: beat police take security cases first and join hard visits."""

    name = "police_fusion"
    joint_visits = True

    def desk_ids(self, category, grid, absorbed):
        ids = super().desk_ids(category, grid, absorbed)
        return np.where(self.police_categories[category], self.police_desks[self.grid_beat[grid]], ids)
