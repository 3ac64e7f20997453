"""Handling-time families (``handling.family``): per-incident, per-level multipliers of the
mean handling time, unit mean, drawn from the ``handling`` stream when incidents occur.

Built as ``Family(spec, n_levels, rng)`` (``spec``: the scenario's ``handling`` section);
calling it with ``n`` gives ``n × n_levels`` multipliers, incident by incident.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from sim.policies.registry import register

if TYPE_CHECKING:  # numpy is imported where it is used: validating a scenario imports this
    import numpy as np  # module for its policy names only, and stays cheap


class Family:
    """Base family: every case takes exactly the mean."""

    name = "family"

    @property
    def standard_exponential(self) -> bool:
        """Are this family's multipliers exactly ``rng.standard_exponential((n, n_levels)).ravel()``? Then
        the day's occurrence kernel draws them itself, in the same order; otherwise it calls the family."""
        return False

    def __init__(self, spec, n_levels: int, rng: np.random.Generator):
        self.spec, self.n_levels, self.rng = spec, n_levels, rng

    def __call__(self, n: int) -> np.ndarray:
        """``n × n_levels`` multipliers, all 1; exponentials are still drawn so the stream lines up
        with the other families."""
        return (self.rng.standard_exponential((n, self.n_levels)) * 0 + 1.0).ravel()  # same draws as the others


@register("handling", "exponential")
class Exponential(Family):
    """Exponential times (cv = 1), as in M/M/c."""

    @property
    def standard_exponential(self) -> bool:
        """True: the occurrence kernel draws these itself (not for a subclass that redefines ``__call__``)."""
        return type(self).__call__ is Exponential.__call__

    def __call__(self, n):
        """``n × n_levels`` unit-mean exponential multipliers."""
        return self.rng.standard_exponential((n, self.n_levels)).ravel()


@register("handling", "lognormal")
class Lognormal(Family):
    """Lognormal times with coefficient of variation ``handling.cv``."""

    def __init__(self, spec, n_levels, rng):
        super().__init__(spec, n_levels, rng)
        s2 = math.log1p(spec.cv**2)
        self.s, self.half_s2 = math.sqrt(s2), s2 / 2

    def __call__(self, n):
        """``n × n_levels`` unit-mean lognormal multipliers (the ``-s²/2`` shift keeps the mean at 1)."""
        import numpy as np

        return np.exp(self.s * self.rng.standard_normal((n, self.n_levels)) - self.half_s2).ravel()


@register("handling", "fixed")
class Fixed(Family):
    """Every case takes exactly the mean (the stream is still drawn, so other draws line up)."""
