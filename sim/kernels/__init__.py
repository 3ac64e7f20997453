"""The daily kernels — the day's numpy work, one pass each: arrivals, surfacing plans, the day's
occurrence (both, and the per-case draws, in one call), the midnight close (hour accounts, visits
and records: ``DayClose``), the risk re-grade, the turnover screen, the incident log's appends, the
daily record's count of cases surfacing each day, duty rosters' twins.

This module is the one switch. Each name below is the compiled kernel (``sim.kernels._kernels``,
built at install) or, where that was not built, was built for another numpy, or
``GRIDSIM_PURE`` is ``1``, ``true`` or ``yes``, its numpy reference (``sim.kernels.reference``).
Both give bit-identical results; domain modules call ``kernels.<name>(...)`` and never ask which.
"""

from __future__ import annotations

import os

from sim.kernels import reference


def pure() -> bool:
    """Does the environment ask for the interpreted reference (``GRIDSIM_PURE``)? Read here only."""
    return os.environ.get("GRIDSIM_PURE", "") in ("1", "true", "yes")


compiled = None
"""``sim.kernels._kernels`` where it runs, else None (the reference runs; so does the event core, interpreted)."""
if not pure():
    try:
        from sim.kernels import _kernels as compiled
    except (ImportError, ValueError):  # not built (no C compiler), or built for another numpy
        compiled = None

_chosen = compiled if compiled is not None else reference
arrivals_day = _chosen.arrivals_day
SurfacingKernel = _chosen.SurfacingKernel
OccurrenceKernel = _chosen.OccurrenceKernel
DayClose = _chosen.DayClose
risk_grades = _chosen.risk_grades
quiet_day = _chosen.quiet_day
ColumnAppends = _chosen.ColumnAppends
count_days = _chosen.count_days
roster_twin = compiled.Roster if compiled is not None else reference.roster_twin
"""A roster's twin for the desks and the day close: the compiled ``Roster`` or the roster itself."""

__all__ = [
    "ColumnAppends",
    "DayClose",
    "OccurrenceKernel",
    "SurfacingKernel",
    "arrivals_day",
    "compiled",
    "count_days",
    "pure",
    "quiet_day",
    "reference",
    "risk_grades",
    "roster_twin",
]
