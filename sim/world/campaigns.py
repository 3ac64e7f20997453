"""Campaigns (专项工作): scheduled surges such as epidemic door-to-door screening, flood-season
patrols, the census, or waste-sorting drives (seeds 000, 002).

While a campaign runs it takes ``hours_per_day`` of every case worker's working day, raises
the rates of some incident categories, and may intensify patrols.
"""

from __future__ import annotations

import numpy as np

from sim.scenario.schema import Scenario


class Campaigns:
    """Answers, for a day: campaign hours per worker, category rate multipliers, patrol factor."""

    def __init__(self, sc: Scenario):
        self.items = list(sc.campaigns)
        cats = list(sc.categories)
        self.rate = [np.array([c.rate_multiplier.get(k, 1.0) for k in cats]) for c in self.items]

    def active(self, day: int) -> list[int]:
        """Indices of the campaigns running on ``day``."""
        return [k for k, c in enumerate(self.items) if c.start_day <= day < c.start_day + c.days]

    def hours(self, day: int) -> float:
        """Campaign hours per worker on a working day."""
        return float(sum(self.items[k].hours_per_day for k in self.active(day)))

    def rate_multiplier(self, day: int) -> np.ndarray | None:
        """Per-category arrival multiplier for the day (None when no campaign runs)."""
        act = self.active(day)
        if not act:
            return None
        return np.prod([self.rate[k] for k in act], axis=0)

    def patrol_multiplier(self, day: int) -> float:
        """Product of the patrol multipliers of the campaigns running on ``day`` (1 if none)."""
        return float(np.prod([self.items[k].patrol_multiplier for k in self.active(day)])) if self.items else 1.0
