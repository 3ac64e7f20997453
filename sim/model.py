"""GridModel: a Mesa model of one district's grid governance, event-driven inside each day.

``step()`` advances one simulated day: the day's incidents occur (one batch), their
surfacing is planned, and the event calendar runs every acceptance, hand-over, finish
and feedback up to midnight. Mesa's ``DataCollector`` then records the day. Nothing is
stepped that has nothing to do: agents act only when an event reaches them.
"""

from __future__ import annotations

import math
from array import array

import mesa
import numpy as np
from mesa.discrete_space import Network

from sim import __version__
from sim.core import compiled
from sim.world.arrivals import ArrivalProcess
from sim.world.campaigns import Campaigns
from sim.scenario.schema import ACTIVITIES, Scenario, Shift
from sim.workforce.effort import Effort
from sim.policies.escalation import POLICIES
from sim.core.incidents import IncidentLog, State
from sim.world.register import Register
from sim.world.residents import Households, ResidentState
from sim.world.risk import RiskGrader
from sim.policies.routing import FirstResponder, PoliceFusion
from sim.workforce.scoring import Scorer
from sim.workforce.shifts import Roster
from sim.workforce.staffing import KINDS, Staff, plan_staffing
from sim.core.streams import spawn_streams
from sim.world.surfacing import Surfacing
from sim.workforce.turnover import Turnover
from sim.workforce.workday import WorkDay
from sim.workforce.agents import BeatPolice, Department, GridWorker, Leader
from sim.world.district import build_world

_ALWAYS = Shift(always=True)

DAILY_FIELDS = ("day", "occurred", "surfaced", "resolved", "closed", "escalated", "reopened",
                "backlog", "latent", "closure_rate", "response_hours", "satisfied_share", "satisfaction",
                "worker_utilization",
                "green", "yellow", "red", "at_work", "absent", "vacant_posts", "overtime_hours",
                "overhead_hours", "patrol_hours", "registered_excess")


class DailyRecord(mesa.DataCollector):
    """Mesa's data collector for the daily record, one row a day. Every value is a plain
    number, so ``collect`` appends it as it is (Mesa's own deep-copies each of the ~24 values
    a day, a fixed cost that showed in the profile of small districts)."""

    def collect(self, model) -> None:
        today = model._today
        if self.agent_reporters or self.agenttype_reporters or not today.keys() >= self.model_reporters.keys():
            super().collect(model)  # someone added reporters of their own: Mesa's way for all
            return
        if hasattr(self, "_collection_steps"):
            self._collection_steps.append(model.time)
        for var, values in self.model_vars.items():
            values.append(today[var])


