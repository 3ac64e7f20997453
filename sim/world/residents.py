"""Residents (居民/户): household state held in columns, seen through Mesa agents.

A household's awareness of its grid worker, trust, and satisfaction live in flat arrays
(so a million households cost megabytes, and daily aggregates are one numpy call); each
:class:`Household` is a Mesa agent that reads and writes its own row, made when first looked
at (:class:`Households`). Households are never stepped: they change only when an incident of
theirs is handled or fed back.
"""

from __future__ import annotations

import operator
from array import array
from collections.abc import Sequence

import numpy as np

from sim._mesa import mesa
from sim.scenario.schema import Residents as ResidentsSpec


def _beta_like(rng: np.random.Generator, mean: float, spread: float, n: int) -> np.ndarray:
    """Values in [0, 1] around ``mean`` (a clipped normal; spread 0 gives the mean)."""
    if spread <= 0:
        return np.full(n, mean)
    return np.clip(rng.normal(mean, spread, n), 0.0, 1.0)


class ResidentState:
    """Columns of household state; index = household id (0..H-1), grouped by grid."""

    def __init__(self, grid_households: np.ndarray, spec: ResidentsSpec, rng: np.random.Generator):
        n = int(grid_households.sum())
        self.n = n
        self.grid = np.repeat(np.arange(len(grid_households)), grid_households)
        self.first = np.concatenate([[0], np.cumsum(grid_households)[:-1]]).astype(np.int64)
        self._awareness = array("d", _beta_like(rng, spec.awareness_mean, spec.spread, n).tobytes())
        self._trust = array("d", _beta_like(rng, spec.trust_mean, spec.spread, n).tobytes())
        self._satisfaction = array("d", np.full(n, spec.satisfaction_base).tobytes())
        self.feedbacks = array("q", bytes(8 * n))
        self.weight = spec.satisfaction_weight
        # running sum and count over households with any feedback (one-element columns): the
        # event core updates all of these in place (sim.core.workflow.Workflow.feedback, resolve)
        self._sat_sum = array("d", [0.0])
        self._sat_n = array("q", [0])
        # numpy views over the same memory, for vectorised reads
        self.awareness = np.frombuffer(self._awareness)
        self.trust = np.frombuffer(self._trust)
        self.satisfaction = np.frombuffer(self._satisfaction)

    def mean_satisfaction(self) -> float:
        """Mean satisfaction over households that have given feedback at least once."""
        return self._sat_sum[0] / self._sat_n[0] if self._sat_n[0] else float("nan")


class Households(Sequence):
    """The resident agents, one per household, each made the first time it is looked at.

    A city has a million households and a run never needs them as objects (their state is
    the columns above), so making them all up front would cost seconds and hundreds of MB;
    ``model.households[h]`` still gives household ``h`` as a Mesa agent, the same one every time.
    """

    def __init__(self, model, grid: np.ndarray):
        self._model = model
        self._grid = grid
        self._made: dict[int, Household] = {}

    def __len__(self) -> int:
        return len(self._grid)

    def __getitem__(self, h):
        if isinstance(h, slice):
            return [self[k] for k in range(*h.indices(len(self)))]
        h = operator.index(h)
        if h < 0:
            h += len(self)
        if not 0 <= h < len(self):
            raise IndexError(f"household {h} out of range (0..{len(self) - 1})")
        agent = self._made.get(h)
        if agent is None:
            agent = self._made[h] = Household(self._model, h, int(self._grid[h]))
        return agent

    @property
    def made(self) -> int:
        """How many household agents exist so far."""
        return len(self._made)


class Household(mesa.Agent):
    """A household (户): raises needs and complaints, judges how they were handled."""

    def __init__(self, model, index: int, grid: int):
        super().__init__(model)
        self.index = index
        self.grid = grid

    @property
    def awareness(self) -> float:
        """Probability this household knows its grid worker (else it calls the hotline)."""
        return self.model.residents._awareness[self.index]

    @property
    def trust(self) -> float:
        """This household's trust, which raises its willingness to report."""
        return self.model.residents._trust[self.index]

    @property
    def satisfaction(self) -> float:
        """This household's satisfaction, moved by each feedback (exponential memory)."""
        return self.model.residents._satisfaction[self.index]
