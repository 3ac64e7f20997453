"""Desks: where a case waits and is worked at one rung of the ladder for one unit.

Three disciplines, chosen per level in the scenario (``levels[].discipline``):

* :class:`Team` — a few workers with rosters serve a priority queue (major cases first,
  then first come, first served). Off-duty workers take only urgent cases (on call);
  a case that waits past the level's time limit escalates automatically. A worker doing
  non-case work (a *block*: overhead, campaign) stays in the idle list but takes no case
  until ``worker.free_at``; the team wakes then only if a case is waiting, so a block
  costs no calendar event of its own. A worker short of counted closures may cherry-pick
  (挑肥拣瘦, gaming): take the quickest queued case instead of the head (:meth:`Team._take`).
* :class:`Meeting` — the weekly group meeting (seed 000) takes up all escalated cases in
  one batch, decides each, and members carry the decisions out.
* :class:`Referral` — departments summoned by the street, or a property manager: no
  queue, a response time and then the handling time.

A desk decides *when* work happens; :class:`sim.core.workflow.Workflow` decides *what* the
work is and what happens after it. A team's queue is a binary heap over four parallel typed
arrays (-severity, time joined, sequence, case); ``desks.pxd`` types it all for Cython.
"""

from __future__ import annotations

import math
from array import array
from collections import deque
from collections.abc import Callable
from typing import Any, cast

import cython

from sim.core.cases import CaseFlow
from sim.core.clock import Actor, Clock, DelayLine, _grown_d, _grown_q
from sim.core.workers import WorkerState

INF = cython.declare(cython.double, math.inf)
WAITING = cython.declare(cython.longlong, 3)  # sim.core.incidents.State.WAITING
MAJOR = cython.declare(cython.longlong, 2)  # the severity taken off shift (on call)
WAKE = cython.declare(cython.longlong, -1)  # a team's event argument: wake (else: the worker's handle, finishing)
MEET = cython.declare(cython.longlong, -1)  # a meeting's event argument: sit (else: the case, done)
PICK_SCAN = cython.declare(cython.Py_ssize_t, 31)  # queue entries a cherry-picker looks through (heap's top 5 levels)


class Desk(Actor):
    """Common parts: identity, ladder level and rank (for authority), statistics."""

    discipline = "desk"

    def __init__(self, clock: Clock, ident: int, level: int, rank: int, unit: int, name: str, multiplier: float = 1.0):
        Actor.__init__(self)
        self.wf = cast(CaseFlow, None)  # the Workflow, bound once the model has built it
        self.clock = clock
        self.id = ident
        self.level = level  # index of the ladder level this desk belongs to
        self.rank = rank  # level whose authority this desk carries (police: community)
        self.unit = unit
        self.name = name
        self.multiplier = multiplier  # handling-time multiplier of this desk
        self.n_waiting = 0

    @property
    def workers(self) -> list:
        """The workers of this desk; none for the bare base desk."""
        return []

    def admit(self, i: int, now: float) -> None:
        """A case arrives at this desk."""
        raise NotImplementedError


