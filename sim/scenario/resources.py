"""Resource bounds of a scenario (资源上限): the memory a run would need, estimated from its
size before anything runs, so that a scenario too large for the machine is refused at
validation with the estimate, rather than found out an hour into the run.

The per-item costs were measured on gridsim 0.3 (peak resident memory of runs of the
baseline scaled in households, grids, staff and incident rate, with the transition log) and
rounded up; the estimate is meant as an upper bound, not a forecast.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sim.scenario.schema import Scenario

BASE_MB = 300.0
"""The interpreter, the libraries and the model's fixed tables."""
MB_PER_HOUSEHOLD = 0.0004
MB_PER_GRID = 0.02
MB_PER_WORKER = 0.006
MB_PER_INCIDENT = 0.002
"""Per-item memory in MB (an incident with its transitions and output rows)."""
BUDGET_MB = 16_384.0
"""The default limit: 16 GiB, two thirds of the 24 GB machine the project runs on; the
environment variable ``GRIDSIM_MEMORY_BUDGET_MB`` changes it."""


@dataclass(frozen=True)
class Estimate:
    """How large a run of a scenario is, and the memory it needs (MB)."""

    grids: int
    households: int
    workers: int
    incidents: float
    mb: float


def budget_mb() -> float:
    """The memory limit in MB: ``GRIDSIM_MEMORY_BUDGET_MB`` when set to a positive number, else 16 GiB."""
    try:
        value = float(os.environ.get("GRIDSIM_MEMORY_BUDGET_MB", ""))
    except ValueError:
        return BUDGET_MB
    return value if 0 < value < float("inf") else BUDGET_MB


def estimate(sc: Scenario) -> Estimate:
    """The size of a run of ``sc`` over its ``days`` (an upper bound on each count)."""
    w, st = sc.world, sc.staffing
    types = sc.community_types
    spread = 1.0 + w.household_spread
    comms: list[tuple[int, str, float, int | None]]
    if w.communities:
        comms = [(c.street, c.type, float(c.grids), c.households_per_grid) for c in w.communities]
        n_comm = len(comms)
    else:
        n_comm = w.streets * w.communities_per_street
        mix = {t: v for t, v in w.community_mix.items() if v > 0 and t in types} or dict.fromkeys(types, 1.0)
        total = sum(mix.values())
        comms = [(0, t, n_comm * w.grids_per_community * v / total, None) for t, v in mix.items()]
    if w.dedicated_grids_per_street and "dedicated" in types:
        comms.append((0, "dedicated", float(w.streets * w.dedicated_grids_per_street), None))
    grids, households, incidents_per_year = 0.0, 0.0, 0.0
    for _street, t, n, hh in comms:
        base = hh or (w.households_rural if types[t].rural else w.households_urban) * spread
        grids += n
        households += n * (base + 1)
        mult = types[t].rate_multiplier
        incidents_per_year += n * (base + 1) * sum(c.rate * mult.get(k, 1.0) for k, c in sc.categories.items())
    heads = [st.full_time + st.part_time + st.political_legal + st.volunteers + st.informants]
    for h in [*st.by_type.values(), *st.by_grid.values()]:
        heads.append(sum(v or 0 for v in (h.full_time, h.part_time, h.political_legal, h.volunteers, h.informants)))
    desks = {"grid": grids, "community": n_comm, "street": w.streets, "district": 1}
    workers = (
        grids * max(heads)
        + w.streets * st.reserve_per_street
        + (grids / sc.police.grids_per_beat + 1) * sc.police.officers_per_beat
        + sum(desks[lv.scope] * lv.servers for lv in sc.levels[1:])
    )
    surge = max([1.0] + [m for c in sc.campaigns for m in c.rate_multiplier.values()])
    incidents = incidents_per_year * surge * sc.arrivals.rate_scale * sc.days / 365.0
    mb = (
        BASE_MB
        + MB_PER_HOUSEHOLD * households
        + MB_PER_GRID * grids
        + MB_PER_WORKER * workers
        + MB_PER_INCIDENT * incidents
    )
    return Estimate(int(grids), int(households), int(workers), incidents, mb)


def check(sc: Scenario) -> None:
    """Refuse (ValueError, one line naming the fields that make it large) a scenario whose
    run would need more memory than the budget."""
    e = estimate(sc)
    limit = budget_mb()
    if e.mb <= limit:
        return
    staff = MB_PER_WORKER * e.workers
    culprit = "staffing" if staff > (e.mb - BASE_MB) / 2 else "world"  # incidents grow with the households
    raise ValueError(
        f"{culprit}: a run would need about {_size(e.mb)} of memory ({e.grids:,} grids, {e.households:,} households, "
        f"{e.workers:,} staff, {e.incidents:.3g} incidents over {sc.days} days); the limit is {_size(limit)} "
        f"(GRIDSIM_MEMORY_BUDGET_MB)"
    )


def _size(mb: float) -> str:
    return f"{mb / 1024:.3g} GB" if mb >= 1024 else f"{mb:.0f} MB"
