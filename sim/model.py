"""GridModel: a Mesa model of one district's grid governance, event-driven inside each day.

``step()`` advances one simulated day: the day's incidents occur (one batch), their
surfacing is planned, and the event calendar runs every acceptance, hand-over, finish
and feedback up to midnight. Mesa's ``DataCollector`` then records the day. Nothing is
stepped that has nothing to do: agents act only when an event reaches them.
"""

from __future__ import annotations

from array import array

import mesa
import numpy as np
from mesa.discrete_space import Network

from sim import __version__
from sim.context import Context
from sim.core import compiled
from sim.core.incidents import IncidentLog, State
from sim.core.streams import spawn_streams
from sim.daily import DAILY_FIELDS, DailyCounts, DailyRecord
from sim.policies import registry
from sim.policies.routing import Intake
from sim.scenario.schema import ACTIVITIES, Scenario
from sim.workforce.effort import Effort
from sim.workforce.hiring import Hiring
from sim.workforce.need import TeamNeed
from sim.workforce.offices import build_offices
from sim.workforce.patrol import Patrol
from sim.workforce.rosters import rosters_for
from sim.workforce.scoring import Scorer
from sim.workforce.staffing import Staff, plan_staffing
from sim.workforce.turnover import Turnover
from sim.workforce.workday import WorkDay
from sim.world.arrivals import ArrivalProcess
from sim.world.campaigns import Campaigns
from sim.world.district import build_world
from sim.world.register import Register
from sim.world.residents import Households, ResidentState
from sim.world.risk import RiskGrader
from sim.world.surfacing import Surfacing

__all__ = ["GridModel", "DAILY_FIELDS"]


def _desk_ids(desks) -> np.ndarray:
    return np.array([-1 if d is None else d.id for d in desks], dtype=np.int64)


