"""Occurrence: a day's new incidents enter the record.

They occur (arrivals), their surfacing and first acceptance are planned (surfacing), their
per-case random draws are made in fixed batches (common random numbers: handling times,
solve, feedback, reopen and visit draws), they are appended to the incident log with their
first desk, and their acceptances go on the timetable.

The first three steps are one call of ``sim.kernels``' ``OccurrenceKernel`` a day: the day's
fixed cost (a kernel call per step, a numpy call per draw) weighed more than its events in a
small model (an M/M/c queue), so the day is drawn and planned in a single pass.
"""

from __future__ import annotations

import numpy as np

from sim import kernels
from sim.scenario import policy_table


class Occurrence:
    """Turns each day's arrivals into logged, planned incidents."""

    def __init__(self, ctx, surfacing, acceptances):
        """``ctx``: the model's context (``config``, ``arrivals``, ``log``, ``streams``, ``intake``,
        ``residents``, ``patrol_intensity``); ``surfacing``: the surfacing rates and their kernel;
        ``acceptances``: the timetable of planned acceptances."""
        sc = ctx.config
        self.log = ctx.log
        streams = ctx.streams
        arrivals = ctx.arrivals
        # the handling-time family (a registered policy): n -> n × levels unit-mean multipliers
        handling = policy_table.lookup("handling", sc.handling.family)(sc.handling, len(sc.levels), streams["handling"])
        # an hourly profile is drawn by the reference alone
        kernel = kernels.OccurrenceKernel if arrivals.hourly is None else kernels.reference.OccurrenceKernel
        self.kernel = kernel(
            arrivals,
            surfacing,
            streams["behaviour"],
            streams["feedback"],
            handling,
            streams["handling"],
            len(sc.levels),
            getattr(handling, "standard_exponential", False),  # the kernel may draw them itself
        )
        self.factor = arrivals.factor
        self.trust, self.awareness = ctx.residents.trust, ctx.residents.awareness  # views of the live columns
        self.patrol_intensity = ctx.patrol_intensity
        self.intake = ctx.intake  # first desk per incident
        self.acceptances = acceptances

    def day(self, d: int, mult: np.ndarray | None) -> int:
        """Day ``d``'s incidents under rate multipliers ``mult``; returns how many occurred."""
        month, profiled = self.factor(d)
        new, t_acc = self.kernel.day(d, month, profiled, mult, self.trust, self.awareness, self.patrol_intensity)
        n = len(t_acc)
        if n:
            ids = self.log.extend(**new)
            self.log.add_latent(ids, new["t_occurred"])
            self.intake.plan(new)
            self.acceptances.plan(t_acc, np.arange(ids.start, ids.stop, dtype=np.int64))
        return n
