"""Occurrence: a day's new incidents enter the record.

They occur (arrivals), their surfacing and first acceptance are planned (surfacing), their
per-case random draws are made in fixed batches (common random numbers: handling times,
solve, feedback, reopen and visit draws), they are appended to the incident log with their
first desk, and their acceptances go on the timetable.
"""

from __future__ import annotations

import numpy as np

from sim.scenario import policy_table


class Occurrence:
    """Turns each day's arrivals into logged, planned incidents."""

    def __init__(self, ctx, surfacing, acceptances):
        """``ctx``: the model's context (``config``, ``arrivals``, ``log``, ``streams``, ``intake``);
        ``acceptances``: the timetable of planned acceptances."""
        sc = ctx.config
        self.n_levels, self.arrivals, self.surfacing, self.log = len(sc.levels), ctx.arrivals, surfacing, ctx.log
        streams = ctx.streams
        self.behaviour, self.feedback = streams["behaviour"], streams["feedback"]
        self.handling_rng = streams["handling"]
        # the handling-time family (a registered policy): n -> n × levels unit-mean multipliers
        self.handling = policy_table.lookup("handling", sc.handling.family)(
            sc.handling, self.n_levels, self.handling_rng
        )
        self.intake = ctx.intake  # first desk per incident
        self.acceptances = acceptances

    def day(self, d: int, mult: np.ndarray | None) -> int:
        """Day ``d``'s incidents under rate multipliers ``mult``; returns how many occurred."""
        new = self.arrivals.day(d, mult)
        n = len(new["category"])
        if n:
            plan = self.surfacing.plan(new, self.behaviour)
            t_acc = plan.pop("t_accepted_plan")
            new["severity_initial"] = new["severity"]
            new.update(plan)
            u_feedback, u_reopen, u_visit = self.feedback.random((3, n))  # the same draws as three calls of n
            ids = self.log.extend(
                **new,
                work=self.handling(n),
                u_solve=self.handling_rng.random(n * self.n_levels),
                u_feedback=u_feedback,
                u_reopen=u_reopen,
                u_visit=u_visit,
            )
            self.log.add_latent(ids, new["t_occurred"])
            self.intake.plan(new)
            self.acceptances.plan(t_acc, np.arange(ids.start, ids.stop, dtype=np.int64))
        return n
