"""What a desk asks of the case workflow: four calls, and the case columns its queues read.

Desks (``sim.core.desks``) decide *when* work happens and :class:`sim.core.workflow.Workflow`
*what* it is; this base declares the calls between them (so each module compiles knowing the
other's types) and holds the incident log's hot columns as typed views of their buffers, bound by
:meth:`bind_columns` and let go while the log reallocates them (a few dozen times a run).
"""

from __future__ import annotations

from typing import Any

from sim.core.clock import Actor, Clock
from sim.core.workers import WorkerState

COLUMNS_Q = (
    "state",
    "desk",
    "severity",
    "category",
    "level",
    "outcome",
    "grid",
    "escalations",
    "resolver",
    "handler",
    "household",
    "reopens",
    "visits_failed",
    "satisfied",
)
COLUMNS_D = (
    "t_join",
    "t_handling",
    "t_occurred",
    "t_surfaced",
    "t_accepted",
    "t_escalated",
    "t_resolved",
    "t_feedback",
    "t_reopened",
    "t_closed",
    "depth",
    "work",
    "u_solve",
    "u_visit",
    "u_feedback",
    "u_reopen",
)
"""The incident log's columns the event core reads and writes (64-bit integers, doubles)."""


class CaseFlow(Actor):
    """The workflow as desks see it (``sim.core.workflow.Workflow`` implements it)."""

    def __init__(self, clock: Clock, log: Any):
        Actor.__init__(self)
        self.clock = clock
        self.log = log
        self.recording = log.recording  # transition rows wanted (off in sweeps: skip building them)
        self.marks = log.marks  # (incident, time, state, level, actor) of each step, when recording
        self.block_marks = log.block_marks  # (actor, start, end) of non-case work, when recording
        self.picking: Any = None  # draws of cherry-picking from a team's queue (sim.core.desks.Team._take)
        self.cat_hours: Any = None  # handling hours per category (the workflow's; a cherry-picker seeks the least)
        self.bind_columns()
        log.watch(self)

    def bind_columns(self) -> None:
        """Take typed views of the log's hot columns' buffers (at the start and after they grew)."""
        b = self.log.buffer
        self.state, self.desk, self.severity, self.category = b("state"), b("desk"), b("severity"), b("category")
        self.level, self.outcome, self.grid, self.escalations = b("level"), b("outcome"), b("grid"), b("escalations")
        self.resolver, self.handler, self.household = b("resolver"), b("handler"), b("household")
        self.reopens = b("reopens")
        self.visits_failed, self.satisfied = b("visits_failed"), b("satisfied")
        self.t_join, self.t_handling, self.t_surfaced, self.t_accepted = (
            b("t_join"),
            b("t_handling"),
            b("t_surfaced"),
            b("t_accepted"),
        )
        self.t_escalated, self.t_resolved, self.t_feedback = b("t_escalated"), b("t_resolved"), b("t_feedback")
        self.t_reopened, self.t_closed, self.depth = b("t_reopened"), b("t_closed"), b("depth")
        self.work, self.u_solve, self.u_visit = b("work"), b("u_solve"), b("u_visit")
        self.u_feedback, self.u_reopen = b("u_feedback"), b("u_reopen")
        self.t_occurred = b("t_occurred")

    def release_columns(self) -> None:
        """Let go of the views (before the log grows)."""
        self.state = self.desk = self.severity = self.category = None
        self.level = self.outcome = self.grid = self.escalations = None
        self.resolver = self.handler = self.household = self.reopens = None
        self.visits_failed = self.satisfied = None
        self.t_join = self.t_handling = self.t_surfaced = self.t_accepted = None
        self.t_escalated = self.t_resolved = self.t_feedback = None
        self.t_reopened = self.t_closed = self.depth = None
        self.work = self.u_solve = self.u_visit = self.u_feedback = self.u_reopen = None
        self.t_occurred = None

    def wait(self, i: int, now: float, desk: Any) -> None:
        """A case joins a desk's queue."""
        raise NotImplementedError

    def begin(self, i: int, now: float, desk: Any, worker: WorkerState) -> float:
        """Someone starts on a case: decide the outcome and return how long the work takes."""
        raise NotImplementedError

    def end(self, i: int, now: float, desk: Any, worker: WorkerState) -> None:
        """The work on a case is done."""
        raise NotImplementedError

    def timeout(self, i: int, now: float, desk: Any) -> bool:
        """A case waited past the desk's time limit; returns whether it moved."""
        raise NotImplementedError