class Team(Desk):
    """A team of rostered workers serving a priority queue."""

    discipline = "team"

    def __init__(
        self,
        clock: Clock,
        ident: int,
        level: int,
        rank: int,
        unit: int,
        name: str,
        members: list,
        time_limit: float | None = None,
        multiplier: float = 1.0,
        on_call: bool = True,
    ):
        Desk.__init__(self, clock, ident, level, rank, unit, name, multiplier)
        self.members = list(members)
        self.idle = list(members)
        self.qn = 0  # the queue: qn entries of (-severity, t_join, seq, case), a binary heap
        self.qcap = 8
        self.q_negsev = array("q", [0]) * self.qcap
        self.q_tj = array("d", [0.0]) * self.qcap
        self.q_seq = array("q", [0]) * self.qcap
        self.q_case = array("q", [0]) * self.qcap
        self.qseq = 0
        self.n_picked = 0  # cases taken out of priority order by a cherry-picking worker (gaming)
        self.time_limit = time_limit
        self.limit = INF if time_limit is None else time_limit
        self.deadlines = None if time_limit is None else DelayLine(clock, time_limit, self, 0, prune=True)
        self.wake_at = INF
        self.blocked_until = -INF  # no member is in a block from then on
        self._urgent = MAJOR if on_call else -1  # severity taken off shift (on call)
        self.cover: Desk | None = None  # takes this team's cases while nobody is present
        self.membership: list[tuple[float, int, bool]] = []  # (time, agent, joined): who worked here when
        for w in members:
            w.desk = self
        self._rosters_changed()

    def _rosters_changed(self) -> None:
        members = self.members
        self._always = bool(members) and all(w.roster.always for w in members)
        rosters = {id(w.roster) for w in members}
        first: WorkerState | None = members[0] if len(rosters) == 1 else None
        self._roster = first.duty if first is not None else None  # one shared roster: one duty check for all

    @property
    def workers(self) -> list:
        """The team's current members."""
        return self.members

    @property
    def queue(self) -> list[tuple[int, float, int, int]]:
        """The waiting entries (-severity, t_join, seq, case), in heap order."""
        return [(self.q_negsev[j], self.q_tj[j], self.q_seq[j], self.q_case[j]) for j in range(self.qn)]

    # -------------------------------------------------------------- the queue (a binary heap)

    def _q_push(self, negsev: int, tj: float, seq: int, i: int) -> None:
        if self.qn == self.qcap:
            n, cap = self.qn, 2 * self.qcap
            self.q_negsev = _grown_q(self.q_negsev, 0, n, cap)
            self.q_tj = _grown_d(self.q_tj, 0, n, cap)
            self.q_seq = _grown_q(self.q_seq, 0, n, cap)
            self.q_case = _grown_q(self.q_case, 0, n, cap)
            self.qcap = cap
        j = self._q_sift_up(self.qn, negsev, tj, seq)
        self.q_negsev[j] = negsev
        self.q_tj[j] = tj
        self.q_seq[j] = seq
        self.q_case[j] = i
        self.qn += 1

    def _q_sift_up(self, j: int, negsev: int, tj: float, seq: int) -> int:
        """Move the entries above slot ``j`` that an entry (negsev, tj, seq) comes before down one
        level each, and return the slot where that entry belongs (the caller writes it there)."""
        while j > 0:
            p = (j - 1) >> 1
            if negsev < self.q_negsev[p] or (
                negsev == self.q_negsev[p] and (tj < self.q_tj[p] or (tj == self.q_tj[p] and seq < self.q_seq[p]))
            ):
                self.q_negsev[j] = self.q_negsev[p]
                self.q_tj[j] = self.q_tj[p]
                self.q_seq[j] = self.q_seq[p]
                self.q_case[j] = self.q_case[p]
                j = p
            else:
                break
        return j

    def _q_drop_first(self) -> None:
        """Remove the head of the queue (the caller has read it)."""
        self._q_drop_at(0)

    def _q_drop_at(self, j: int) -> None:
        """Remove entry ``j``: the last entry fills the hole and moves up (past a later parent)
        or down (below earlier children) to restore the heap."""
        self.qn -= 1
        n = self.qn
        if j == n:
            return
        negsev, tj, seq, i = self.q_negsev[n], self.q_tj[n], self.q_seq[n], self.q_case[n]
        k = self._q_sift_up(j, negsev, tj, seq)
        if k != j:  # it moved up past a later parent: the heap below is in order
            j = k
        else:  # it stays or moves down below earlier children
            while True:
                c = 2 * j + 1
                if c >= n:
                    break
                if c + 1 < n and self._q_before(c + 1, c):
                    c += 1
                if self.q_negsev[c] < negsev or (
                    self.q_negsev[c] == negsev and (self.q_tj[c] < tj or (self.q_tj[c] == tj and self.q_seq[c] < seq))
                ):
                    self.q_negsev[j] = self.q_negsev[c]
                    self.q_tj[j] = self.q_tj[c]
                    self.q_seq[j] = self.q_seq[c]
                    self.q_case[j] = self.q_case[c]
                    j = c
                else:
                    break
        self.q_negsev[j] = negsev
        self.q_tj[j] = tj
        self.q_seq[j] = seq
        self.q_case[j] = i

    def _q_before(self, a: int, b: int) -> bool:
        """Does entry ``a`` come before entry ``b``: by (-severity, t_join, seq)?"""
        if self.q_negsev[a] != self.q_negsev[b]:
            return self.q_negsev[a] < self.q_negsev[b]
        if self.q_tj[a] != self.q_tj[b]:
            return self.q_tj[a] < self.q_tj[b]
        return self.q_seq[a] < self.q_seq[b]

    # -------------------------------------------------------------- cases

    def admit(self, i: int, now: float) -> None:
        """A case arrives: start it if someone is free and on duty, otherwise queue it."""
        wf = self.wf
        sev = wf.severity[i]
        idle = self.idle
        n = len(idle)
        if n:
            if now < self.blocked_until:  # someone may be in a block: check each
                for j in range(n):
                    k = n - 1 - j if self._always else j
                    w = cython.cast(WorkerState, idle[k])
                    if w.free_at <= now and (sev == self._urgent or w.duty.is_on(now)):
                        del idle[k]
                        self._start(w, i, now)
                        return
            elif self._always:
                self._start(idle.pop(), i, now)
                return
            elif self._roster is not None:  # one shared roster: one duty check for all
                if sev == self._urgent or self._roster.is_on(now):
                    self._start(idle.pop(0), i, now)
                    return
            else:
                for k in range(n):
                    w = cython.cast(WorkerState, idle[k])
                    if sev == self._urgent or w.duty.is_on(now):
                        del idle[k]
                        self._start(w, i, now)
                        return
        elif not self.members and self.cover is not None:  # vacant: the covering team takes it
            self.cover.admit(i, now)
            return
        wf.wait(i, now, self)
        self._q_push(-sev, now, self.qseq, i)
        self.qseq += 1
        self.n_waiting += 1
        if self.deadlines is not None:
            self.deadlines.push(i)
        if idle:
            self._wake_when_on(now)

    def _fire(self, arg: int) -> None:
        if arg == WAKE:
            self._wake()
        else:
            self._finish(cython.cast(WorkerState, self.clock.actors[arg]))

    def _start(self, w: WorkerState, i: int, now: float) -> None:
        w.current = i
        w.busy_since = now
        # hot path: work takes t ≥ 0, so the calendar's check is skipped
        self.clock.push(now + self.wf.begin(i, now, self, w), self, self.clock._handle(w))

    def _finish(self, w: WorkerState) -> None:
        now = self.clock.now
        i = w.current
        w.current = -1
        w.busy_hours += now - w.busy_since
        w.cases_handled += 1
        if w.owed:
            self.start_block(w, now)
        if not w.leaving:
            team = cython.cast(Team, w.desk)  # the team they work for now (a stand-in may have moved)
            team._next(w, now)
        self.wf.end(i, now, self, w)

    def _pop_valid(self) -> bool:
        """Drop queue entries whose case already left (escalated on time limit); is a live one at the head?"""
        wf = self.wf
        while self.qn:
            i = self.q_case[0]
            if wf.state[i] == WAITING and wf.desk[i] == self.id and wf.t_join[i] == self.q_tj[0]:
                return True
            self._q_drop_first()
        return False

    def _next(self, w: WorkerState, now: float) -> None:
        """A worker became free: take the next case if on duty (or it is urgent)."""
        head = self._pop_valid()
        if head and w.free_at <= now and (self.q_negsev[0] == -self._urgent or w.duty.is_on(now)):
            i = self._take(w, now)
            self.n_waiting -= 1
            self._start(w, i, now)
            return
        self.idle.append(w)
        if head:
            self._wake_when_on(now)

    def _take(self, w: WorkerState, now: float) -> int:
        """Remove from the queue (its head live) the case ``w`` takes next and return it: the head,
        or — cherry-picking (gaming, ``w.cherry`` > 0; sim.workforce.effort), on duty, with
        probability ``w.cherry`` (one draw of the ``picking`` stream) — :meth:`_quickest`."""
        j = 0
        if w.cherry > 0.0 and self.qn > 1 and w.duty.is_on(now) and self.wf.picking.random() < w.cherry:
            j = self._quickest()
            if j:
                self.n_picked += 1
        i = self.q_case[j]
        self._q_drop_at(j)
        return i

    def _quickest(self) -> int:
        """The heap index of the quickest live case among the queue's first ``PICK_SCAN`` entries
        (all of a queue up to that long; else cases near the head): the shortest handling hours of
        its category, then the lowest severity, then the queue's order. The head is live."""
        wf = self.wf
        n = self.qn if self.qn < PICK_SCAN else PICK_SCAN
        best = 0
        bh = wf.cat_hours[wf.category[self.q_case[0]]]
        for j in range(1, n):
            i = self.q_case[j]
            if wf.state[i] != WAITING or wf.desk[i] != self.id or wf.t_join[i] != self.q_tj[j]:
                continue  # left the queue (escalated on its time limit)
            h = wf.cat_hours[wf.category[i]]
            if h < bh or (
                h == bh
                and (
                    self.q_negsev[j] > self.q_negsev[best]
                    or (self.q_negsev[j] == self.q_negsev[best] and self._q_before(j, best))
                )
            ):
                best = j
                bh = h
        return best

    def _wake_when_on(self, now: float) -> None:
        """Make sure a wake is due when the first idle member can next take a case."""
        idle = self.idle
        n = len(idle)
        t = INF
        if self.qn and self.q_negsev[0] == -self._urgent:  # a major case: on call, as soon as a block ends
            for k in range(n):
                w = cython.cast(WorkerState, idle[k])
                x = w.free_at if w.free_at > now else now
                if k == 0 or x < t:
                    t = x
        elif n == 1:  # the usual team of one
            w = cython.cast(WorkerState, idle[0])
            t = w.duty.next_on(w.free_at if w.free_at > now else now)
        elif now < self.blocked_until:
            for k in range(n):
                w = cython.cast(WorkerState, idle[k])
                x = w.duty.next_on(w.free_at if w.free_at > now else now)  # max(now, free_at)
                if k == 0 or x < t:
                    t = x
        elif self._roster is not None:
            t = self._roster.next_on(now)
        else:
            for k in range(n):
                w = cython.cast(WorkerState, idle[k])
                x = w.duty.next_on(now)
                if k == 0 or x < t:
                    t = x
        if t <= now or t == INF:
            return
        if self.wake_at <= now or t < self.wake_at:
            self.wake_at = t
            self.clock.push(t, self, WAKE)

    def _wake(self) -> None:
        """Start of a shift (or the end of a block with a major case waiting): idle workers
        take queued cases — on duty, or on call for a major one."""
        now = self.clock.now
        if now != self.wake_at:
            return  # superseded by an earlier wake
        self.wake_at = INF
        free = [w for w in self.idle if w.free_at <= now]
        for k in range(len(free)):
            w = cython.cast(WorkerState, free[k])
            if not self._pop_valid():
                return
            if self.q_negsev[0] != -self._urgent and not w.duty.is_on(now):
                continue  # off duty, and the next case is not urgent
            i = self._take(w, now)
            self.n_waiting -= 1
            self.idle.remove(w)
            self._start(w, i, now)
        if self._pop_valid() and self.idle:
            self._wake_when_on(now)

    # -------------------------------------------------------------- people come and go

    def join(self, w: WorkerState, now: float) -> None:
        """Someone starts working in this team (hired, back from leave, stand-in)."""
        w.leaving = False
        w.desk = self
        self.blocked_until = max(self.blocked_until, w.free_at)
        self.membership.append((now, w.uid, True))
        self.members.append(w)
        self._rosters_changed()
        if w.current == -1:
            self._next(w, now)

    def leave(self, w: WorkerState, now: float) -> None:
        """Someone stops working here; work in hand is finished first. A team left empty
        hands its queue to the covering team."""
        self.members.remove(w)
        self.membership.append((now, w.uid, False))
        self._rosters_changed()
        if w in self.idle:
            self.idle.remove(w)
        else:
            w.leaving = True
        if not self.members:
            self.hand_over(now)

    def hand_over(self, now: float, route: Callable[[int], Any] | None = None) -> None:
        """Pass every waiting case on (vacancy): to the covering team, or where ``route(case)``
        says — a case held here for another vacant team follows that team's own cover."""
        if self.cover is None and route is None:
            return
        keep = []
        while self._pop_valid():
            head = (self.q_negsev[0], self.q_tj[0], self.q_seq[0], self.q_case[0])
            self._q_drop_first()
            dest = self.cover if route is None else route(head[3])
            if dest is None or dest is self:
                keep.append(head)
                continue
            self.n_waiting -= 1
            dest.admit(head[3], now)
        for negsev, tj, seq, i in keep:
            self._q_push(negsev, tj, seq, i)

    def block(self, w: WorkerState, hours: float, now: float) -> None:
        """Non-case work (overhead, campaign) of ``hours``: now if free, else after the case."""
        w.owed += hours
        if w.current == -1:
            self.start_block(w, now)

    def start_block(self, w: WorkerState, now: float) -> None:
        """Book the hours owed as one block from now (or from the end of a block under way)."""
        t0 = now if w.free_at < now else w.free_at
        t1 = t0 + w.owed
        if self.wf.recording:  # kept with the transition log (a city-year of Jiamusi: 2.9 M blocks)
            self.wf.block_marks.add3(w.uid, t0, t1)
        w.block_hours += w.owed
        w.owed = 0.0
        w.free_at = t1
        desk = cython.cast(Team, w.desk)
        if t1 > desk.blocked_until:
            desk.blocked_until = t1

    def _alive(self, tag: int, i: int, due: float) -> bool:
        """Is case ``i`` still in this queue from the join its deadline ``due`` belongs to?"""
        wf = self.wf
        return wf.state[i] == WAITING and wf.desk[i] == self.id and wf.t_join[i] + self.limit == due

    def _due(self, tag: int, i: int) -> None:
        """Time limit reached: a case still waiting here escalates (its queue entry goes stale)."""
        wf = self.wf
        now = self.clock.now
        if wf.state[i] == WAITING and wf.desk[i] == self.id and wf.t_join[i] + self.limit == now:
            if wf.timeout(i, now, self):
                self.n_waiting -= 1


