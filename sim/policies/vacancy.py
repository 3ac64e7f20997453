"""Vacancy policies: refill (补员) — what happens to a post the moment its holder leaves —
and cover — which desk takes the cases of a team with nobody present.

Refill (``turnover.refill``): ``wait`` — the covering team takes the cases, nobody patrols the
grid; ``borrow`` — the covering team also patrols it; ``reserve`` — a stand-in from the street's
reserve pool takes the post at once if one is free. Cover (``turnover.cover``): ``neighbour``
— the nearest team with someone present, by hops over grid adjacency, lowest grid id first;
``community`` — the community desk. Both are built as ``Policy(context)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.policies.registry import register

if TYPE_CHECKING:  # numpy is imported where it is used: validating a scenario imports this
    import numpy as np  # module for its policy names only, and stays cheap


class Refill:
    """Base refill policy: the post waits for its recruit."""

    name = "refill"
    patrols_vacant = False  # whether the covering team also patrols the vacant team's grids

    def __init__(self, ctx):
        pass

    def on_exit(self, turnover, post: int, now: float) -> None:
        """The holder of ``post`` has just left (``turnover``: the :class:`~sim.workforce.turnover.Turnover`)."""


@register("refill", "wait")
class Wait(Refill):
    """The covering team takes the cases; nobody patrols the vacant grids."""


@register("refill", "borrow")
class Borrow(Refill):
    """The covering team takes the cases and patrols the vacant grids too."""

    patrols_vacant = True


@register("refill", "reserve")
class Reserve(Refill):
    """A stand-in from the street's reserve pool takes the post at once, if one is free."""

    def on_exit(self, turnover, post, now):
        """Send a stand-in from the street's reserve pool to ``post``, if one is free."""
        turnover.send_standin(post, now)


class Cover:
    """Base cover policy: nobody covers."""

    name = "cover"

    def __init__(self, ctx):
        pass

    def choose(self, team: int, present: np.ndarray):
        """The covering team (an index), a desk, or None, for vacant ``team``; ``present``:
        whether each team has someone present."""
        return None


@register("cover", "neighbour")
class Neighbour(Cover):
    """The nearest team with someone present, by hops over grid adjacency; lowest id first."""

    def __init__(self, ctx):
        plan, tog = ctx.plan, ctx.plan.team_of_grid
        adj: list[set] = [set() for _ in plan.team_grids]
        for t, grids in enumerate(plan.team_grids):
            for g in grids:
                adj[t].update(int(tog[n]) for n in ctx.world.grid_neighbours(g))
            adj[t].discard(t)
        self.adjacent = [sorted(a) for a in adj]  # teams are numbered by their first grid: lowest first

    def choose(self, team, present):
        """The nearest team with someone present, breadth-first over adjacency; None if none."""
        seen, frontier = {team}, [team]
        while frontier:  # breadth-first, one hop at a time; lowest team id (= grid id) wins
            nxt = sorted({n for t in frontier for n in self.adjacent[t]} - seen)
            for n in nxt:
                if present[n]:
                    return n
            seen.update(nxt)
            frontier = nxt
        return None


@register("cover", "community")
class Community(Cover):
    """The community desk of the vacant team's (first) grid."""

    def __init__(self, ctx):
        self.desks, self.level_unit, self.team_grids = ctx.desks, ctx.level_unit, ctx.plan.team_grids

    def choose(self, team, present):
        """The community desk of the team's first grid; None when there is no community level."""
        if len(self.desks) < 2:
            return None
        return self.desks[1][self.level_unit[1][self.team_grids[team][0]]]
