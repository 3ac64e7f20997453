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

from sim.core import compiled
from sim.scenario.schema import Scenario

REPORT, HOTLINE, PATROL = 0, 1, 2


class Surfacing:
    """Plans surfacing and acceptance times for a batch of new incidents."""

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
        self.model = model
        self._kernel = None

    def plan(self, new: dict[str, np.ndarray], rng: np.random.Generator) -> dict[str, np.ndarray]:
        m = self.model
        n = len(new["category"])
        cat, grid, h, t0 = new["category"], new["grid"], new["household"], new["t_occurred"]
        sev = new["severity"].copy()
        # per-incident draws, always the same number in the same order
        u_rep, u_chan, u_abs = rng.random((3, n))  # the same draws as three calls of n each
        e_rep, e_pat, e_wor = rng.standard_exponential((3, n))
        if compiled.kernels is not None:
            return self._plan_compiled(new, sev, (u_rep, u_chan, u_abs, e_rep, e_pat, e_wor))

        trust = m.residents.trust[h]
        willing = u_rep < self.propensity[cat] * (self.willingness + (1.0 - self.willingness) * trust)
        t_rep = np.where(willing, t0 + e_rep * self.delay[cat], np.inf)

        hazard = self.discover[cat] * m.patrol_intensity()[grid]
        with np.errstate(divide="ignore", over="ignore"):  # tiny hazard: never (inf)
            t_pat = np.where(hazard > 0, t0 + e_pat / hazard, np.inf)
        t_pat = m.patrol_roster.next_on_array(t_pat)

        wrate = self.worsen[cat]
        with np.errstate(divide="ignore", over="ignore"):  # tiny hazard: never (inf)
            t_wor = np.where((wrate > 0) & (sev < 2), t0 + e_wor / wrate, np.inf)
        worse = t_wor < np.minimum(t_rep, t_pat)
        sev[worse] += 1
        t_rep = np.where(worse, np.minimum(t_rep, t_wor + e_rep * self.delay[cat]), t_rep)

        t_surf = np.minimum(t_rep, t_pat)
        channel = np.where(t_pat < t_rep, PATROL,
                           np.where(u_chan < m.residents.awareness[h], REPORT, HOTLINE))
        absorbed = self.absorbable[cat] & (u_abs < self.absorbs[m.world.grid_type[grid]])

        # acceptance: patrol finds it in person; otherwise next duty hour (urgent: at once)
        t_in = np.where(channel == HOTLINE, t_surf + self.dispatch, t_surf)
        on_duty = m.responder_roster.next_on_array(np.where(np.isfinite(t_in), t_in, 0.0))
        immediate = (sev == 2) | absorbed | self.police_cat[cat]
        t_acc = np.where(immediate, t_in, on_duty) + self.accept_delay
        t_acc = np.where(channel == PATROL, t_surf, t_acc)
        t_acc[~np.isfinite(t_surf)] = np.inf
        return {"t_surfaced": np.where(np.isfinite(t_surf), t_surf, np.nan),
                "t_worsened": np.where(worse, t_wor, np.nan), "severity": sev,
                "channel": channel.astype(np.int64), "absorbed": absorbed.astype(np.int64),
                "t_accepted_plan": t_acc}

    def _plan_compiled(self, new: dict[str, np.ndarray], sev: np.ndarray, draws: tuple) -> dict[str, np.ndarray]:
        """The same plan in one compiled pass (``sim.kernels._kernels``; identical results)."""
        m = self.model
        if self._kernel is None:
            self._kernel = compiled.kernels.SurfacingKernel(self, m.world.grid_type, m.patrol_roster,
                                                            m.responder_roster)
        n = len(sev)
        out = {"t_surfaced": np.empty(n), "t_worsened": np.empty(n), "severity": sev,
               "channel": np.empty(n, np.int64), "absorbed": np.empty(n, np.int64), "t_accepted_plan": np.empty(n)}
        self._kernel.plan(new["category"], new["grid"], new["household"], new["t_occurred"], sev, *draws,
                          m.residents.trust, m.residents.awareness, m.patrol_intensity(),
                          out["t_surfaced"], out["t_worsened"], out["channel"], out["absorbed"],
                          out["t_accepted_plan"])
        return out
