"""Staffing plan (人员配置) and the staff register: posts, and the people who fill them.

Headcount per grid comes from the general numbers, overridden per community type
(``staffing.by_type``) and then per grid (``staffing.by_grid``). Grids of one community
may be pooled into teams of ``pool_grids`` grids (多格并组, seed 000) that share workers
and one queue. Each seat in a team is a *post*; people come and go (absence, turnover,
stand-ins) but posts stay. People are rows of :class:`Staff`, columnar, so the daily
accounting of a city's workers is array arithmetic.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from sim.scenario.loading import ScenarioError
from sim.scenario.schema import KINDS, Scenario

KIND_CODE = {k: i for i, k in enumerate(KINDS)}
_COUNT_FIELDS = (
    ("grid_worker", "full_time"),
    ("part_time", "part_time"),
    ("political_legal", "political_legal"),
    ("volunteer", "volunteers"),
)


@dataclass(frozen=True)
class Plan:
    """Teams and posts: which grids each team covers, and each post's team, grid and kind."""

    team_grids: list[list[int]]  # grids of each team (one grid unless pooled)
    team_of_grid: np.ndarray  # team index per grid
    post_team: np.ndarray
    post_grid: np.ndarray  # the post's home grid
    post_kind: np.ndarray  # KINDS code
    informants: np.ndarray  # per grid
    reserve: np.ndarray  # reserve-pool size per street

    @property
    def n_posts(self) -> int:
        """Number of grid-level posts in the plan."""
        return len(self.post_team)

    @cached_property
    def team_first(self) -> np.ndarray:
        """First (lowest) grid of each team."""
        return np.array([g[0] for g in self.team_grids], dtype=np.int64)

    @cached_property
    def team_size(self) -> np.ndarray:
        """Number of grids each team covers."""
        return np.array([len(g) for g in self.team_grids], dtype=np.float64)


def headcount(sc: Scenario, world) -> dict[str, np.ndarray]:
    """Headcount per grid of each kind (and informants), after by_type and by_grid overrides."""
    st = sc.staffing
    types = list(sc.community_types)
    base = {f: getattr(st, f) for _, f in _COUNT_FIELDS} | {"informants": st.informants}
    out = {f: np.full(world.n_grids, v, dtype=np.int64) for f, v in base.items()}
    for tname, hc in st.by_type.items():
        mask = world.grid_type == types.index(tname)
        for f, v in hc.model_dump(exclude_none=True).items():
            out[f][mask] = v
    names = {n: g for g, n in enumerate(world.grid_names)}
    for gname, hc in st.by_grid.items():
        if gname not in names:
            from sim.scenario.schema import _hint

            raise ScenarioError(f"staffing.by_grid.{gname}: unknown grid{_hint(gname, names)}")
        for f, v in hc.model_dump(exclude_none=True).items():
            out[f][names[gname]] = v
    return out


def plan_staffing(sc: Scenario, world) -> Plan:
    """Pool grids into teams and lay out every post."""
    counts = headcount(sc, world)
    k = sc.staffing.pool_grids
    team_grids: list[list[int]] = []
    for c in range(world.n_communities):
        grids = np.flatnonzero(world.grid_community == c).tolist()
        team_grids += [grids[j : j + k] for j in range(0, len(grids), k)]
    team_grids.sort(key=lambda gs: gs[0])
    team_of_grid = np.empty(world.n_grids, dtype=np.int64)
    post_team, post_grid, post_kind = [], [], []
    for t, grids in enumerate(team_grids):
        team_of_grid[grids] = t
        for g in grids:
            for kind, field in _COUNT_FIELDS:
                n = int(counts[field][g])
                post_team += [t] * n
                post_grid += [g] * n
                post_kind += [KIND_CODE[kind]] * n
    staffed = set(post_team)
    empty = [t for t in range(len(team_grids)) if t not in staffed]
    if empty:
        g = team_grids[empty[0]][0]
        raise ScenarioError(
            f"staffing: grid {world.grid_names[g]} has nobody to take its cases "
            f"(full_time + part_time + political_legal + volunteers is 0)"
        )
    reserve = np.full(world.n_streets, sc.staffing.reserve_per_street, dtype=np.int64)
    return Plan(
        team_grids,
        team_of_grid,
        np.array(post_team, dtype=np.int64),
        np.array(post_grid, dtype=np.int64),
        np.array(post_kind, dtype=np.int64),
        counts["informants"],
        reserve,
    )


