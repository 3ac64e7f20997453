"""GridModel: a Mesa model of one district's grid governance, event-driven inside each day.

``step()`` advances one simulated day: the day's incidents occur (one batch), their
surfacing is planned, and the event calendar runs every acceptance, hand-over, finish
and feedback up to midnight. Mesa's ``DataCollector`` then records the day. Nothing is
stepped that has nothing to do: agents act only when an event reaches them.
"""

from __future__ import annotations

import numpy as np

from sim import __version__
from sim._mesa import Network, mesa
from sim.context import Context
from sim.core import compiled
from sim.core.clock import collector_paused
from sim.core.incidents import IncidentLog
from sim.core.streams import spawn_streams
from sim.daily import DailyCounts, DailyRecord, state_counts
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
from sim.world.occurrence import Occurrence
from sim.world.register import Register
from sim.world.residents import Households, ResidentState
from sim.world.risk import RiskGrader
from sim.world.surfacing import Surfacing


class GridModel(mesa.Model):
    """One district under one scenario and seed: the day loop, and the wiring of its parts.

    Most used: ``world`` (layout, graph), ``space`` (the graph as a Mesa ``Network``), ``log``
    (every incident), ``datacollector`` (daily rows), ``grid_workers`` (Mesa agents), ``staff``
    (hour accounts), ``scorer``, ``residents`` (household state) and ``households`` (agents,
    made when looked at, or all at build with ``household_agents=True``); ``context``: the
    parts the components were built with."""

    @collector_paused()  # a city's build: ~430 k long-lived objects (Jiamusi: two full collections)
    def __init__(
        self, config: Scenario, seed: int | None = None, household_agents: bool = False, transitions: bool = True
    ):
        seed = config.seed if seed is None else int(seed)
        super().__init__(rng=seed)
        self.config, self.seed, self.version = config, seed, __version__
        self.day, self._open = 0, None  # _open: (working, rate multipliers, incidents) of a day not yet closed
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
        self.occurrence = Occurrence(self.context, self.surfacing, self.surfacings)
        self.daily = DailyCounts(
            self.workflow, self.workday, self.risk, self.staff, self.turnover, self.register, self.log, self.residents
        )
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
            of.police_desks,
            of.police,
            of.property_desks,
            of.informants,
        )
        self.intake = Intake.choose(sc, of, w)
        self.escalation, self.routing = self.intake.escalation, self.intake.routing
        registry.core_may_run(self._core, self.escalation)
        self.hiring = Hiring(self, self.space, w, plan, self.staff, self.rosters, self.desks[0], self.effort.initial)
        self.patrol = Patrol(sc, plan, self.staff, self.rosters.full_time, self.risk, self.campaigns)
        self.context = ctx = Context(
            config=sc,
            clock=self.clock,
            log=self.log,
            streams=self.streams,
            world=w,
            residents=self.residents,
            register=self.register,
            arrivals=self.arrivals,
            campaigns=self.campaigns,
            risk=self.risk,
            plan=plan,
            staff=self.staff,
            rosters=self.rosters,
            offices=of,
            intake=self.intake,
            patrol=self.patrol,
            hiring=self.hiring,
        )
        self.workflow = self._core.Workflow(ctx)
        for desk in self.desks_by_id:
            desk.wf = self.workflow
        self.surfacing = Surfacing(sc, ctx)
        tv = sc.turnover
        self.turnover = Turnover(
            tv, ctx, self.hiring, registry.lookup("refill", tv.refill)(ctx), registry.lookup("cover", tv.cover)(ctx)
        )
        self.turnover.staff_up()
        self.workday = WorkDay(sc, ctx)
        self.scorer = Scorer(sc, ctx, registry.lookup("scoring", sc.scoring.scheme)(sc, ctx), self.effort)
        self.need = TeamNeed(plan, self.arrivals)

    @property
    def grid_workers(self) -> list:
        """Everyone ever employed to take cases at the grid level (those who left included)."""
        return self.staff.agents

    def staff_grid(self, slots: np.ndarray) -> np.ndarray:
        """Home grid of each staff slot (a stand-in: the first grid of the team they serve)."""
        return self.hiring.staff_grid(slots)

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
        n = self.occurrence.day(d, mult)
        self.surfacings.open(d)
        self._open = (working, mult, n)

    def close_day(self) -> None:
        """Midnight: the day's hour accounts, risk grades and scores; the daily record."""
        working, mult, n = self._open
        d = self.day
        self.log.flush()
        accounted = self.staff.accounted(d)
        out = self.workday.end_day(
            d, accounted, working, self.need.today(mult, self.turnover.cover_of), self.world.n_grids
        )
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
        return self.staff.busy_hours(self.clock.now)

    def duty_hours(self) -> float:
        """Grid-level case workers' shift hours worked so far (absences excluded)."""
        return self.staff.duty_hours()

    @property
    def now(self) -> float:
        """Model time in hours since Monday 00:00 of day 0."""
        return self.clock.now

    def state_counts(self) -> dict[str, int]:
        """How many incidents are in each workflow state now."""
        return state_counts(self.log)
