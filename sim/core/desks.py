"""Desks: where a case waits and is worked at one rung of the ladder for one unit.

Three disciplines, chosen per level in the scenario (``levels[].discipline``):

* :class:`Team` — a few workers with rosters serve a priority queue (major cases first,
  then first come, first served). Off-duty workers take only urgent cases (on call);
  a case that waits past the level's time limit escalates automatically. A worker doing
  non-case work (a *block*: overhead, campaign) stays in the idle list but takes no case
  until ``worker.free_at``; the team wakes then only if a case is waiting, so a block
  costs no calendar event of its own.
* :class:`Meeting` — the weekly group meeting (seed 000) takes up all escalated cases in
  one batch, decides each, and members carry the decisions out.
* :class:`Referral` — departments summoned by the street, or a property manager: no
  queue, a response time and then the handling time.

A desk decides *when* work happens; :class:`sim.core.workflow.Workflow` decides *what* the
work is and what happens after it.
"""

from __future__ import annotations

import math
from heapq import heappop, heappush
from itertools import count

from sim.core.clock import DelayLine
from sim.core.incidents import State

_WAITING = int(State.WAITING)
_MAJOR = 2


class Desk:
    """Common parts: identity, ladder level and rank (for authority), statistics."""

    discipline = "desk"

    def __init__(self, clock, ident: int, level: int, rank: int, unit: int, name: str,
                 multiplier: float = 1.0):
        self.wf = None  # the Workflow, bound once the model has built it
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
        return []


