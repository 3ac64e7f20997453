"""The case workflow (办事流程): the state machine every incident moves through.

latent → surfaced → accepted (首问负责) → [waiting →] handling → escalated to level k
(repeatable) → resolved → resident feedback → closed (办结销号) or reopened.

Desks (``sim.core.desks``) call :meth:`Workflow.begin` when someone starts on a case and
:meth:`Workflow.end` when they finish; everything that follows — resolve, escalate,
repeat a failed visit, collect feedback, close or reopen — is decided here, with a
timestamp for every transition.
"""

from __future__ import annotations

from sim.core.clock import DelayLine
from sim.core.incidents import State
from sim.workforce.agents import GRID_ROLES

LATENT, SURFACED, ACCEPTED, WAITING, HANDLING, ESCALATED, RESOLVED, FEEDBACK, CLOSED, REOPENED, \
    WORSENED, VISIT_FAILED = (int(s) for s in State)

RESOLVE, ESCALATE, REVISIT = 0, 1, 2


class Workflow:
    """Moves cases between states and desks; owns no queues and no clock of its own."""

    def __init__(self, model):
        sc = model.config
        self.model = model
        self.clock = model.clock
        self.log = model.log
        self.recording = model.log.recording  # transition rows wanted (off in sweeps: skip building them)
        self.rework = model.streams["rework"]
        self.policy = model.escalation
        self.joint_visits = model.routing.joint_visits
        self.desks = model.desks  # desks[level][unit]
        self.desks_by_id = model.desks_by_id
        self.level_unit = model.level_unit  # level_unit[level][grid] -> unit index
        self.L = len(sc.levels)
        self.top = self.L - 1
        cats = list(sc.categories.values())
        level_index = {lv.name: k for k, lv in enumerate(sc.levels)}
        self.cat_hours = [c.handling_hours for c in cats]
        self.authority = [[level_index[a] for a in c.authority] for c in cats]
        self.is_visit = [c.visit for c in cats]
        self.p_solve = [lv.p_solve for lv in sc.levels]
        self.level_mult = [lv.handling_multiplier for lv in sc.levels]
        self.triage = [lv.triage_fraction for lv in sc.levels]
        types = list(sc.community_types.values())
        self.grid_access = [types[t].access_difficulty for t in model.world.grid_type.tolist()]
        self.joint_factor = sc.police.joint_visit_access_factor if self.joint_visits else 1.0
        st = sc.staffing
        self.max_visits = st.max_visit_attempts
        self.revisits = DelayLine(self.clock, st.visit_retry_hours, self._revisit)
        r = sc.residents
        self.feedbacks_due = DelayLine(self.clock, r.feedback_delay_hours, self.feedback)
        self.sat_base, self.sat_day, self.sat_esc, self.sat_floor = (
            r.satisfaction_base, r.satisfaction_loss_per_day, r.satisfaction_loss_per_escalation,
            r.satisfaction_floor)
        self.p_reopen = r.reopen_if_unsatisfied
        ef = sc.effort  # satisfaction lost per unit of rushing (depth below 1), full at min_depth
        self.rush_loss = ef.rush_satisfaction_loss / (1.0 - ef.min_depth) if ef.min_depth < 1 else 0.0
        self.max_reopens = sc.escalation.max_reopens
        self.trust_gain, self.trust_loss, self.aware_gain = r.trust_gain, r.trust_loss, r.awareness_gain_on_contact
        res = model.residents
        self.residents = res
        self.trust, self.awareness, self.satisfaction, self.feedbacks = (
            res._trust, res._awareness, res._satisfaction, res.feedbacks)
        self.entry_desk = model.entry_desk  # per incident, planned when it occurs
        # running counters (the daily collector reads and differences them)
        self.n_accepted = self.n_resolved = self.n_closed = self.n_escalated = 0
        self.n_reopened = self.n_feedback = self.n_satisfied = self.n_started = 0
        self.wait_sum = 0.0  # hours from surfacing to first handling, summed over started cases

    # ---------------------------------------------------------------- entry

    def accept(self, i: int) -> None:
        """Event: the first responder accepts a surfaced case and it goes to its first desk."""
        now = self.clock.now
        log = self.log
        log.state[i] = ACCEPTED
        log.t_accepted[i] = now
        if self.recording:
            log.mark((i, log.t_surfaced[i], SURFACED, 0, -1, i, now, ACCEPTED, 0, -1))  # two rows
        self.n_accepted += 1
        desk = self.desks_by_id[self.entry_desk[i]]
        log.level[i] = desk.level
        desk.admit(i, now)

    # ---------------------------------------------------------------- at a desk

    def wait(self, i: int, now: float, desk) -> None:
        """A case joins a desk's queue."""
        log = self.log
        log.state[i] = WAITING
        log.desk[i] = desk.id
        log.t_join[i] = now
        if self.recording:
            log.mark((i, now, WAITING, desk.level, -1))

    def begin(self, i: int, now: float, desk, worker) -> float:
        """Someone starts on a case: decide the outcome and return how long the work takes."""
        log = self.log
        log.state[i] = HANDLING
        log.desk[i] = desk.id
        if log.t_handling[i] != log.t_handling[i]:  # NaN: first time anyone works on it
            log.t_handling[i] = now
            self.wait_sum += now - log.t_surfaced[i]
            self.n_started += 1
        if self.recording:
            log.mark((i, now, HANDLING, desk.level, worker.unique_id))
        cat = log.category[i]
        lvl = desk.level
        k = i * self.L + lvl
        hours = self.cat_hours[cat] * self.level_mult[lvl] * desk.multiplier * log.work[k] * worker.depth
        if desk.rank < self.authority[cat][log.severity[i]]:
            log.outcome[i] = ESCALATE  # no authority: assess, then pass it up
            return hours * self.triage[lvl]
        if self.is_visit[cat]:
            u = log.u_visit[i] if log.visits_failed[i] == 0 else self.rework.random()
            if u < self.grid_access[log.grid[i]] * self.joint_factor:
                log.outcome[i] = REVISIT  # door not opened (入户未遇)
                return hours
        log.outcome[i] = RESOLVE if (log.u_solve[k] < self.p_solve[lvl] or desk.rank >= self.top) else ESCALATE
        return hours

    def end(self, i: int, now: float, desk, worker) -> None:
        """The work on a case is done: resolve it, pass it up, or plan another visit."""
        log = self.log
        o = log.outcome[i]
        if o == RESOLVE:
            self.resolve(i, now, desk, worker)
        elif o == ESCALATE:
            self.escalate(i, now, desk, worker)
        else:
            log.visits_failed[i] += 1
            if self.recording:
                log.mark((i, now, VISIT_FAILED, desk.level, worker.unique_id))
            if log.visits_failed[i] >= self.max_visits:
                self.escalate(i, now, desk, worker)  # joint visit higher up (e.g. with the police)
            else:
                log.state[i] = WAITING
                log.t_join[i] = float("nan")
                self.revisits.push(i)

    def _revisit(self, i: int) -> None:
        self.desks_by_id[self.log.desk[i]].admit(i, self.clock.now)

    def timeout(self, i: int, now: float, desk) -> bool:
        """A case waited past the desk's time limit: it escalates automatically, if there is
        anywhere higher to go (at the top it keeps waiting). Returns whether it moved."""
        if self.policy.next_level(self.log.category[i], self.log.severity[i], desk.rank) <= desk.rank:
            return False
        self.escalate(i, now, desk)
        return True

    # ---------------------------------------------------------------- moving on

    def escalate(self, i: int, now: float, desk, worker=None) -> None:
        """Pass a case up the ladder as the escalation policy says."""
        log = self.log
        cat = log.category[i]
        nxt = self.policy.next_level(cat, log.severity[i], desk.rank)
        if nxt <= desk.rank:  # nowhere higher: the decision of whoever worked it is final
            self.resolve(i, now, desk, worker if worker is not None else desk.workers[0])
            return
        log.state[i] = ESCALATED
        log.escalations[i] += 1
        log.t_escalated[i] = now
        log.level[i] = nxt
        if self.recording:
            log.mark((i, now, ESCALATED, nxt, -1))
        self.n_escalated += 1
        self.desks[nxt][self.level_unit[nxt][log.grid[i]]].admit(i, now)

    def resolve(self, i: int, now: float, desk, worker) -> None:
        log = self.log
        log.state[i] = RESOLVED
        log.t_resolved[i] = now
        log.resolver[i] = worker.unique_id
        log.handler[i] = worker.role_code
        log.depth[i] = worker.depth
        log.level[i] = desk.level
        log.desk[i] = desk.id
        if self.recording:
            log.mark((i, now, RESOLVED, desk.level, worker.unique_id))
        self.n_resolved += 1
        if worker.role_code in GRID_ROLES:  # the resident met their grid worker
            h = log.household[i]
            self.awareness[h] += self.aware_gain * (1.0 - self.awareness[h])
        self.feedbacks_due.push(i)

    def feedback(self, i: int) -> None:
        """Event: the resident judges the outcome; the case is signed off or reopened."""
        now = self.clock.now
        log = self.log
        h = log.household[i]
        days = (log.t_resolved[i] - log.t_surfaced[i]) / 24.0
        p = (self.sat_base - self.sat_day * days - self.sat_esc * log.escalations[i]
             - self.rush_loss * (1.0 - log.depth[i]))
        if p < self.sat_floor:
            p = self.sat_floor
        first = log.reopens[i] == 0
        satisfied = (log.u_feedback[i] if first else self.rework.random()) < p
        log.satisfied[i] = int(satisfied)
        log.t_feedback[i] = now
        self.n_feedback += 1
        if satisfied:
            self.n_satisfied += 1
            self.trust[h] += self.trust_gain * (1.0 - self.trust[h])
        else:
            self.trust[h] -= self.trust_loss * self.trust[h]
        self.residents.record_feedback(h, satisfied)
        if not satisfied and log.reopens[i] < self.max_reopens:
            u = log.u_reopen[i] if first else self.rework.random()
            if u < self.p_reopen:
                log.reopens[i] += 1
                log.t_reopened[i] = now
                log.state[i] = REOPENED
                if self.recording:
                    log.mark((i, now, REOPENED, log.level[i], -1))
                self.n_reopened += 1
                self.desks_by_id[log.desk[i]].admit(i, now)
                return
        log.state[i] = CLOSED
        log.t_closed[i] = now
        if self.recording:
            log.mark((i, now, CLOSED, log.level[i], -1))
        self.n_closed += 1