class GridModel(mesa.Model):
    """One district under one scenario and seed.

    Attributes most users need: ``world`` (layout arrays and graph), ``space`` (the
    graph as a Mesa ``Network``), ``log`` (every incident, columnar), ``datacollector``
    (daily aggregates), ``grid_workers`` (Mesa agents), ``staff`` (everyone ever employed
    at the grid level, with hour accounts), ``scorer`` (scoring periods), ``residents``
    (household state, columnar) and ``households`` (the household agents, made when first
    looked at; ``household_agents=True`` makes them all at build).
    """

    def __init__(self, config: Scenario, seed: int | None = None, household_agents: bool = False,
                 transitions: bool = True):
        seed = config.seed if seed is None else int(seed)
        super().__init__(rng=seed)
        self.config = config
        self.seed = seed
        self.version = __version__
        self.day = 0
        self._open = None  # (working, rate multipliers, incidents) of a day opened and not yet closed
        self.streams = spawn_streams(seed)
        # the event core: compiled (sim.core._core) where built, else sim.core.clock / handling / workflow
        self._core = compiled.event_core()
        self.clock = self._core.Clock()
        self.world = build_world(config)
        self.space = Network(self.world.graph, layout=None, random=self.random)
        L = len(config.levels)
        self.log = IncidentLog(L, transitions)

        self.residents = ResidentState(self.world.grid_households, config.residents, self.streams["residents"])
        self.households = Households(self, self.residents.grid)  # resident agents, made when looked at
        if household_agents:  # all of them now (model.agents then holds every household)
            for h in range(len(self.households)):
                self.households[h]

        self.campaigns = Campaigns(config)
        self.register = Register(config, self.world)
        self.effort = Effort(config, self)
        self._build_workforce_and_desks()
        policy_cls = POLICIES[config.escalation.policy]
        level_index = {lv.name: k for k, lv in enumerate(config.levels)}
        authority = [[level_index[a] for a in c.authority] for c in config.categories.values()]
        self.escalation = policy_cls(authority, L)
        routing_cls = PoliceFusion if config.police.fusion else FirstResponder
        ids = lambda desks: np.array([-1 if d is None else d.id for d in desks], dtype=np.int64)  # noqa: E731
        self.routing = routing_cls(ids(self.desks[0])[self.level_unit[0]], ids(self.property_desks), self.world.grid_community,
                                   ids(self.police_desks), self.world.grid_beat,
                                   np.array([c in config.police.categories for c in config.categories]))
        # desk id of level k for grid g, and the entry level for (category, severity, channel)
        self.level_grid_desk = np.array([ids(row)[self.level_unit[k]] for k, row in enumerate(self.desks)])
        n_cat = len(config.categories)
        self.entry_table = np.array([[[self.escalation.entry_level(c, s, ch) for ch in range(3)]
                                      for s in range(3)] for c in range(n_cat)], dtype=np.int64)
        self.entry_desk = array("q")
        self.workflow = self._core.Workflow(self)
        for desk in self.desks_by_id:
            desk.wf = self.workflow
        self.surfacings = self._core.Timetable(self.clock, self.workflow.accept)  # planned acceptances, by day
        self.arrivals = ArrivalProcess(config, self.world, self.residents.first, self.streams["arrivals"])
        self.surfacing = Surfacing(config, self)
        self.risk = RiskGrader(config.risk, self.world)
        self.turnover = Turnover(config, self)
        self._hire_initial()
        self.workday = WorkDay(config, self)
        self.scorer = Scorer(config, self)
        self._patrol_days: list[np.ndarray] = []
        self._need_base = None  # expected incidents per team on a day without a campaign
        self._risk_patrol = np.asarray(config.risk.patrol_multiplier, dtype=np.float64)
        self._patrol = None
        self._draw_handling = self._handling_sampler()
        self._prev = dict.fromkeys(("surfaced", "resolved", "closed", "escalated", "reopened",
                                    "feedback", "satisfied", "wait_sum", "started"), 0.0)
        self._today: dict = {}
        self.datacollector = DailyRecord(model_reporters={k: (lambda m, k=k: m._today[k]) for k in DAILY_FIELDS})

    # ------------------------------------------------------------------ construction

    def _roster(self, shift) -> Roster:
        return Roster(shift if shift is not None else self.config.staffing.full_time_shift)

    def _build_workforce_and_desks(self) -> None:
        sc, w = self.config, self.world
        st = sc.staffing
        self.plan = plan_staffing(sc, w)
        self.staff = Staff(len(ACTIVITIES), capacity=self.plan.n_posts + int(self.plan.reserve.sum()) + 16)
        self.kind_roster = {"grid_worker": Roster(st.full_time_shift), "part_time": Roster(st.part_time_shift),
                            "political_legal": Roster(st.full_time_shift), "volunteer": Roster(st.volunteer_shift),
                            "reserve": Roster(st.full_time_shift)}
        self.full_time_roster = self.kind_roster["grid_worker"]
        working = {KINDS[k] for k in set(self.plan.post_kind.tolist())}
        self.patrol_roster = self.full_time_roster if working & {"grid_worker", "political_legal"} else (
            self.kind_roster["part_time"] if "part_time" in working else self.kind_roster["volunteer"])
        self.responder_roster = self.patrol_roster
        self.desks: list[list] = []
        self.desks_by_id: list = []
        self.informants: list[GridWorker] = []
        units = {"grid": len(self.plan.team_grids), "community": w.n_communities, "street": w.n_streets,
                 "district": 1}
        unit_of = {"grid": self.plan.team_of_grid, "community": w.grid_community,
                   "street": w.grid_street, "district": np.zeros(w.n_grids, dtype=np.int64)}
        node_of = {"grid": lambda u: self.plan.team_grids[u][0], "community": w.community_node,
                   "street": w.street_node, "district": lambda u: w.district_node}
        self.level_unit = [unit_of[lv.scope].tolist() for lv in sc.levels]
        n_levels = len(sc.levels)
        for k, lv in enumerate(sc.levels):
            row = []
            for u in range(units[lv.scope]):
                cell = self.space[node_of[lv.scope](u)]
                name = f"{lv.name}:{u}"
                ident = len(self.desks_by_id)
                limit = lv.time_limit_hours if k < n_levels - 1 else None
                if k == 0:  # grid teams: members are hired below, once the desks exist
                    desk = self._core.Team(self.clock, ident, k, k, u, name, [], limit, on_call=st.on_call)
                elif lv.discipline == "team":
                    roster = self._roster(lv.shift)
                    members = [Leader(self, cell, roster, lv.role) for _ in range(lv.servers)]
                    desk = self._core.Team(self.clock, ident, k, k, u, name, members, limit)
                elif lv.discipline == "meeting":
                    chair = Leader(self, cell, self._roster(lv.shift), lv.role)
                    desk = self._core.Meeting(self.clock, ident, k, k, u, name, chair, lv.meeting_weekday,
                                              lv.meeting_hour)
                else:
                    agent = Department(self, cell, Roster(_ALWAYS), lv.role)
                    resp = lv.response_hours
                    if sc.escalation.whistle and lv.whistle_response_hours is not None:
                        resp = lv.whistle_response_hours  # 街道吹哨、部门报到
                    desk = self._core.Referral(self.clock, ident, k, k, u, name, agent, resp)
                row.append(desk)
                self.desks_by_id.append(desk)
            self.desks.append(row)
        for g in range(w.n_grids):
            self.informants += [GridWorker(self, self.space[g], self.full_time_roster, "informant", g)
                                for _ in range(int(self.plan.informants[g]))]
        # beat police desks (level 0, with the authority of the rung police sit on)
        pol = sc.police
        rank = [lv.name for lv in sc.levels].index(pol.authority_level)
        always = Roster(_ALWAYS)
        self.police_desks = []
        self.police: list[BeatPolice] = []
        first_grid = np.unique(w.grid_beat, return_index=True)[1]  # a beat's first grid (every beat has one)
        for b in range(w.n_beats):
            cell = self.space[int(first_grid[b])]
            officers = [BeatPolice(self, cell, always, b) for _ in range(pol.officers_per_beat)]
            self.police += officers
            desk = self._core.Team(self.clock, len(self.desks_by_id), 0, rank, b, f"police:{b}", officers, None,
                                   pol.handling_multiplier)
            self.police_desks.append(desk)
            self.desks_by_id.append(desk)
        # property managers absorb their share of property matters (level 0, full authority)
        types = list(sc.community_types.values())
        self.property_desks = []
        for c in range(w.n_communities):
            t = types[w.community_type[c]]
            if not t.property_management or t.property_absorbs <= 0:
                self.property_desks.append(None)
                continue
            agent = Department(self, self.space[w.community_node(c)], always, "property_manager")
            desk = self._core.Referral(self.clock, len(self.desks_by_id), 0, n_levels - 1, c, f"property:{c}",
                                       agent, t.property_response_hours)
            self.property_desks.append(desk)
            self.desks_by_id.append(desk)

    def _hire_initial(self) -> None:
        """Fill every post, and the streets' reserve pools, on day 0."""
        for p in range(self.plan.n_posts):
            self.turnover.fill(p, self.hire(p, 0))
        for street, n in enumerate(self.plan.reserve.tolist()):
            for _ in range(n):  # the pool waits at the street until sent to a vacant post
                a = GridWorker(self, self.space[self.world.street_node(street)], self.kind_roster["reserve"],
                               "reserve", -1)
                self.staff.add(a, KINDS.index("reserve"), -1, -1, 0, self.effort.initial)
                self.turnover.add_reserve(street, a.slot)

    def hire(self, post: int, day: int) -> int:
        """A new person takes ``post`` and joins its team; returns their staff slot."""
        kind = KINDS[int(self.plan.post_kind[post])]
        grid, team = int(self.plan.post_grid[post]), int(self.plan.post_team[post])
        a = GridWorker(self, self.space[grid], self.kind_roster[kind], kind, grid)
        slot = self.staff.add(a, KINDS.index(kind), post, team, day, self.effort.initial)
        self.desks[0][team].join(a, 24.0 * day)
        return slot

    def staff_grid(self, slots: np.ndarray) -> np.ndarray:
        """Home grid of each staff slot (a stand-in: the first grid of the team they serve)."""
        st, plan = self.staff, self.plan
        post = st.post[slots]
        return np.where(post >= 0, plan.post_grid[np.maximum(post, 0)], plan.team_first[np.maximum(st.team[slots], 0)])

    @property
    def grid_workers(self) -> list[GridWorker]:
        """Everyone ever employed to take cases at the grid level (those who left included)."""
        return self.staff.agents

    def _handling_sampler(self):
        """Per-incident, per-level unit-mean handling multipliers from the ``handling`` stream."""
        h = self.config.handling
        L = len(self.config.levels)
        rng = self.streams["handling"]
        if h.family == "exponential":
            return lambda n: rng.standard_exponential((n, L)).ravel()
        if h.family == "lognormal":
            s2 = math.log1p(h.cv ** 2)
            s = math.sqrt(s2)
            return lambda n: np.exp(s * rng.standard_normal((n, L)) - s2 / 2).ravel()
        return lambda n: (rng.standard_exponential((n, L)) * 0 + 1.0).ravel()

    # ------------------------------------------------------------------ dynamics

    def patrol_intensity(self) -> np.ndarray:
        """Patrol discovery effort per grid, per calendar hour: the grid's patrol hours over
        the last week (a day's average) plus informants, times the risk grade's multiplier."""
        if self._patrol is None:
            days = self._patrol_days
            if days:  # np.mean's own arithmetic (a sum over the days in order, over their count)
                hours = np.add.reduce(np.array(days), axis=0) / len(days)
            else:  # day 0: what the workers plan
                hours = self._planned_patrol()
            effort = hours + self.plan.informants * self.config.staffing.informant_discovery_factor
            mult = self._risk_patrol[self.risk.level]
            self._patrol = effort * mult * self.campaigns.patrol_multiplier(self.day) / 24.0
        return self._patrol

    def _planned_patrol(self) -> np.ndarray:
        st, r = self.staff, self.full_time_roster
        s = self.turnover.working()
        days_on = len(r.intervals) if not r.always else 7
        per_slot = self.workday.discretionary * st.shares[s, ACTIVITIES.index("patrol")] * days_on / 7.0
        return self._spread_patrol(s, per_slot)

    def _spread_patrol(self, slots: np.ndarray, hours: np.ndarray) -> np.ndarray:
        """Per-grid patrol hours from per-person hours: a team patrols its grids evenly
        (and, under ``turnover.refill: borrow``, the vacant grids it covers)."""
        plan = self.plan
        n_teams = len(plan.team_grids)
        team = np.bincount(self.staff.team[slots], hours, minlength=n_teams)
        area = plan.team_size
        extra = self.turnover.patrol_area()
        if extra:
            area = area.copy()
        for t, grids in extra:
            area[t] += len(grids)
        grid = team[plan.team_of_grid] / area[plan.team_of_grid]
        for t, grids in extra:
            grid[grids] = team[t] / area[t]
        return grid

    def _team_need(self, mult) -> np.ndarray:
        """Expected incidents today per team from the actual households (covering teams
        carry the need of the vacant teams they cover)."""
        n_teams = len(self.plan.team_grids)
        if mult is None and self._need_base is not None:  # no campaign: the same every day
            need = self._need_base
        else:
            rate = self.arrivals.daily_rate if mult is None else self.arrivals.daily_rate * mult[None, :]
            need = np.bincount(self.plan.team_of_grid, rate.sum(axis=1), minlength=n_teams)
            if mult is None:
                self._need_base = need
                need.flags.writeable = False
        cover = self.turnover.cover_of
        moved = (cover >= 0).nonzero()[0]
        if len(moved):
            need = need + np.bincount(cover[moved], need[moved], minlength=n_teams)
            need[moved] = 0.0
        return need

    def step(self) -> None:
        """Advance one day."""
        self.open_day()
        self.clock.run_until(24.0 * (self.day + 1))
        self.close_day()

    def advance(self, hours: float) -> None:
        """Advance by ``hours`` (the trainer's hour-by-hour view): opens and closes days as
        the clock crosses midnight; ``step()`` is ``advance(24)`` from a midnight."""
        end = self.clock.now + hours
        while self.running and self.clock.now < end - 1e-9:
            if self._open is None:
                self.open_day()
            midnight = 24.0 * (self.day + 1)
            self.clock.run_until(min(end, midnight))
            if self.clock.now >= midnight - 1e-9:
                self.close_day()

    def open_day(self) -> None:
        """Start of day: absences and exits, the day's plan of hours, today's incidents."""
        d = self.day
        self.turnover.start_of_day(d)
        working = self.turnover.working()
        self.workday.begin_day(d, working, self.campaigns.hours(d))
        mult = self.campaigns.rate_multiplier(d)
        new = self.arrivals.day(d, mult)
        n = len(new["category"])
        if n:
            plan = self.surfacing.plan(new, self.streams["behaviour"])
            fb = self.streams["feedback"]
            t_acc = plan.pop("t_accepted_plan")
            new["severity_initial"] = new["severity"]
            new.update(plan)
            u_feedback, u_reopen, u_visit = fb.random((3, n))  # the same draws as three calls of n
            ids = self.log.extend(
                **new, work=self._draw_handling(n), u_solve=self.streams["handling"].random(n * len(self.config.levels)),
                u_feedback=u_feedback, u_reopen=u_reopen, u_visit=u_visit)
            self.log.add_latent(ids, new["t_occurred"])
            self.entry_desk.frombytes(self._entry_desks(new).tobytes())
            self.surfacings.plan(t_acc, np.arange(ids.start, ids.stop, dtype=np.int64))
        self.surfacings.open(d)
        self._open = (working, mult, n)

    def close_day(self) -> None:
        """Midnight: the day's hour accounts, risk grades and scores; the daily record."""
        working, mult, n = self._open
        d = self.day
        self.log.flush()
        self._close_day(d, working, mult)
        self.day = d + 1
        if self.risk.due(self.day):
            self.risk.regrade(self.log, 24.0 * self.day, self.register.registered)
        self._patrol = None
        if self.scorer.due(self.day):
            self.scorer.close_period(self.day)
        self._snapshot(n)
        self.datacollector.collect(self)
        self._open = None
        if self.day >= self.config.days:
            self.running = False

    def _close_day(self, d: int, working: np.ndarray, mult) -> None:
        """Close the day's hour accounts; patrol, visits and records take effect."""
        st = self.staff
        n = st.n
        accounted = np.flatnonzero(((st.left[:n] < 0) | (st.left[:n] >= d - 1)) & (st.team[:n] >= 0))
        out = self.workday.end_day(d, accounted, working, self._team_need(mult), self.world.n_grids)
        self._patrol_days.append(self._spread_patrol(accounted, out["patrol"]))
        del self._patrol_days[:-7]
        self.workday.meet_households(self.residents, out["visited"], self.residents.first,
                                     self.world.grid_households)
        self.register.day(out["records"])

    def _entry_desks(self, new: dict) -> np.ndarray:
        """First desk of each new incident: the routing policy at level 0, else the level's desk."""
        cat, grid = new["category"], new["grid"]
        level = self.entry_table[cat, new["severity"], new["channel"]]
        first = self.routing.desk_ids(cat, grid, new["absorbed"])
        return np.where(level == 0, first, self.level_grid_desk[level, grid]).astype(np.int64)

    def run(self, days: int | None = None) -> GridModel:
        """Run ``days`` days (default: the scenario's)."""
        for _ in range(self.config.days if days is None else days):
            self.step()
        return self

    # ------------------------------------------------------------------ observation

    def busy_hours(self) -> float:
        """Grid-level case workers' busy hours so far, counting work in hand up to now."""
        now = self.clock.now
        return sum(w.busy_hours + (now - w.busy_since if w.current >= 0 else 0.0) for w in self.grid_workers)

    def duty_hours(self) -> float:
        """Grid-level case workers' shift hours worked so far (absences excluded)."""
        return float(self.staff.total["shift"][: self.staff.n].sum())

    def _snapshot(self, occurred: int) -> None:
        wf, prev = self.workflow, self._prev
        today = self.workday.today
        fb, sat = wf.n_feedback - prev["feedback"], wf.n_satisfied - prev["satisfied"]
        counts = np.bincount(self.risk.level, minlength=3)
        st, tv = self.staff, self.turnover
        employed = st.left[: st.n] < 0
        self._today = {
            "day": self.day, "occurred": occurred,
            "surfaced": wf.n_accepted - prev["surfaced"], "resolved": wf.n_resolved - prev["resolved"],
            "closed": wf.n_closed - prev["closed"], "escalated": wf.n_escalated - prev["escalated"],
            "reopened": wf.n_reopened - prev["reopened"],
            "backlog": wf.n_accepted - wf.n_closed, "latent": self.log.n - wf.n_accepted,
            "closure_rate": wf.n_closed / wf.n_accepted if wf.n_accepted else float("nan"),
            "response_hours": ((wf.wait_sum - prev["wait_sum"]) / (wf.n_started - prev["started"])
                               if wf.n_started > prev["started"] else float("nan")),
            "satisfied_share": sat / fb if fb else float("nan"),
            "satisfaction": self.residents.mean_satisfaction(),
            "worker_utilization": today["cases"] / today["shift"] if today.get("shift") else float("nan"),
            "green": int(counts[0]), "yellow": int(counts[1]), "red": int(counts[2]),
            "at_work": int(tv.at_work[: st.n].sum()),
            "absent": int((employed & (st.absent_until[: st.n] > self.day - 1)).sum()),
            "vacant_posts": int(((tv.holder < 0) & (tv.standin < 0)).sum()),
            "overtime_hours": today.get("overtime", 0.0), "overhead_hours": today.get("overhead", 0.0),
            "patrol_hours": today.get("patrol", 0.0),
            "registered_excess": float(self.register.stale.sum() / self.register.actual.sum()),
        }
        prev.update(surfaced=wf.n_accepted, resolved=wf.n_resolved, closed=wf.n_closed,
                    escalated=wf.n_escalated, reopened=wf.n_reopened, feedback=wf.n_feedback,
                    satisfied=wf.n_satisfied, wait_sum=wf.wait_sum, started=wf.n_started)

    @property
    def now(self) -> float:
        """Model time in hours since Monday 00:00 of day 0."""
        return self.clock.now

    def state_counts(self) -> dict[str, int]:
        st = np.frombuffer(self.log.state, dtype=np.int64) if self.log.n else np.empty(0, np.int64)
        c = np.bincount(st, minlength=len(State))
        return {s.name.lower(): int(c[s]) for s in State}

