"""Which implementation runs: the compiled one, built at install, or the reference in the
domain modules. Both give bit-identical results.

``kernels`` is the compiled daily kernels (``sim.kernels._kernels``; reference: numpy in the domain
modules) and ``core`` the compiled event core (``sim.core._core``: calendar, desks, workflow;
reference: ``sim.core.clock``, ``sim.core.desks``, ``sim.core.workflow``); each is ``None`` where it was
not built or where ``GRIDSIM_PURE=1`` asks for the reference.
"""

from __future__ import annotations

import os
from typing import NamedTuple

kernels = None
core = None
if os.environ.get("GRIDSIM_PURE", "") not in ("1", "true", "yes"):
    try:
        from sim.kernels import _kernels as kernels
    except (ImportError, ValueError):  # not built (no C compiler), or built for another numpy
        kernels = None
    if kernels is not None:
        try:
            from sim.core import _core as core
        except (ImportError, ValueError):
            core = None


class EventCore(NamedTuple):
    """The classes of one event core."""

    Clock: type
    Timetable: type
    Team: type
    Meeting: type
    Referral: type
    Workflow: type


def event_core() -> EventCore:
    """The event core's classes: compiled where built, else the reference modules. Read when
    a model is built, so a test can switch."""
    if core is not None:
        return EventCore(core.Clock, core.Timetable, core.Team, core.Meeting, core.Referral, core.Workflow)
    from sim.core import clock
    from sim.core import desks as handling
    from sim.core import workflow
    return EventCore(clock.Clock, clock.Timetable, handling.Team, handling.Meeting, handling.Referral,
                     workflow.Workflow)
