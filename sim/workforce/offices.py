"""Offices: the desks of every rung of the escalation ladder, of the beat police and of the
property managers, and the people who staff them (grid teams are staffed by hiring).

One desk per unit of a rung's scope (grid team, community, street, district), made by the
rung's registered discipline (``sim.policies.discipline``); desk ids are their order here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.scenario import policy_table
from sim.scenario.schema import Scenario, Shift
from sim.workforce.agents import BeatPolice, Department, GridWorker, Leader
from sim.workforce.shifts import Roster

_ALWAYS = Shift(always=True)


@dataclass
class DeskParts:
    """What a discipline builds a desk from: the event core's classes, the clock, rosters
    and makers of the agents who staff it."""

    core: object
    clock: object
    agents_model: object  # the Mesa model the agents join
    default_shift: Shift
    whistle: bool
    summon: tuple[int, int] = (0, 0)  # desk ids [lo, hi) whose cases a whistle covers (the street rung)

    def roster(self, shift: Shift | None) -> Roster:
        """A roster for ``shift``, or for the default (full-time) shift if none."""
        return Roster(shift if shift is not None else self.default_shift)

    def leader(self, cell, roster: Roster, role: str) -> Leader:
        """A new leader agent at ``cell`` on ``roster``, in ``role``."""
        return Leader(self.agents_model, cell, roster, role)

    def department(self, cell, role: str) -> Department:
        """A new department agent at ``cell``, always on duty (it answers by response time)."""
        return Department(self.agents_model, cell, Roster(_ALWAYS), role)


@dataclass
class Offices:
    """Every desk: ``desks[level][unit]``, ``by_id``, ``level_unit[level][grid]`` (unit index),
    the beat police desks and officers, the property desks (None where there is no
    management) and the informants (who only report)."""

    desks: list[list] = field(default_factory=list)
    by_id: list = field(default_factory=list)
    level_unit: list[list[int]] = field(default_factory=list)
    police_desks: list = field(default_factory=list)
    police: list[BeatPolice] = field(default_factory=list)
    property_desks: list = field(default_factory=list)
    informants: list[GridWorker] = field(default_factory=list)


def build_offices(sc: Scenario, world, space, plan, full_time: Roster, core, clock, agents_model) -> Offices:
    """Lay out every desk and its people, in a fixed order (which numbers desks and agents)."""
    st, w = sc.staffing, world
    parts = DeskParts(core, clock, agents_model, st.full_time_shift, sc.escalation.whistle)
    out = Offices()
    units = {"grid": len(plan.team_grids), "community": w.n_communities, "street": w.n_streets, "district": 1}
    unit_of = {
        "grid": plan.team_of_grid,
        "community": w.grid_community,
        "street": w.grid_street,
        "district": np.zeros(w.n_grids, dtype=np.int64),
    }
    node_of = {
        "grid": lambda u: plan.team_grids[u][0],
        "community": w.community_node,
        "street": w.street_node,
        "district": lambda u: w.district_node,
    }
    out.level_unit = [unit_of[lv.scope].tolist() for lv in sc.levels]
    n_levels = len(sc.levels)
    for k, lv in enumerate(sc.levels):
        discipline = policy_table.lookup("discipline", lv.discipline)(lv)
        parts.summon = _summoners(sc, out.desks, k)
        row = []
        for u in range(units[lv.scope]):
            cell = space[node_of[lv.scope](u)]
            name, ident = f"{lv.name}:{u}", len(out.by_id)
            limit = lv.time_limit_hours if k < n_levels - 1 else None
            if k == 0:  # grid teams: members are hired later, once the desks exist
                desk = core.Team(clock, ident, k, k, u, name, [], limit, on_call=st.on_call)
            else:
                desk = discipline.desk(parts, ident, k, u, name, cell, limit)
            row.append(desk)
            out.by_id.append(desk)
        out.desks.append(row)
    for g in range(w.n_grids):
        out.informants += [
            GridWorker(agents_model, space[g], full_time, "informant", g) for _ in range(int(plan.informants[g]))
        ]
    # beat police desks (level 0, with the authority of the rung police sit on)
    pol = sc.police
    rank = [lv.name for lv in sc.levels].index(pol.authority_level)
    always = Roster(_ALWAYS)
    first_grid = np.unique(w.grid_beat, return_index=True)[1]  # a beat's first grid (every beat has one)
    for b in range(w.n_beats):
        cell = space[int(first_grid[b])]
        officers = [BeatPolice(agents_model, cell, always, b) for _ in range(pol.officers_per_beat)]
        out.police += officers
        desk = core.Team(clock, len(out.by_id), 0, rank, b, f"police:{b}", officers, None, pol.handling_multiplier)
        out.police_desks.append(desk)
        out.by_id.append(desk)
    # property managers absorb their share of property matters (level 0, full authority)
    types = list(sc.community_types.values())
    for c in range(w.n_communities):
        t = types[w.community_type[c]]
        if not t.property_management or t.property_absorbs <= 0:
            out.property_desks.append(None)
            continue
        agent = Department(agents_model, space[w.community_node(c)], always, "property_manager")
        desk = core.Referral(
            clock,
            len(out.by_id),
            0,
            n_levels - 1,
            c,
            f"property:{c}",
            agent,
            t.property_response_hours,
            1.0,
            t.property_capacity or 0,
        )
        out.property_desks.append(desk)
        out.by_id.append(desk)
    return out


ANYWHERE = 1 << 62


def _summoners(sc: Scenario, desks: list[list], k: int) -> tuple[int, int]:
    """Desk ids [lo, hi) whose cases the whistle covers at rung ``k``: the nearest street rung
    below it (``escalation.whistle_scope: summoned``; none: empty), or every case (``all``)."""
    if sc.escalation.whistle_scope == "all":
        return (-ANYWHERE, ANYWHERE)
    for j in range(k - 1, -1, -1):
        if sc.levels[j].scope == "street" and desks[j]:
            return (desks[j][0].id, desks[j][-1].id + 1)
    return (0, 0)
