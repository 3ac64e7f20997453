"""Arrivals: incidents occur as Poisson processes per grid and category.

Rates are households × base rate per household-year × the community type's multiplier,
shaped by optional monthly (seasonal) and hourly (time-of-day) profiles. A day's
arrivals are drawn in one batch from the ``arrivals`` stream alone (``sim.kernels``'
``arrivals_day``, within the day's occurrence), so the sequence —
ids, times, grids, households, categories, severities — depends only on the world and
the seed, never on staffing or escalation policy.
"""

from __future__ import annotations

import numpy as np

from sim.scenario.schema import Scenario
from sim.world.district import World

DAYS_PER_MONTH = 365.0 / 12.0


class ArrivalProcess:
    """Draws each day's new incidents."""

    def __init__(self, sc: Scenario, world: World, first_household: np.ndarray, rng: np.random.Generator):
        self.rng = rng
        cats = list(sc.categories.values())
        cat_names = list(sc.categories)
        types = list(sc.community_types.values())
        base = np.array([c.rate for c in cats])
        mult = np.array([[t.rate_multiplier.get(c, 1.0) for c in cat_names] for t in types])
        # expected incidents per grid × category per day
        self.daily_rate = (
            world.grid_households[:, None] * base[None, :] * mult[world.grid_type] * sc.arrivals.rate_scale / 365.0
        )
        if world.grid_rate_multiplier is not None:  # a fitted world: each grid's own rate per category
            self.daily_rate = self.daily_rate * world.grid_rate_multiplier
        self.households = world.grid_households
        self.first = first_household
        mix = np.array([c.severity_mix for c in cats])
        self.sev_cut = np.cumsum(mix, axis=1)[:, :2]
        a = sc.arrivals
        self.monthly = None if a.monthly_profile is None else (np.array(a.monthly_profile) / np.mean(a.monthly_profile))
        self.hourly = None if a.hourly_profile is None else (np.array(a.hourly_profile) / np.sum(a.hourly_profile))
        w = a.weekday_profile
        self.weekday = None if w is None else np.array(w) / np.mean(w)  # day 0 is a Monday

    def expected_per_day(self) -> float:
        """Expected incidents per day over the whole district, before profiles and campaigns."""
        return float(self.daily_rate.sum())

    def factor(self, d: int) -> tuple[float, bool]:
        """Day ``d``'s rate factor (seasonal × weekday) and whether the profiles apply at all."""
        month = 1.0 if self.monthly is None else float(self.monthly[int(d / DAYS_PER_MONTH) % 12])
        if self.weekday is not None:  # the day's factor rides on the seasonal one (a scalar per day)
            month *= float(self.weekday[d % 7])
        return month, self.monthly is not None or self.weekday is not None