class Team(Desk):
    """A team of rostered workers serving a priority queue."""

    discipline = "team"

    def __init__(self, clock, ident, level, rank, unit, name, members, time_limit=None, multiplier=1.0,
                 on_call: bool = True):
        super().__init__(clock, ident, level, rank, unit, name, multiplier)
        self.members = list(members)
        self.idle = list(members)
        self.queue: list = []  # (-severity, t_join, seq, incident)
        self.time_limit = time_limit
        self.deadlines = None if time_limit is None else DelayLine(clock, time_limit, self._timeout, self._still_waiting)
        self.wake_at = math.inf
        self.blocked_until = -math.inf  # no member is in a block from then on
        self._seq = count()
        self._urgent = _MAJOR if on_call else -1  # severity taken off shift (on call)
        self.cover: Team | None = None  # takes this team's cases while nobody is present
        self.membership: list[tuple[float, int, bool]] = []  # (time, agent, joined): who worked here when
        for w in members:
            w.desk = self
        self._rosters_changed()

    def _rosters_changed(self) -> None:
        members = self.members
        self._always = bool(members) and all(w.roster.always for w in members)
        rosters = {id(w.roster) for w in members}
        self._roster = members[0].roster if len(rosters) == 1 else None  # one shared roster?

    @property
    def workers(self) -> list:
        return self.members

    def admit(self, i: int, now: float) -> None:
        """A case arrives: start it if someone is free and on duty, otherwise queue it."""
        wf = self.wf
        sev = wf.log.severity[i]
        idle = self.idle
        if idle:
            if now < self.blocked_until:  # someone may be in a block: check each
                for k in range(len(idle) - 1, -1, -1) if self._always else range(len(idle)):
                    w = idle[k]
                    if w.free_at <= now and (sev == self._urgent or w.roster.is_on(now)):
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
                for k, w in enumerate(idle):
                    if sev == self._urgent or w.roster.is_on(now):
                        del idle[k]
                        self._start(w, i, now)
                        return
        elif not self.members and self.cover is not None:  # vacant: the covering team takes it
            self.cover.admit(i, now)
            return
        wf.wait(i, now, self)
        heappush(self.queue, (-sev, now, next(self._seq), i))
        self.n_waiting += 1
        if self.deadlines is not None:
            self.deadlines.push(i)
        if idle:
            self._wake_when_on(now)

    def _start(self, w, i: int, now: float) -> None:
        w.current = i
        w.busy_since = now
        clock = self.clock  # hot path: work takes t ≥ 0, so the calendar's check is skipped
        heappush(clock._heap, (now + self.wf.begin(i, now, self, w), next(clock._seq), self._finish, w))

    def _finish(self, w) -> None:
        now = self.clock.now
        i = w.current
        w.current = -1
        w.busy_hours += now - w.busy_since
        w.cases_handled += 1
        if w.owed:
            self.start_block(w, now)
        if not w.leaving:
            w.desk._next(w, now)  # the team they work for now (a stand-in may have moved)
        self.wf.end(i, now, self, w)

    def _pop_valid(self):
        """Drop queue entries whose case already left (escalated on time limit)."""
        q = self.queue
        if not q:
            return None
        log = self.wf.log
        while q:
            _, tj, _, i = q[0]
            if log.state[i] == _WAITING and log.desk[i] == self.id and log.t_join[i] == tj:
                return q[0]
            heappop(q)
        return None

    def _next(self, w, now: float) -> None:
        """A worker became free: take the next case if on duty (or it is urgent)."""
        head = self._pop_valid()
        if head is not None and w.free_at <= now and (head[0] == -self._urgent or w.roster.is_on(now)):
            heappop(self.queue)
            self.n_waiting -= 1
            self._start(w, head[3], now)
            return
        self.idle.append(w)
        if head is not None:
            self._wake_when_on(now)

    def _wake_when_on(self, now: float) -> None:
        """Make sure a wake is due when the first idle member can next take a case."""
        idle = self.idle
        head = self.queue[0] if self.queue else None
        if head is not None and head[0] == -self._urgent:  # a major case: on call, as soon as a block ends
            t = min(w.free_at if w.free_at > now else now for w in idle)
        elif len(idle) == 1:  # the usual team of one
            w = idle[0]
            t = w.roster.next_on(w.free_at if w.free_at > now else now)
        elif now < self.blocked_until:
            t = min(w.roster.next_on(max(now, w.free_at)) for w in idle)
        elif self._roster is not None:
            t = self._roster.next_on(now)
        else:
            t = min(w.roster.next_on(now) for w in idle)
        if t <= now or t == math.inf:
            return
        if self.wake_at <= now or t < self.wake_at:
            self.wake_at = t
            self.clock.at(t, self._wake, None)

    def _wake(self, _) -> None:
        """Start of a shift (or the end of a block with a major case waiting): idle workers
        take queued cases — on duty, or on call for a major one."""
        now = self.clock.now
        if now != self.wake_at:
            return  # superseded by an earlier wake
        self.wake_at = math.inf
        for w in [w for w in self.idle if w.free_at <= now]:
            head = self._pop_valid()
            if head is None:
                return
            if head[0] != -self._urgent and not w.roster.is_on(now):
                continue  # off duty, and the next case is not urgent
            heappop(self.queue)
            self.n_waiting -= 1
            self.idle.remove(w)
            self._start(w, head[3], now)
        if self._pop_valid() is not None and self.idle:
            self._wake_when_on(now)

    # -------------------------------------------------------------- people come and go

    def join(self, w, now: float) -> None:
        """Someone starts working in this team (hired, back from leave, stand-in)."""
        w.leaving = False
        w.desk = self
        self.blocked_until = max(self.blocked_until, w.free_at)
        self.membership.append((now, w.unique_id, True))
        self.members.append(w)
        self._rosters_changed()
        if w.current == -1:
            self._next(w, now)

    def leave(self, w, now: float) -> None:
        """Someone stops working here; work in hand is finished first. A team left empty
        hands its queue to the covering team."""
        self.members.remove(w)
        self.membership.append((now, w.unique_id, False))
        self._rosters_changed()
        if w in self.idle:
            self.idle.remove(w)
        else:
            w.leaving = True
        if not self.members:
            self.hand_over(now)

    def hand_over(self, now: float, route=None) -> None:
        """Pass every waiting case on (vacancy): to the covering team, or where ``route(case)``
        says — a case held here for another vacant team follows that team's own cover."""
        if self.cover is None and route is None:
            return
        keep = []
        while (head := self._pop_valid()) is not None:
            heappop(self.queue)
            dest = self.cover if route is None else route(head[3])
            if dest is None or dest is self:
                keep.append(head)
                continue
            self.n_waiting -= 1
            dest.admit(head[3], now)
        for head in keep:
            heappush(self.queue, head)

    def block(self, w, hours: float, now: float) -> None:
        """Non-case work (overhead, campaign) of ``hours``: now if free, else after the case."""
        w.owed += hours
        if w.current == -1:
            self.start_block(w, now)

    def start_block(self, w, now: float) -> None:
        """Book the hours owed as one block from now (or from the end of a block under way)."""
        t0 = now if w.free_at < now else w.free_at
        t1 = t0 + w.owed
        if self.wf.recording:  # kept with the transition log (a city-year of blocks is ~10 M tuples)
            w.blocks.append((t0, t1))
        w.block_hours += w.owed
        w.owed = 0.0
        w.free_at = t1
        desk = w.desk
        if t1 > desk.blocked_until:
            desk.blocked_until = t1

    def _still_waiting(self, i: int, due: float) -> bool:
        """Is case ``i`` still in this queue from the join its deadline ``due`` belongs to?"""
        log = self.wf.log
        return log.state[i] == _WAITING and log.desk[i] == self.id and log.t_join[i] + self.time_limit == due

    def _timeout(self, i: int) -> None:
        """Time limit reached: a case still waiting here escalates (its queue entry goes stale)."""
        log = self.wf.log
        now = self.clock.now
        if log.state[i] == _WAITING and log.desk[i] == self.id and log.t_join[i] + self.time_limit == now:
            if self.wf.timeout(i, now, self):
                self.n_waiting -= 1