class GridModel(mesa.Model):
    """One district under one scenario and seed.

    Attributes most users need: ``world`` (layout arrays and graph), ``space`` (the
    graph as a Mesa ``Network``), ``log`` (every incident, columnar), ``datacollector``
    (daily aggregates), ``grid_workers`` (Mesa agents), ``staff`` (everyone ever employed
    at the grid level, with hour accounts), ``scorer`` (scoring periods), ``residents``
    (household state, columnar) and ``households`` (the household agents, made when first
    looked at; ``household_agents=True`` makes them all at build). ``context`` holds the
    parts the components were built with.
    """

    def __init__(self, config: Scenario, seed: int | None = None, household_agents: bool = False,
                 transitions: bool = True):
        seed = config.seed if seed is None else int(seed)
        super().__init__(rng=seed)
        self.config, self.seed, self.version = config, seed, __version__
        self.day = 0
        self._open = None  # (working, rate multipliers, incidents) of a day opened and not yet closed
        registry.load_plugins(config.plugins)  # (a scenario sent to another process names its own)
        self.streams = spawn_streams(seed)
        self._core = compiled.event_core()  # compiled (sim.core._core) where built, else the reference
        self.clock = self._core.Clock()
        self.world = w = build_world(config)
        self.space = Network(w.graph, layout=None, random=self.random)
        self.log = IncidentLog(len(config.levels), transitions)
        self.residents = ResidentState(w.grid_households, config.residents, self.streams["residents"])
        self.households = Households(self, self.residents.grid)  # resident agents, made when looked at
        if household_agents:  # all of them now (model.agents then holds every household)
            for h in range(len(self.households)):
                self.households[h]
        self.campaigns, self.register, self.effort = Campaigns(config), Register(config, w), Effort(config)
        self.risk = RiskGrader(config.risk, w)
        self.arrivals = ArrivalProcess(config, w, self.residents.first, self.streams["arrivals"])
        self._wire_workforce_and_policies()
        self.surfacings = self._core.Timetable(self.clock, self.workflow.accept)  # planned acceptances, by day
        self.daily = DailyCounts(self.workflow, self.workday, self.risk, self.staff, self.turnover, self.register,
                                 self.log, self.residents)
        self._today: dict = {}
        self.datacollector = DailyRecord()

    def _wire_workforce_and_policies(self) -> None:
        """Staffing plan, desks, the policies chosen by name, and the components that use them."""
        sc, w = self.config, self.world
        self.plan = plan = plan_staffing(sc, w)
        self.staff = Staff(len(ACTIVITIES), capacity=plan.n_posts + int(plan.reserve.sum()) + 16)
        self.rosters = rosters_for(sc.staffing, plan)
        self.offices = of = build_offices(sc, w, self.space, plan, self.rosters.full_time, self._core, self.clock, self)
        self.desks, self.desks_by_id, self.level_unit = of.desks, of.by_id, of.level_unit
        self.police_desks, self.police, self.property_desks, self.informants = (
            of.police_desks, of.police, of.property_desks, of.informants)
        level_index = {lv.name: k for k, lv in enumerate(sc.levels)}
        authority = [[level_index[a] for a in c.authority] for c in sc.categories.values()]
        self.escalation = registry.lookup("escalation", sc.escalation.policy)(authority, len(sc.levels))
        if compiled.core is not None and self._core.Workflow is compiled.core.Workflow:
            registry.compiled_core_may_run(self.escalation)
        self.routing = registry.lookup("routing", sc.routing_policy)(
            _desk_ids(self.desks[0])[self.level_unit[0]], _desk_ids(self.property_desks), w.grid_community,
            _desk_ids(self.police_desks), w.grid_beat, np.array([c in sc.police.categories for c in sc.categories]))
        level_grid_desk = np.array([_desk_ids(row)[self.level_unit[k]] for k, row in enumerate(self.desks)])
        self.intake = Intake(self.escalation, self.routing, level_grid_desk, len(sc.categories))
        self.entry_desk = array("q")
        self.hiring = Hiring(self, self.space, w, plan, self.staff, self.rosters, self.desks[0], self.effort.initial)
        self.patrol = Patrol(sc, plan, self.staff, self.rosters.full_time, self.risk, self.campaigns)
        r = self.rosters
        self.context = ctx = Context(
            config=sc, clock=self.clock, log=self.log, streams=self.streams, world=w, residents=self.residents,
            register=self.register, arrivals=self.arrivals, campaigns=self.campaigns, risk=self.risk, plan=plan,
            staff=self.staff, kind_roster=r.by_kind, full_time_roster=r.full_time, patrol_roster=r.patrol,
            responder_roster=r.responder, desks=self.desks, desks_by_id=self.desks_by_id, level_unit=self.level_unit,
            escalation=self.escalation, routing=self.routing, level_grid_desk=level_grid_desk,
            entry_desk=self.entry_desk, patrol_intensity=self.patrol.intensity, staff_grid=self.hiring.staff_grid)
        self.workflow = self._core.Workflow(ctx)
        for desk in self.desks_by_id:
            desk.wf = self.workflow
        self.surfacing = Surfacing(sc, ctx)
        tv = sc.turnover
        self.turnover = Turnover(tv, ctx, self.hiring, registry.lookup("refill", tv.refill)(ctx),
                                 registry.lookup("cover", tv.cover)(ctx))
        self.turnover.staff_up()
        self.workday = WorkDay(sc, ctx)
        self.scorer = Scorer(sc, ctx, registry.lookup("scoring", sc.scoring.scheme)(sc, ctx), self.effort)
        self.need = TeamNeed(plan, self.arrivals)
        self._draw_handling = registry.lookup("handling", sc.handling.family)(
            sc.handling, len(sc.levels), self.streams["handling"])

    @property
    def grid_workers(self) -> list:
        """Everyone ever employed to take cases at the grid level (those who left included)."""
        return self.staff.agents

    def staff_grid(self, slots: np.ndarray) -> np.ndarray:
        """Home grid of each staff slot (a stand-in: the first grid of the team they serve)."""
        return self.hiring.staff_grid(slots)

    def patrol_intensity(self) -> np.ndarray:
        """Patrol discovery effort per grid, per calendar hour, today."""
        return self.patrol.intensity()

    # ------------------------------------------------------------------ dynamics

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
        self.patrol.start_day(d, working, self.turnover.patrol_area())
        mult = self.campaigns.rate_multiplier(d)
        new = self.arrivals.day(d, mult)
        n = len(new["category"])
        if n:
            plan = self.surfacing.plan(new, self.streams["behaviour"])
            t_acc = plan.pop("t_accepted_plan")
            new["severity_initial"] = new["severity"]
            new.update(plan)
            u_feedback, u_reopen, u_visit = self.streams["feedback"].random((3, n))  # as three calls of n
            ids = self.log.extend(
                **new, work=self._draw_handling(n), u_solve=self.streams["handling"].random(n * len(self.config.levels)),
                u_feedback=u_feedback, u_reopen=u_reopen, u_visit=u_visit)
            self.log.add_latent(ids, new["t_occurred"])
            self.entry_desk.frombytes(self.intake.desk_ids(new).tobytes())
            self.surfacings.plan(t_acc, np.arange(ids.start, ids.stop, dtype=np.int64))
        self.surfacings.open(d)
        self._open = (working, mult, n)

    def close_day(self) -> None:
        """Midnight: the day's hour accounts, risk grades and scores; the daily record."""
        working, mult, n = self._open
        d = self.day
        self.log.flush()
        st = self.staff  # hour accounts of everyone on a team today (leavers of yesterday included)
        accounted = np.flatnonzero(((st.left[: st.n] < 0) | (st.left[: st.n] >= d - 1)) & (st.team[: st.n] >= 0))
        out = self.workday.end_day(d, accounted, working, self.need.today(mult, self.turnover.cover_of),
                                   self.world.n_grids)
        self.patrol.end_day(accounted, out["patrol"], self.turnover.patrol_area())
        self.workday.meet_households(self.residents, out["visited"], self.residents.first, self.world.grid_households)
        self.register.day(out["records"])
        self.day = d + 1
        if self.risk.due(self.day):
            self.risk.regrade(self.log, 24.0 * self.day, self.register.registered)
        if self.scorer.due(self.day):
            self.scorer.close_period(self.day)
        self._today = self.daily.snapshot(self.day, n)
        self.datacollector.collect(self)
        self._open = None
        if self.day >= self.config.days:
            self.running = False

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

    @property
    def now(self) -> float:
        """Model time in hours since Monday 00:00 of day 0."""
        return self.clock.now

    def state_counts(self) -> dict[str, int]:
        st = np.frombuffer(self.log.state, dtype=np.int64) if self.log.n else np.empty(0, np.int64)
        c = np.bincount(st, minlength=len(State))
        return {s.name.lower(): int(c[s]) for s in State}