HOURS = ("shift", "cases", "overhead", "campaign", "patrol", "visits", "entry", "idle", "overtime")
"""Hour accounts of a worker's day: shift + overtime = cases + overhead + campaign + patrol
+ visits + entry + idle (conserved every day, see ``sim.workforce.workday``)."""

TALLIES = ("visits_made", "records", "present_days", "duty_days", "log_days", "absent_days", "need")
"""Counts a worker accumulates: successful visits, records entered, days present / rostered,
days with the work log filled, days absent, and the true need they served (expected cases)."""


class Staff:
    """One row per person ever employed (a *slot*): who they are, where they work, their
    effort allocation, and hour accounts and tallies — ``total`` over the run, ``period``
    since the last scoring period closed.
    """

    # column name -> (fill value, dtype)
    COLUMNS = {
        "kind": (-1, np.int64),
        "post": (-1, np.int64),
        "team": (-1, np.int64),
        "hired": (0, np.int64),
        "left": (-1, np.int64),
        "reason": (-1, np.int64),
        "absent_until": (-1, np.int64),
        "depth": (1.0, np.float64),
        "overload": (0.0, np.float64),
        "unfairness": (0.0, np.float64),
        "padding": (0.0, np.float64),  # share of entry hours on padded records (sim.workforce.effort)
        "padded": (0.0, np.float64),  # padded records entered this scoring period
    }

    def __init__(self, n_activities: int, capacity: int = 64):
        self.n = 0
        self.cap = 0
        self.agents: list = []
        self.n_activities = n_activities
        self.total: dict[str, np.ndarray] = {}
        self.period: dict[str, np.ndarray] = {}
        self.moves = 0  # bumped by whoever changes who is where (hires, exits, leaves, returns, stand-ins)
        self._accounted: tuple = (-1, -1, 0, -1, np.empty(0, np.int64))  # (moves, n, from day, to day, slots)
        self._grow(capacity)

    def _grow(self, cap: int) -> None:
        def grown(old, fill, dtype, shape=()):
            new = np.full((cap, *shape), fill, dtype=dtype)
            if old is not None:
                new[: self.cap] = old
            return new

        for name, (fill, dtype) in self.COLUMNS.items():
            setattr(self, name, grown(getattr(self, name, None), fill, dtype))
        self.shares = grown(getattr(self, "shares", None), 0.0, np.float64, (self.n_activities,))
        names = HOURS + TALLIES  # one matrix per account set (rows: names), one add a day
        for name in ("totals", "periods"):
            new = np.zeros((len(names), cap))
            old = getattr(self, name, None)
            if old is not None:
                new[:, : self.cap] = old
            setattr(self, name, new)
        self.total = {h: self.totals[k] for k, h in enumerate(names)}
        self.period = {h: self.periods[k] for k, h in enumerate(names)}
        self.cap = cap

    def accounted(self, day: int) -> np.ndarray:
        """Slots whose hours are accounted on ``day``: on a team, employed (or left yesterday or later).

        Read-only, and the same array from day to day until someone moves (``moves``) or a
        leaver's last accounted day passes: worked out again only then."""
        moves, n, first, last, slots = self._accounted
        if moves == self.moves and n == self.n and first <= day <= last:
            return slots
        n = self.n
        left = self.left[:n]
        gone = left >= 0
        counted = (~gone | (left >= day - 1)) & (self.team[:n] >= 0)
        slots = np.flatnonzero(counted)
        slots.flags.writeable = False
        # the same slots until the first leaver still counted drops out (the day after next of leaving)
        leavers = left[gone & counted]
        last = int(leavers.min()) + 1 if len(leavers) else 1 << 62
        self._accounted = (self.moves, n, day, last, slots)
        return slots

    def busy_hours(self, now: float) -> float:
        """Busy hours on cases so far, counting the work in hand up to ``now``."""
        return sum(a.busy_hours + (now - a.busy_since if a.current >= 0 else 0.0) for a in self.agents)

    def duty_hours(self) -> float:
        """Shift hours worked so far (absences excluded)."""
        return float(self.total["shift"][: self.n].sum())

    def add(self, agent, kind: int, post: int, team: int, day: int, shares: np.ndarray) -> int:
        """Employ a person; returns their slot (also set as ``agent.slot``)."""
        if self.n == self.cap:
            self._grow(2 * self.cap)
        s = self.n
        self.n += 1
        self.agents.append(agent)
        self.kind[s], self.post[s], self.team[s], self.hired[s] = kind, post, team, day
        self.shares[s] = shares
        agent.slot = s
        self.moves += 1
        return s