def start_blocks(agents: list, slots: Any, hours: Any, now: float) -> None:
    """Shift start: the staff in ``slots`` of ``agents`` each begin the day's block of
    ``hours[k]`` at their team (:meth:`Team.block`), in order. One compiled loop: a city's day
    has tens of thousands of them (Jiamusi: 20 k), where a Python loop cost a tenth of the day."""
    for k in range(len(slots)):
        w = cython.cast(WorkerState, agents[slots[k]])
        cython.cast(Team, w.desk, typecheck=True).block(w, hours[k], now)


def staffed(teams: list, out: Any) -> None:
    """``out[t]`` = does team ``teams[t]`` have a member (a byte each; one compiled pass over a
    city's 8,500 teams each day someone came or went)."""
    for k in range(len(teams)):
        out[k] = len(cython.cast(Team, teams[k], typecheck=True).members) > 0


class Meeting(Desk):
    """Weekly work-group meeting (组长召集): escalated cases are decided in one batch."""

    discipline = "meeting"

    def __init__(
        self,
        clock: Clock,
        ident: int,
        level: int,
        rank: int,
        unit: int,
        name: str,
        chair: WorkerState,
        weekday: int,
        hour: float,
        multiplier: float = 1.0,
    ):
        Desk.__init__(self, clock, ident, level, rank, unit, name, multiplier)
        self.chair = chair
        self.at_week_hour = weekday * 24.0 + hour
        self.pending: list[tuple[int, float]] = []
        self.next_meeting = -INF  # the meeting on the calendar (-inf: none)
        self.last_meeting = -INF

    @property
    def workers(self) -> list:
        """The chair, who works every case the meeting decides."""
        return [self.chair]

    def admit(self, i: int, now: float) -> None:
        """A case arrives: it waits for the next weekly meeting, booked now if none is on the calendar."""
        self.wf.wait(i, now, self)
        self.pending.append((i, now))
        self.n_waiting += 1
        if self.next_meeting < now or self.next_meeting == self.last_meeting:  # none ahead
            base = now - (now % 168.0)
            t = base + self.at_week_hour
            if t < now or t <= self.last_meeting:  # this week's has been held already
                t += 168.0
            self.next_meeting = t
            if t < self.clock.now:
                raise ValueError(f"cannot schedule at {t} before now {self.clock.now}")
            self.clock.push(t, self, MEET)

    def _fire(self, arg: int) -> None:
        if arg == MEET:
            self._meet()
        else:  # case ``arg`` decided and done
            self.chair.cases_handled += 1
            self.wf.end(arg, self.clock.now, self, self.chair)

    def _meet(self) -> None:
        now = self.clock.now
        wf = self.wf
        self.last_meeting = now
        batch, self.pending = self.pending, []
        for i, tj in batch:
            if wf.state[i] == WAITING and wf.desk[i] == self.id and wf.t_join[i] == tj:
                self.n_waiting -= 1
                t = now + wf.begin(i, now, self, self.chair)
                if t < now:
                    raise ValueError(f"cannot schedule at {t} before now {now}")
                self.clock.push(t, self, i)


