"""Scoring schemes (考核方案): the weights ``w`` and targets ``t`` each worker faces.

Chosen by name (``scoring.scheme``); :class:`sim.workforce.scoring.Scorer` closes the periods
and scores ``100 × Σ_m w_m · min(x_m / t_m, cap) / Σ_m w_m`` with what a scheme says:

* ``uniform`` — one yardstick for everyone (一把尺);
* ``per_type`` — weights and targets per community type (分类考核, seed 004);
* ``per_type_records`` — ``per_type``'s weights, and count targets per type by a rule a
  district can apply: the median monthly count of the type's scored workers in the records of
  the last ``scoring.record_periods`` periods (last year's medians); the configured targets
  until there are records;
* ``outcome_adjusted`` — count targets scaled by the expected load of the worker's grids,
  computed from the *registered* households (so register drift leaks in).

A scheme is built as ``Scheme(scenario, context)`` (the model's :class:`sim.context.Context`:
``world``, ``plan``, ``register``, ``arrivals`` …) and answers :meth:`Scheme.rules`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.policies.registry import register
from sim.scenario.schema import COUNT_METRICS, METRICS, Scenario

M = {m: k for k, m in enumerate(METRICS)}

if TYPE_CHECKING:  # numpy is imported where it is used: validating a scenario imports this
    import numpy as np  # module for its policy names only, and stays cheap


class Scheme:
    """Weights and targets per worker; subclasses say how they vary."""

    name = "scheme"

    def __init__(self, sc: Scenario, ctx):
        import numpy as np

        sp = sc.scoring
        self.spec = sp
        self.w = np.array([sp.weights.get(m, 0.0) for m in METRICS])
        self.t = np.array([sp.targets.get(m, 1.0) for m in METRICS])
        self.count_mask = np.array([m in COUNT_METRICS for m in METRICS])  # the count metrics' columns
        self.team_type = ctx.world.grid_type[[g[0] for g in ctx.plan.team_grids]]

    def rules(self, teams: np.ndarray, months: float) -> tuple[np.ndarray, np.ndarray]:
        """(weights, targets) per worker of ``teams``, count targets scaled to ``months``."""
        import numpy as np

        n = len(teams)
        w, t = np.repeat(self.w[None, :], n, axis=0), np.repeat(self.t[None, :], n, axis=0)  # (faster than np.tile)
        t[:, self.count_mask] *= months
        return w, t

    def observe(self, teams: np.ndarray, x: np.ndarray, months: float, scored: np.ndarray) -> None:
        """A period closed: its metrics ``x`` of the workers of ``teams`` over ``months`` (a
        scheme that sets targets from the records keeps them; the others ignore them)."""


@register("scoring", "uniform")
class Uniform(Scheme):
    """One target and weight set for all (一把尺)."""


@register("scoring", "per_type")
class PerType(Scheme):
    """Targets and weights per community type (分类考核); types not listed use the general set."""

    def __init__(self, sc, ctx):
        import numpy as np

        super().__init__(sc, ctx)
        types = list(sc.community_types)
        self.by_type_w = np.tile(self.w, (len(types), 1))
        self.by_type_t = np.tile(self.t, (len(types), 1))
        for tname, rule in sc.scoring.by_type.items():
            k = types.index(tname)
            for m, v in rule.weights.items():
                self.by_type_w[k, M[m]] = v
            for m, v in rule.targets.items():
                self.by_type_t[k, M[m]] = v

    def rules(self, teams, months):
        """(weights, targets) per worker from the community type of each worker's team."""
        import numpy as np

        ty = self.team_type[np.maximum(teams, 0)]
        w, t = self.by_type_w[ty].copy(), self.by_type_t[ty].copy()
        t[:, self.count_mask] *= months
        return w, t


@register("scoring", "per_type_records")
class PerTypeRecords(PerType):
    """Classified scoring with targets from the records (分类考核, by a rule): each type's count
    targets are the medians of its scored workers' monthly counts over the last
    ``scoring.record_periods`` periods, not anything the model knows of the expected load."""

    def __init__(self, sc, ctx):
        super().__init__(sc, ctx)
        self.keep = sc.scoring.record_periods
        self.history: list[tuple[np.ndarray, np.ndarray]] = []  # per period: (type, monthly counts)

    def observe(self, teams, x, months, scored):
        """Keep the period's monthly counts of its scored workers, by community type."""
        import numpy as np

        ty = self.team_type[np.maximum(teams[scored], 0)]
        self.history = [*self.history, (ty, x[scored][:, self.count_mask] / months)][-self.keep :]

    def rules(self, teams, months):
        """``per_type``'s rules with each type's count targets set to the medians of its records."""
        import numpy as np

        w, t = super().rules(teams, months)
        if not self.history:
            return w, t
        ty = np.concatenate([h[0] for h in self.history])
        counts = np.concatenate([h[1] for h in self.history])
        mine = self.team_type[np.maximum(teams, 0)]
        cols = np.flatnonzero(self.count_mask)
        for k in np.unique(mine).tolist():
            rows = counts[ty == k]
            if not len(rows):
                continue
            med = np.nanmedian(rows, axis=0)
            ok = np.isfinite(med) & (med > 0)  # a median of zero cannot be a target
            at = mine == k
            t[np.ix_(at, cols[ok])] = med[ok] * months
        return w, t


@register("scoring", "outcome_adjusted")
class OutcomeAdjusted(Scheme):
    """Count targets scaled by each team's expected load per worker relative to the mean,
    from the *registered* households: case counts by expected incidents, visits and
    records by households."""

    def __init__(self, sc, ctx):
        super().__init__(sc, ctx)
        self.register, self.arrivals, self.world, self.plan = ctx.register, ctx.arrivals, ctx.world, ctx.plan
        cats = list(sc.categories)
        self.dispute = cats.index("dispute") if "dispute" in cats else None

    def rules(self, teams, months):
        """The general rules, with count targets scaled by each worker's expected load relative to
        the mean, from the registered (possibly stale) households."""
        import numpy as np

        w, t = super().rules(teams, months)
        plan = self.plan
        reg = self.register.registered
        per_hh = self.arrivals.daily_rate / np.maximum(self.world.grid_households, 1)[:, None]  # per household-day
        load = {"cases": reg[:, None] * per_hh, "households": reg}
        tog = plan.team_of_grid
        n_teams = len(plan.team_grids)
        posts = np.maximum(np.bincount(plan.post_team, minlength=n_teams), 1)

        def per_worker(per_grid):
            team_load = np.bincount(tog, per_grid, minlength=n_teams) / posts
            return team_load[np.maximum(teams, 0)] / team_load.mean()

        cases = load["cases"].sum(axis=1)
        factor = {
            "closed_cases": per_worker(cases),
            "discoveries": per_worker(cases),
            "visits": per_worker(load["households"]),
            "records": per_worker(load["households"]),
            "disputes_closed": per_worker(load["cases"][:, self.dispute])
            if self.dispute is not None
            else per_worker(cases),
        }
        for name, f in factor.items():
            t[:, M[name]] *= np.where(f > 0, f, 1.0)
        return w, t
