"""Which implementation runs: compiled, built at install, or interpreted. Both give bit-identical results.

``kernels`` is the compiled daily kernels (``sim.kernels._kernels``; reference: ``sim.kernels.reference``),
``None`` where not built or where ``GRIDSIM_PURE=1`` asks for the reference (``sim.kernels`` decides).
``core`` names the event core's classes where it runs compiled (``None`` where interpreted): the calendar,
desks and workflow are one Python source either way (``sim.core``'s package docstring says how one is chosen).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, NamedTuple

from sim import kernels as _switch
from sim.core import is_compiled

kernels: Any = _switch.compiled


class EventCore(NamedTuple):
    """The classes of the event core."""

    Clock: type
    Timetable: type
    Team: type
    Meeting: type
    Referral: type
    Workflow: type


def event_core() -> EventCore:
    """The event core's classes (compiled or interpreted, as the modules were imported)."""
    from sim.core.clock import Clock, Timetable
    from sim.core.desks import Meeting, Referral, Team
    from sim.core.workflow import Workflow

    return EventCore(Clock, Timetable, Team, Meeting, Referral, Workflow)


def _compiled_core() -> SimpleNamespace | None:
    if not is_compiled():
        return None
    from sim.core import workers

    return SimpleNamespace(**event_core()._asdict(), WorkerState=workers.WorkerState, hour_fields=workers.hour_fields)


core = _compiled_core()
