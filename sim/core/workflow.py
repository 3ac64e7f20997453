"""The case workflow (办事流程): the state machine every incident moves through.

latent → surfaced → accepted (首问负责) → [waiting →] handling → escalated to level k
(repeatable) → resolved → resident feedback → closed (办结销号) or reopened.

Desks (``sim.core.desks``) call :meth:`Workflow.begin` when someone starts on a case and
:meth:`Workflow.end` when they finish; everything that follows — resolve, escalate,
repeat a failed visit, collect feedback, close or reopen — is decided here, with a
timestamp for every transition. The scenario's rates and the escalation policy are
tabulated once, at the start; the residents' trust, awareness and satisfaction are
updated in their columns here (the one copy of those rules).
"""

from __future__ import annotations

import math
from array import array
from typing import Any

import cython
import numpy as np

from sim.core.cases import CaseFlow
from sim.core.clock import DelayLine
from sim.core.desks import Desk
from sim.core.workers import WorkerState

# workflow states (sim.core.incidents.State) and outcomes of the work on a case
SURFACED = cython.declare(cython.longlong, 1)
ACCEPTED = cython.declare(cython.longlong, 2)
WAITING = cython.declare(cython.longlong, 3)
HANDLING = cython.declare(cython.longlong, 4)
ESCALATED = cython.declare(cython.longlong, 5)
RESOLVED = cython.declare(cython.longlong, 6)
CLOSED = cython.declare(cython.longlong, 8)
REOPENED = cython.declare(cython.longlong, 9)
VISIT_FAILED = cython.declare(cython.longlong, 11)
RESOLVE = cython.declare(cython.longlong, 0)
ESCALATE = cython.declare(cython.longlong, 1)
REVISIT = cython.declare(cython.longlong, 2)  # door not opened (入户未遇)
FEEDBACK_DUE = cython.declare(cython.int, 0)  # what the workflow's delay lines carry (any other tag: accept)
REVISIT_DUE = cython.declare(cython.int, 1)
NAN = cython.declare(cython.double, math.nan)


def _doubles(values: Any) -> array:
    return array("d", np.ascontiguousarray(values, dtype=np.float64).ravel().tobytes())


def _ints(values: Any) -> array:
    return array("q", np.ascontiguousarray(values, dtype=np.int64).ravel().tobytes())


