"""Surfacing: how a latent incident becomes known — report, hotline dispatch, or patrol.

Worked out for a whole day's new incidents at once, from per-incident draws of the
``behaviour`` stream (the same draws under every policy):

* the resident reports with probability ``report_propensity × (w + (1 − w) × trust)``
  after an exponential delay; they call their grid worker directly if they know them
  (probability = awareness), otherwise the 12345 hotline, whose command centre then
  dispatches an order (派单) to the grid;
* a patrol (巡查) discovers it at a hazard proportional to the grid's patrol hours,
  informants and risk level (green / yellow / red), on the next duty hour;
* while unseen it may worsen one severity grade, and a worsened problem gets reported.

The first of these times is the surfacing time; acceptance (首问负责) follows on the
responder's next duty hour, at once for major cases.
"""

from __future__ import annotations

import numpy as np

from sim import kernels
from sim.kernels.reference import HOTLINE, PATROL, REPORT  # noqa: F401  (the channel codes the plan writes)
from sim.scenario.schema import Scenario


class Surfacing:
    """The rates and kernel that plan surfacing and acceptance times of a batch of new incidents."""

    def __init__(self, sc: Scenario, model):
        cats = list(sc.categories.values())
        types = list(sc.community_types.values())
        self.propensity = np.array([c.report_propensity for c in cats])
        self.delay = np.array([c.report_delay_hours for c in cats])
        self.discover = np.array([c.discoverability for c in cats])
        self.worsen = np.array([c.worsen_per_day for c in cats]) / 24.0
        self.absorbable = np.array([c.property_absorbable for c in cats])
        self.absorbs = np.array([t.property_absorbs if t.property_management else 0.0 for t in types])
        self.police_cat = np.array([name in sc.police.categories for name in sc.categories]) & sc.police.fusion
        r = sc.residents
        self.willingness = r.base_willingness
        self.dispatch = r.hotline_dispatch_hours
        self.accept_delay = sc.staffing.accept_delay_hours
        # the plan's one pass (run within the day's occurrence, sim.world.occurrence): the rates
        # above, the grids' community types, the duty rosters
        self.kernel = kernels.SurfacingKernel(self, model.world.grid_type, model.patrol_roster, model.responder_roster)