class Meeting(Desk):
    """Weekly work-group meeting (组长召集): escalated cases are decided in one batch."""

    discipline = "meeting"

    def __init__(self, clock, ident, level, rank, unit, name, chair, weekday: int, hour: float,
                 multiplier=1.0):
        super().__init__(clock, ident, level, rank, unit, name, multiplier)
        self.chair = chair
        self.at_week_hour = weekday * 24.0 + hour
        self.pending: list[tuple[int, float]] = []
        self.next_meeting = -math.inf  # the meeting on the calendar (-inf: none)
        self.last_meeting = -math.inf

    @property
    def workers(self) -> list:
        return [self.chair]

    def admit(self, i: int, now: float) -> None:
        self.wf.wait(i, now, self)
        self.pending.append((i, now))
        self.n_waiting += 1
        if self.next_meeting < now or self.next_meeting == self.last_meeting:  # none ahead
            base = now - (now % 168.0)
            t = base + self.at_week_hour
            if t < now or t <= self.last_meeting:  # this week's has been held already
                t += 168.0
            self.next_meeting = t
            self.clock.at(t, self._meet, None)

    def _meet(self, _) -> None:
        now = self.clock.now
        self.last_meeting = now
        log = self.wf.log
        batch, self.pending = self.pending, []
        for i, tj in batch:
            if log.state[i] == _WAITING and log.desk[i] == self.id and log.t_join[i] == tj:
                self.n_waiting -= 1
                self.clock.at(now + self.wf.begin(i, now, self, self.chair), self._done, i)

    def _done(self, i: int) -> None:
        self.chair.cases_handled += 1
        self.wf.end(i, self.clock.now, self, self.chair)


class Referral(Desk):
    """No queue: a response time, then the handling time (departments, property managers)."""

    discipline = "referral"

    def __init__(self, clock, ident, level, rank, unit, name, agent, response_hours: float,
                 multiplier=1.0):
        super().__init__(clock, ident, level, rank, unit, name, multiplier)
        self.agent = agent
        self.response_hours = response_hours
        self.responses = DelayLine(clock, response_hours, self._start)

    @property
    def workers(self) -> list:
        return [self.agent]

    def admit(self, i: int, now: float) -> None:
        self.wf.wait(i, now, self)
        self.n_waiting += 1
        self.responses.push(i)

    def _start(self, i: int) -> None:
        now = self.clock.now
        self.n_waiting -= 1
        self.clock.at(now + self.wf.begin(i, now, self, self.agent), self._done, i)

    def _done(self, i: int) -> None:
        self.agent.cases_handled += 1
        self.wf.end(i, self.clock.now, self, self.agent)