class Workflow(CaseFlow):
    """Moves cases between states and desks; owns no queues and no clock of its own."""

    def __init__(self, model: Any):
        CaseFlow.__init__(self, model.clock, model.log)
        sc = model.config
        self.model = model
        self.rework = model.streams["rework"]
        self.picking = model.streams["picking"]
        self.policy = model.escalation
        self.joint_visits = model.routing.joint_visits
        self.desks = model.desks  # desks[level][unit]
        self.desks_by_id = model.desks_by_id
        self.L = len(sc.levels)
        self.top = self.L - 1
        cats = list(sc.categories.values())
        authority = np.array(sc.authority_ranks(), dtype=np.int64)
        authority = authority.reshape(len(cats), -1)
        self.n_sev = authority.shape[1]
        # the escalation policy, tabulated: next rung for (category, severity, rank)
        nxt = [
            [[self.policy.next_level(c, s, r) for r in range(self.L)] for s in range(self.n_sev)]
            for c in range(len(cats))
        ]
        types = list(sc.community_types.values())
        self.n_grids = model.world.n_grids
        self.cat_hours = _doubles([c.handling_hours for c in cats])  # also what a queue's cherry-picker reads
        self.level_mult = _doubles([lv.handling_multiplier for lv in sc.levels])
        self.triage = _doubles([lv.triage_fraction for lv in sc.levels])
        self.p_solve = _doubles([lv.p_solve for lv in sc.levels])
        self.grid_access = _doubles([types[t].access_difficulty for t in model.world.grid_type.tolist()])
        self.grid_travel = _doubles([types[t].travel_hours for t in model.world.grid_type.tolist()])
        self.authority = _ints(authority)  # [category, severity]: the rank that may decide
        self.next_level = _ints(nxt)  # [category, severity, rank]
        self.grid_desk = _ints(model.level_grid_desk)  # [level, grid]: desk id
        self.is_visit = _ints([int(c.visit) for c in cats])
        self.joint_factor = sc.police.joint_visit_access_factor if self.joint_visits else 1.0
        st = sc.staffing
        self.max_visits = st.max_visit_attempts
        self.revisits = DelayLine(self.clock, st.visit_retry_hours, self, REVISIT_DUE)
        r = sc.residents
        self.feedbacks_due = DelayLine(self.clock, r.feedback_delay_hours, self, FEEDBACK_DUE)
        self.sat_latent = r.satisfaction_loss_per_latent_day
        self.sat_base, self.sat_day, self.sat_esc, self.sat_floor = (
            r.satisfaction_base,
            r.satisfaction_loss_per_day,
            r.satisfaction_loss_per_escalation,
            r.satisfaction_floor,
        )
        self.p_reopen = r.reopen_if_unsatisfied
        ef = sc.effort  # satisfaction lost per unit of rushing (depth below 1), full at min_depth
        self.rush_loss = ef.rush_satisfaction_loss / (1.0 - ef.min_depth) if ef.min_depth < 1 else 0.0
        self.max_reopens = sc.escalation.max_reopens
        self.trust_gain, self.trust_loss, self.aware_gain = r.trust_gain, r.trust_loss, r.awareness_gain_on_contact
        res = self.residents = model.residents  # household columns (sim.world.residents.ResidentState)
        self.trust, self.awareness, self.satisfaction, self.feedbacks = (
            res._trust,
            res._awareness,
            res._satisfaction,
            res.feedbacks,
        )
        self.sat_sum, self.sat_n, self.weight = res._sat_sum, res._sat_n, res.weight
        self.entry_desk = model.entry_desk  # per incident, planned when it occurs
        # running counters (the daily collector reads and differences them)
        self.n_accepted = self.n_resolved = self.n_closed = self.n_escalated = 0
        self.n_reopened = self.n_feedback = self.n_satisfied = self.n_started = 0
        self.wait_sum = 0.0  # hours from surfacing to first handling, summed over started cases

    def _due(self, tag: int, i: int) -> None:
        if tag == FEEDBACK_DUE:
            self.feedback(i)
        elif tag == REVISIT_DUE:
            self._revisit(i)
        else:  # the timetable of surfacings
            self.accept(i)

    # ---------------------------------------------------------------- entry

    def accept(self, i: int) -> None:
        """Event: the first responder accepts a surfaced case and it goes to its first desk."""
        now = self.clock.now
        self.state[i] = ACCEPTED
        self.t_accepted[i] = now
        if self.recording:
            self.marks.add5(i, self.t_surfaced[i], SURFACED, 0, -1)
            self.marks.add5(i, now, ACCEPTED, 0, -1)
        self.n_accepted += 1
        desk = cython.cast(Desk, self.desks_by_id[self.entry_desk[i]])
        self.level[i] = desk.level
        desk.admit(i, now)

    # ---------------------------------------------------------------- at a desk

    def wait(self, i: int, now: float, desk: Any) -> None:
        """A case joins a desk's queue."""
        d = cython.cast(Desk, desk)
        self.state[i] = WAITING
        self.desk[i] = d.id
        self.t_join[i] = now
        if self.recording:
            self.marks.add5(i, now, WAITING, d.level, -1)

    def begin(self, i: int, now: float, desk: Any, worker: WorkerState) -> float:
        """Someone starts on a case: decide the outcome and return how long the work takes."""
        d = cython.cast(Desk, desk)
        self.state[i] = HANDLING
        self.desk[i] = d.id
        th = self.t_handling[i]
        if th != th:  # NaN: first time anyone works on it
            self.t_handling[i] = now
            self.wait_sum += now - self.t_surfaced[i]
            self.n_started += 1
        if self.recording:
            self.marks.add5(i, now, HANDLING, d.level, worker.uid)
        cat = self.category[i]
        lvl = d.level
        k = i * self.L + lvl
        hours = self.cat_hours[cat] * self.level_mult[lvl] * d.multiplier * self.work[k] * worker.depth
        travel = self.grid_travel[self.grid[i]] if lvl == 0 else 0.0  # on site in the grid: there and back
        sev = self.severity[i]
        if d.rank < self.authority[cat * self.n_sev + sev]:
            self.outcome[i] = ESCALATE  # no authority: assess, then pass it up
            return hours * self.triage[lvl] + travel
        if worker.shed > 0.0 and lvl == 0 and self.work[k] > 1.0 and self.rework.random() < worker.shed:
            self.outcome[i] = ESCALATE  # a hard case shed upward (gaming, sim.workforce.effort): pass it up
            return hours * self.triage[lvl] + travel
        if self.is_visit[cat]:
            if self.visits_failed[i] == 0:
                u = self.u_visit[i]
            else:  # a repeated visit: a fresh draw
                u = self.rework.random()
            if u < self.grid_access[self.grid[i]] * self.joint_factor:
                self.outcome[i] = REVISIT
                return hours + travel
        self.outcome[i] = RESOLVE if (self.u_solve[k] < self.p_solve[lvl] or d.rank >= self.top) else ESCALATE
        return hours + travel

    def end(self, i: int, now: float, desk: Any, worker: WorkerState) -> None:
        """The work on a case is done: resolve it, pass it up, or plan another visit."""
        o = self.outcome[i]
        if o == RESOLVE:
            self.resolve(i, now, desk, worker)
        elif o == ESCALATE:
            self.escalate(i, now, desk, worker)
        else:
            self.visits_failed[i] += 1
            if self.recording:
                d = cython.cast(Desk, desk)
                self.marks.add5(i, now, VISIT_FAILED, d.level, worker.uid)
            if self.visits_failed[i] >= self.max_visits:
                self.escalate(i, now, desk, worker)  # joint visit higher up (e.g. with the police)
            else:
                self.state[i] = WAITING
                self.t_join[i] = NAN
                self.revisits.push(i)

    def _revisit(self, i: int) -> None:
        desk = cython.cast(Desk, self.desks_by_id[self.desk[i]])
        desk.admit(i, self.clock.now)

    def timeout(self, i: int, now: float, desk: Any) -> bool:
        """A case waited past the desk's time limit: it escalates automatically, if there is
        anywhere higher to go (at the top it keeps waiting). Returns whether it moved."""
        d = cython.cast(Desk, desk)
        if self.next_level[(self.category[i] * self.n_sev + self.severity[i]) * self.L + d.rank] <= d.rank:
            return False
        self.escalate(i, now, desk, None)
        return True

    # ---------------------------------------------------------------- moving on

    def escalate(self, i: int, now: float, desk: Any, worker: WorkerState | None = None) -> None:
        """Pass a case up the ladder as the escalation policy says."""
        d = cython.cast(Desk, desk)
        nxt = self.next_level[(self.category[i] * self.n_sev + self.severity[i]) * self.L + d.rank]
        if nxt <= d.rank:  # nowhere higher: the decision of whoever worked it is final
            self.resolve(i, now, desk, worker if worker is not None else desk.workers[0])
            return
        self.state[i] = ESCALATED
        self.escalations[i] += 1
        self.t_escalated[i] = now
        self.level[i] = nxt
        if self.recording:
            self.marks.add5(i, now, ESCALATED, nxt, -1)
        self.n_escalated += 1
        up = cython.cast(Desk, self.desks_by_id[self.grid_desk[nxt * self.n_grids + self.grid[i]]])
        up.admit(i, now)

    def resolve(self, i: int, now: float, desk: Any, worker: WorkerState) -> None:
        """Mark the case resolved at ``desk`` by ``worker`` and book the resident's feedback; a
        resident who met their grid worker grows more aware of them."""
        d = cython.cast(Desk, desk)
        self.state[i] = RESOLVED
        self.t_resolved[i] = now
        self.resolver[i] = worker.uid
        self.handler[i] = worker.role_code
        self.depth[i] = worker.depth
        self.level[i] = d.level
        self.desk[i] = d.id
        if self.recording:
            self.marks.add5(i, now, RESOLVED, d.level, worker.uid)
        self.n_resolved += 1
        if worker.meets_residents:  # the resident met their grid worker
            h = self.household[i]
            self.awareness[h] += self.aware_gain * (1.0 - self.awareness[h])
        self.feedbacks_due.push(i)

    def record_feedback(self, h: int, satisfied: bool) -> None:
        """Household ``h``'s satisfaction moves toward this outcome (exponential memory); the
        running sum and count over households with any feedback follow it."""
        old = self.satisfaction[h]
        new = old + self.weight * ((1.0 if satisfied else 0.0) - old)
        self.satisfaction[h] = new
        if self.feedbacks[h]:
            self.sat_sum[0] += new - old
        else:
            self.sat_n[0] += 1
            self.sat_sum[0] += new
        self.feedbacks[h] += 1

    def feedback(self, i: int) -> None:
        """Event: the resident judges the outcome; the case is signed off or reopened. Satisfaction
        falls with the days from report to resolution, the days the problem stayed latent
        (``residents.satisfaction_loss_per_latent_day``), escalations and rushing."""
        now = self.clock.now
        h = self.household[i]
        days = (self.t_resolved[i] - self.t_surfaced[i]) / 24.0
        latent_days = (self.t_surfaced[i] - self.t_occurred[i]) / 24.0  # the problem was there, unknown
        p = (
            self.sat_base
            - self.sat_day * days
            - self.sat_latent * latent_days
            - self.sat_esc * self.escalations[i]
            - self.rush_loss * (1.0 - self.depth[i])
        )
        if p < self.sat_floor:
            p = self.sat_floor
        first = self.reopens[i] == 0
        if first:
            u = self.u_feedback[i]
        else:  # a reopened case: fresh draws
            u = self.rework.random()
        satisfied = u < p
        self.satisfied[i] = 1 if satisfied else 0
        self.t_feedback[i] = now
        self.n_feedback += 1
        if satisfied:
            self.n_satisfied += 1
            self.trust[h] += self.trust_gain * (1.0 - self.trust[h])
        else:
            self.trust[h] -= self.trust_loss * self.trust[h]
        self.record_feedback(h, satisfied)
        if not satisfied and self.reopens[i] < self.max_reopens:
            if first:
                u = self.u_reopen[i]
            else:
                u = self.rework.random()
            if u < self.p_reopen:
                self.reopens[i] += 1
                self.t_reopened[i] = now
                self.state[i] = REOPENED
                if self.recording:
                    self.marks.add5(i, now, REOPENED, self.level[i], -1)
                self.n_reopened += 1
                desk = cython.cast(Desk, self.desks_by_id[self.desk[i]])
                desk.admit(i, now)
                return
        self.state[i] = CLOSED
        self.t_closed[i] = now
        if self.recording:
            self.marks.add5(i, now, CLOSED, self.level[i], -1)
        self.n_closed += 1