class Referral(Desk):
    """A response time, then the handling time (departments, property managers).

    ``capacity`` cases are worked at once (0: unlimited, in parallel — the department is an
    office, not one person); a case whose response time is over waits, first come first served,
    for a free place. The agent's ``busy_hours`` sum the handling hours of every case (with
    cases in parallel they can exceed the hours elapsed). With the street's whistle (吹哨报到),
    a case passed up from a summoning desk — ids ``summon_lo`` ≤ id < ``summon_hi``, the street
    rung — waits ``whistle_hours`` instead of ``response_hours``; other cases the ordinary time.
    """

    discipline = "referral"

    def __init__(
        self,
        clock: Clock,
        ident: int,
        level: int,
        rank: int,
        unit: int,
        name: str,
        agent: WorkerState,
        response_hours: float,
        multiplier: float = 1.0,
        capacity: int = 0,
        whistle_hours: float = -1.0,
        summon_lo: int = 0,
        summon_hi: int = 0,
    ):
        Desk.__init__(self, clock, ident, level, rank, unit, name, multiplier)
        self.agent = agent
        self.response_hours = response_hours
        self.responses = DelayLine(clock, response_hours, self, 0)
        self.whistle_hours = whistle_hours
        self.whistled = DelayLine(clock, whistle_hours, self, 0) if whistle_hours >= 0 else None
        self.summon_lo = summon_lo
        self.summon_hi = summon_hi
        self.capacity = capacity
        self.in_hand = 0
        self.started: dict = {}  # case in hand -> when its handling started here
        self.backlog: deque = deque()  # cases past their response time, waiting for a free place

    @property
    def workers(self) -> list:
        """The department or property manager who answers referrals."""
        return [self.agent]

    def admit(self, i: int, now: float) -> None:
        """A case arrives: it waits out the response time (the whistle's, if the street summoned
        the department for it), then is handled as soon as there is a free place."""
        wf = self.wf
        prev = wf.desk[i]  # the desk it comes from (-1: it enters here)
        self.n_waiting += 1
        if self.whistled is not None and self.summon_lo <= prev < self.summon_hi:
            wf.wait(i, now, self)
            self.whistled.push(i)
        else:
            wf.wait(i, now, self)
            self.responses.push(i)

    def _due(self, tag: int, i: int) -> None:
        """The response time is over: the handling starts, or waits for a free place."""
        if self.capacity > 0 and self.in_hand >= self.capacity:
            self.backlog.append(i)
            return
        self.n_waiting -= 1
        self._start(i, self.clock.now)

    def _start(self, i: int, now: float) -> None:
        self.in_hand += 1
        self.started[i] = now
        t = now + self.wf.begin(i, now, self, self.agent)
        if t < now:
            raise ValueError(f"cannot schedule at {t} before now {now}")
        self.clock.push(t, self, i)

    def _fire(self, arg: int) -> None:  # case ``arg`` done
        now = self.clock.now
        self.in_hand -= 1
        self.agent.busy_hours += now - self.started.pop(arg)
        self.agent.cases_handled += 1
        if self.backlog:
            self.n_waiting -= 1
            self._start(self.backlog.popleft(), now)
        self.wf.end(arg, now, self, self.agent)

    def in_hand_hours(self, now: float) -> float:
        """Hours worked so far on the cases in hand (busy hours not yet booked)."""
        return sum(now - t for t in self.started.values())
