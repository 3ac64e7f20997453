"""The scenario schema: one immutable config tree of pydantic models, validated field by field.

Unknown keys are rejected (with a "did you mean" hint) and ranges are checked; defaults (from
:mod:`sim.scenario.catalog`) make a minimal file runnable. Loading a file is :mod:`sim.scenario.loading`.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    field_validator,
    model_validator,
)
from pydantic_core import core_schema

from sim.scenario import catalog, policy_table

NonNeg = Annotated[float, Field(ge=0)]
Prob = Annotated[float, Field(ge=0, le=1)]
Count = Annotated[int, Field(ge=0)]


@dataclass(frozen=True)
class Registered:
    """Marks a string field as naming a registered policy of ``kind`` (``sim.policies.registry``):
    validation checks the name against the registry; the JSON schema lists the names as an enum."""

    kind: str

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(
            lambda name: policy_table.check(self.kind, name), handler(source)
        )

    def __get_pydantic_json_schema__(self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler) -> dict:
        out = handler(schema)
        out["enum"] = list(policy_table.names(self.kind))
        return out


class Strict(BaseModel):
    """Base for every schema node: no unknown keys, frozen after validation."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class HandlingDist(Strict):
    """Handling-time distribution family; the mean comes from the category and level."""

    family: Annotated[str, Registered("handling")] = "lognormal"
    cv: NonNeg = 0.8  # coefficient of variation for lognormal


class Category(Strict):
    """An incident category: base rate, severity mix, who has authority, how it surfaces."""

    label_zh: str = ""
    rate: NonNeg = Field(0.1, description="incidents per household per year at multiplier 1")
    severity_mix: tuple[Prob, Prob, Prob] = (0.7, 0.25, 0.05)
    handling_hours: Annotated[float, Field(gt=0)] = 1.0
    authority: tuple[str | int, str | int, str | int] = Field(
        default=("grid", "community", "street"),
        description="lowest rung allowed to decide a minor / general / major case: a level name, or its "
        "index on the ladder (0 = grid), so that a calibration prior can move it (rung)",
    )
    report_propensity: Prob = 0.5
    report_delay_hours: NonNeg = 24.0
    discoverability: NonNeg = Field(0.02, description="patrol discovery hazard per patrol hour")
    worsen_per_day: NonNeg = 0.0
    visit: bool = False
    property_absorbable: bool = False  # a property manager may take it before the grid does

    @field_validator("severity_mix")
    @classmethod
    def _sums_to_one(cls, v):
        if abs(sum(v) - 1.0) > 1e-6:
            raise ValueError(f"must sum to 1 (got {sum(v):g})")
        return v


class CommunityType(Strict):
    """Profile of a community type (老旧小区, 商品房, 高档封闭, …)."""

    label_zh: str = ""
    rural: bool = False
    rate_multiplier: dict[str, NonNeg] = {}
    access_difficulty: Prob = 0.2
    elderly_share: Prob = 0.2
    floating_share: Prob = 0.2
    property_management: bool = False
    property_absorbs: Prob = 0.0
    property_response_hours: NonNeg = 4.0
    travel_hours: NonNeg = Field(
        default=0.0,
        description="hours of travel to a case in a grid of this type, added to every piece of work at the "
        "grid rung (grid workers, beat police, property managers; long in rural grids); 0 = travel folded into "
        "categories.*.handling_hours, as in the shipped scenarios (hours)",
    )
    property_capacity: int | None = Field(
        default=None,
        ge=1,
        description="cases the property manager works at once; none = unlimited, in parallel, busy hours "
        "still counted per case (cases)",
    )


class Shift(Strict):
    """A weekly working pattern; ``always`` for 24/7 services (police, validation). An
    ``end_hour`` before ``start_hour`` is a night shift that ends the next morning."""

    always: bool = False
    weekdays: list[Annotated[int, Field(ge=0, le=6)]] = [0, 1, 2, 3, 4]
    start_hour: Annotated[float, Field(ge=0, le=24)] = 8.5
    end_hour: Annotated[float, Field(ge=0, le=24)] = 17.5

    @model_validator(mode="after")
    def _ordered(self):
        if not self.always and self.end_hour == self.start_hour:
            raise ValueError("end_hour must differ from start_hour (before it: a night shift ending the next day)")
        return self


class Level(Strict):
    """One rung of the escalation ladder and how it works (team queue, meeting, referral)."""

    name: str
    label_zh: str = ""
    scope: Literal["grid", "community", "street", "district"] = "grid"
    discipline: Annotated[str, Registered("discipline")] = "team"
    role: str = "grid_worker"
    servers: Annotated[int, Field(ge=1)] = 1
    p_solve: Prob = 0.9
    handling_multiplier: Annotated[float, Field(gt=0)] = 1.0
    time_limit_hours: Annotated[float, Field(gt=0)] | None = None
    response_hours: NonNeg = 0.0
    whistle_response_hours: NonNeg | None = None
    referral_capacity: int | None = Field(
        default=None,
        ge=1,
        description="referral desks: cases the department works at once, the rest wait first come first "
        "served; none = unlimited, in parallel, busy hours still counted per case (cases)",
    )
    meeting_weekday: Annotated[int, Field(ge=0, le=6)] = 1  # Tuesday (seed 000)
    meeting_hour: Annotated[float, Field(ge=0, lt=24)] = 14.0
    triage_fraction: Prob = 0.25  # share of handling time spent before passing a case up
    shift: Shift | None = None  # defaults to the full-time grid workers' shift


Kind = Literal["grid_worker", "part_time", "political_legal", "volunteer", "reserve"]
KINDS: tuple[str, ...] = get_args(Kind)
"""Kinds of grid-level staff who take cases (informants only report)."""


class Headcount(Strict):
    """Headcount of one grid, overriding the general staffing numbers field by field."""

    full_time: Count | None = None
    part_time: Count | None = None
    political_legal: Count | None = None
    volunteers: Count | None = None
    informants: Count | None = None


class Staffing(Strict):
    """Staffing plan (人员配置): headcount per grid, by community type or by grid, pooled
    teams (多格并组), volunteers, a street reserve pool, shifts, and costs per kind."""

    full_time: Count = 1
    part_time: Count = 0
    political_legal: Count = 0
    informants: Count = 0
    volunteers: Count = 0  # party-member volunteers who take orders (党员认领, seed 002)
    by_type: dict[str, Headcount] = {}  # community type -> headcount of each of its grids
    by_grid: dict[str, Headcount] = {}  # grid name -> headcount (wins over by_type)
    pool_grids: Annotated[int, Field(ge=1)] = 1  # grids of a community pooled into one team
    reserve_per_street: Count = 0  # floating reserve pool (used by turnover.refill: reserve)
    full_time_shift: Shift = Shift()
    part_time_shift: Shift = Shift(weekdays=[1, 3, 5], start_hour=9.0, end_hour=13.0)
    volunteer_shift: Shift = Shift(weekdays=[5], start_hour=9.0, end_hour=12.0)
    on_call: bool = True  # major cases are taken off shift
    accept_delay_hours: NonNeg = 0.25
    informant_discovery_factor: NonNeg = 0.5  # one informant = this many patrol hours/day
    visit_retry_hours: Annotated[float, Field(gt=0)] = 48.0
    max_visit_attempts: Annotated[int, Field(ge=1)] = 3
    costs: dict[Kind | Literal["informant"], NonNeg] = {  # person-years per head
        "grid_worker": 1.0,
        "part_time": 0.5,
        "political_legal": 1.0,
        "volunteer": 0.0,
        "reserve": 1.0,
        "informant": 0.1,
    }

    @model_validator(mode="after")
    def _someone_handles(self):
        if self.full_time + self.part_time + self.political_legal + self.volunteers < 1 and not (
            self.by_type or self.by_grid
        ):
            raise ValueError("full_time + part_time + political_legal + volunteers must be at least 1 per grid")
        return self


class Overhead(Strict):
    """Time that is not available for cases (seed 004): extra departmental duties, daily
    logins to many platforms, meetings. ``integrated_platform`` is the one-platform policy."""

    extra_duties: NonNeg = 3.5  # 3–4 extra departmental duties per worker (004)
    hours_per_duty_per_week: NonNeg = 1.5  # assumption
    platforms: NonNeg = 7.5  # 7–8 platforms logged into daily (004)
    minutes_per_platform: NonNeg = 8.0  # login, check, fill in; assumption
    meeting_hours_per_week: NonNeg = 2.0  # assumption
    integrated_platform: bool = False  # one integrated platform replaces the many
    integrated_minutes: NonNeg = 10.0  # daily minutes on the one platform; assumption
    integrated_duty_share: Prob = 0.5  # share of duty hours left once reporting is merged; assumption
    kinds: list[Kind] = ["grid_worker", "political_legal"]
    per_shift_hour: bool = Field(
        default=True,
        description="scale each kind's overhead by its weekly hours on shift over the full-time shift's "
        "(a part-timer owes a part); false = every kind owes the full-time overhead (before 0.4)",
    )

    def hours_per_day(self, workdays_per_week: float) -> float:
        """Overhead hours on one working day."""
        duties = self.extra_duties * self.hours_per_duty_per_week
        if self.integrated_platform:
            duties *= self.integrated_duty_share
            logins = self.integrated_minutes / 60.0
        else:
            logins = self.platforms * self.minutes_per_platform / 60.0
        return logins + (duties + self.meeting_hours_per_week) / max(workdays_per_week, 1.0)


class Campaign(Strict):
    """A scheduled surge (epidemic screening, flood patrols, census, waste sorting; 000, 002):
    pulls worker hours for a period and raises some incident categories."""

    name: str
    label_zh: str = ""
    start_day: Count
    days: Annotated[int, Field(ge=1)]
    hours_per_day: NonNeg = 2.0  # per worker, on working days
    rate_multiplier: dict[str, NonNeg] = {}
    patrol_multiplier: NonNeg = 1.0  # flood-season patrols find more


class Prior(Strict):
    """A calibration prior for one uncertain scenario parameter (``uncertain:``): uniform
    on [low, high], or on [log low, log high] with ``scale: log``."""

    low: float
    high: float
    scale: Literal["linear", "log"] = "linear"
    integer: bool = False  # round the draw (a headcount, a number of servers)
    source: str = ""  # why this range: a seed and section, or "assumption: ..."

    @model_validator(mode="after")
    def _ordered(self):
        if not self.low < self.high:
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        if self.scale == "log" and self.low <= 0:
            raise ValueError("a log-scale prior needs low > 0")
        return self


class Turnover(Strict):
    """Absence (sick leave, maternity) and exits (resignation, retirement), and refilling."""

    sick_per_year: NonNeg = 1.5  # spells per worker-year; assumption
    sick_days_mean: NonNeg = 3.0
    maternity_per_year: NonNeg = 0.03
    maternity_days: Count = 158
    resign_per_year: NonNeg = 0.08  # base hazard; assumption
    resign_overload: NonNeg = 3.0  # log-hazard per unit overtime share of shift hours
    resign_unfairness: NonNeg = 2.0  # log-hazard per unit (true-value − score) percentile gap
    retire_per_year: NonNeg = 0.02
    recruit_days_mean: NonNeg = 90.0  # recruitment lead time (随缺随补 fails when long, 004)
    refill: Annotated[str, Registered("refill")] = "wait"  # 补员 (sim.policies.vacancy)
    cover: Annotated[str, Registered("cover")] = "neighbour"
    kinds: list[Kind] = ["grid_worker", "part_time", "political_legal"]


Metric = Literal[
    "closed_cases",
    "disputes_closed",
    "discoveries",
    "visits",
    "records",
    "closure_rate",
    "timeliness",
    "satisfaction",
    "attendance",
    "log_filling",
]
METRICS: tuple[str, ...] = get_args(Metric)
"""What a score can count (考核指标); counts are per month, rates are shares."""

COUNT_METRICS = ("closed_cases", "disputes_closed", "discoveries", "visits", "records")
"""The metrics that are counts (their targets scale with the period's length)."""

Positive = Annotated[float, Field(gt=0)]


class ScoreRule(Strict):
    """Weights and targets for one community type (``per_type`` scoring)."""

    weights: dict[Metric, NonNeg] = {}
    targets: dict[Metric, Positive] = {}


class TrueValue(Strict):
    """What a worker's work is really worth (for ``score_validity``; never seen by scorers)."""

    severity_weights: tuple[NonNeg, NonNeg, NonNeg] = (1.0, 2.0, 4.0)
    unsatisfied_value: Prob = 0.3  # a closed case the resident was unhappy with
    definition: Literal["outcomes", "closed_over_need"] = Field(
        default="outcomes",
        description="what true value measures: residents' outcomes (harm-days averted per duty hour, "
        "docs/behaviour.md §5) or the 0.4 definition, severity-weighted closures per expected incident",
    )
    horizon_days: float = Field(
        default=30.0,
        description="days an unresolved problem would go on harming its household; a closure averts "
        "what is left of them after the days it stayed latent and open (days)",
        gt=0,
        le=3650,
    )
    reopen_harm_days: float = Field(
        default=5.0,
        description="harm-days lost per reopening of a case the worker resolved (severity-weighted days)",
        ge=0,
    )
    found_days: float = Field(
        default=7.0,
        description="harm-days averted per severity-weighted patrol find, the problem found before a "
        "resident reported it or it worsened (days)",
        ge=0,
    )
    visit_days: float = Field(
        default=0.05,
        description="harm-days averted per successful door-to-door visit (awareness and trust: "
        "residents report sooner) (severity-1 days)",
        ge=0,
    )
    record_days: float = Field(
        default=0.02,
        description="harm-days averted per verified register record (register accuracy); padded "
        "records count nothing (severity-1 days)",
        ge=0,
    )


class Scoring(Strict):
    """Scoring scheme (考核): a registered policy (``sim.policies.scoring``) chosen by name."""

    scheme: Annotated[str, Registered("scoring")] = "uniform"
    period: Literal["month", "quarter"] = "month"
    weights: dict[Metric, NonNeg] = {
        "closed_cases": 0.2,
        "disputes_closed": 0.2,
        "visits": 0.2,
        "records": 0.1,
        "timeliness": 0.1,
        "satisfaction": 0.1,
        "attendance": 0.05,
        "log_filling": 0.05,
    }
    targets: dict[Metric, Positive] = {
        "closed_cases": 20.0,
        "disputes_closed": 5.0,
        "discoveries": 8.0,
        "visits": 40.0,
        "records": 60.0,
        "closure_rate": 0.95,
        "timeliness": 0.9,
        "satisfaction": 0.9,
        "attendance": 1.0,
        "log_filling": 1.0,
    }
    by_type: dict[str, ScoreRule] = {}
    cap: Annotated[float, Field(ge=1)] = 1.2  # credit stops at this multiple of the target
    timely_hours: Positive = 72.0  # surfaced → closed within this counts as timely
    log_minutes_per_day: NonNeg = 15.0  # entry time that counts as a filled work log
    kinds: list[Kind] = ["grid_worker", "political_legal"]
    true_value: TrueValue = TrueValue()
    workers_respond: bool = Field(
        default=True,
        description="false: workers ignore their scores — no effort adaptation, no gaming, no "
        "fairness feedback on effort or resignation (the scheme only measures)",
    )
    record_periods: int = Field(
        default=12,
        description="per_type_records: how many past scoring periods' records set each type's "
        "count targets (the medians per type) (periods)",
        ge=1,
        le=120,
    )


Activity = Literal["patrol", "visits", "entry"]
ACTIVITIES: tuple[str, ...] = get_args(Activity)
"""Discretionary activities a worker divides free duty hours between."""


class Gaming(Strict):
    """Gaming responses to the score (Bevan & Hood 2006; Campbell 1979; Kerr 1975), each
    driven by the worker's shortfall on what is counted, and off when its parameter is 0
    (docs/behaviour.md §4)."""

    premature_closure: float = Field(
        default=0.0,
        description="handling depth given up per unit of case-count shortfall (closing before the "
        "problem is fixed: less satisfaction, more reopenings) (depth per shortfall)",
        ge=0,
        le=2,
    )
    padding: float = Field(
        default=0.0,
        description="share of entry hours turned to padded records per unit of records shortfall "
        "(counted, verify nothing) (share per shortfall)",
        ge=0,
        le=1,
    )
    padding_speed: float = Field(
        default=3.0, description="padded records per hour relative to verified ones (ratio)", ge=1, le=20
    )
    shedding: float = Field(
        default=0.0,
        description="probability of passing a hard case the grid may decide (one that would take "
        "longer than its category's mean) up the ladder, per unit of speed shortfall (probability per shortfall)",
        ge=0,
        le=1,
    )


class Effort(Strict):
    """Multitask effort response (Holmström–Milgrom): discretionary hours and handling
    depth follow marginal score per hour, tempered by intrinsic motivation (docs/behaviour.md)."""

    discretionary_hours_per_day: NonNeg = 3.0
    initial: dict[Activity, NonNeg] = {"patrol": 0.6, "visits": 0.25, "entry": 0.15}
    responsiveness: NonNeg = 2.0  # κ: how sharply shares follow the incentive (0 = not at all)
    intrinsic: Prob = 0.5  # μ: weight on the true value of work versus the score
    adaptation: Prob = 0.5  # η: share of the gap to the preferred allocation closed per period
    # outputs per hour: patrol discoveries (a prior, until a worker has seen their own), visit
    # attempts (successful ones count, see community_types.access_difficulty), records entered
    productivity: dict[Activity, NonNeg] = {"patrol": 0.2, "visits": 2.0, "entry": 8.0}
    value_per_hour: dict[Activity, NonNeg] = {"patrol": 1.0, "visits": 0.6, "entry": 0.1}  # believed
    min_depth: Annotated[float, Field(gt=0, le=1)] = 0.6  # handling time at full rush
    rush_satisfaction_loss: Prob = 0.25  # satisfaction probability lost at full rush
    visit_awareness_gain: Prob = 0.15
    visit_trust_gain: Prob = 0.03
    gaming: Gaming = Field(
        default=Gaming(),
        description="gaming responses to the score (Bevan & Hood 2006); each off at 0",
    )
    fairness_withdrawal: float = Field(
        default=0.0,
        description="share of discretionary hours a worker withholds per unit of perceived "
        "unfairness (equity theory, Adams 1965; 0 = off) (share per percentile gap)",
        ge=0,
        le=1,
    )

    @field_validator("initial")
    @classmethod
    def _positive(cls, v):
        if sum(v.values()) <= 0:
            raise ValueError("needs at least one positive share")
        return v


class Register(Strict):
    """The platform's household register lags reality (004): floating households leave
    without deregistering; records collected verify entries and remove the stale ones."""

    initial_excess: NonNeg = 0.05  # stale entries at the start, per actual household
    stale_per_year: NonNeg = 0.3  # stale entries added per floating household per year


class Police(Strict):
    """Beat police (片警) and grid–police fusion (网格+警格)."""

    fusion: bool = True
    grids_per_beat: Annotated[int, Field(ge=1)] = 4
    officers_per_beat: Annotated[int, Field(ge=1)] = 1
    categories: list[str] = ["security"]
    joint_visit_access_factor: Prob = 0.3  # access difficulty multiplier on joint visits
    handling_multiplier: Annotated[float, Field(gt=0)] = 1.0
    authority_level: str = "community"  # police act as deputy leaders (seed 000)


class Routing(Strict):
    """Who takes a new case first: a registered routing policy (``sim.policies.routing``).
    Left out, ``police.fusion`` chooses: ``police_fusion`` when true, else ``grid_only``."""

    policy: Annotated[str, Registered("routing")] | None = None


class Escalation(Strict):
    """How cases move up the ladder; ``policy`` names a registered policy (``sim.policies.escalation``)."""

    policy: Annotated[str, Registered("escalation")] = "skip_major"
    whistle: bool = True  # 街道吹哨、部门报到
    whistle_scope: Literal["summoned", "all"] = Field(
        default="summoned",
        description="which department cases get whistle_response_hours: 'summoned' = those the street "
        "rung passes up (吹哨报到, seed 003); 'all' = every department case (before 0.4)",
    )
    max_reopens: Count = 2


class Residents(Strict):
    """Household behaviour: awareness of and trust in the grid worker, feedback."""

    awareness_mean: Prob = 0.6
    trust_mean: Prob = 0.6
    spread: Prob = 0.15
    base_willingness: Prob = 0.5
    hotline_dispatch_hours: NonNeg = 4.0  # 12345 → command centre → order (派单)
    satisfaction_base: Prob = 0.95
    satisfaction_loss_per_day: NonNeg = 0.02
    satisfaction_loss_per_latent_day: NonNeg = Field(
        default=0.005,
        description="satisfaction probability lost per day a case stayed latent (occurred, unknown) "
        "before it surfaced; 0 = before 0.4 (assumption: a quarter of the loss per day after the "
        "report) (probability per day)",
    )
    satisfaction_loss_per_escalation: NonNeg = 0.03
    satisfaction_floor: Prob = 0.2
    satisfaction_weight: Prob = 0.3  # how far one outcome moves a household's satisfaction
    reopen_if_unsatisfied: Prob = 0.3
    feedback_delay_hours: NonNeg = 24.0
    trust_gain: Prob = 0.05
    trust_loss: Prob = 0.15
    awareness_gain_on_contact: Prob = 0.2


class Arrivals(Strict):
    """Poisson arrivals with optional time-of-day and monthly profiles (relative weights)."""

    hourly_profile: list[NonNeg] | None = None  # 24 weights
    monthly_profile: list[NonNeg] | None = None  # 12 weights
    rate_scale: NonNeg = 1.0
    weekday_profile: list[NonNeg] | None = Field(
        default=None, description="7 relative weights, Monday first (fitted by `gridsim fit`; none: every day alike)"
    )

    @field_validator("weekday_profile")
    @classmethod
    def _w7(cls, v):
        if v is not None and (len(v) != 7 or sum(v) <= 0):
            raise ValueError("needs 7 non-negative weights, not all zero")
        return v

    @field_validator("hourly_profile")
    @classmethod
    def _h24(cls, v):
        if v is not None and (len(v) != 24 or sum(v) <= 0):
            raise ValueError("needs 24 non-negative weights, not all zero")
        return v

    @field_validator("monthly_profile")
    @classmethod
    def _m12(cls, v):
        if v is not None and (len(v) != 12 or sum(v) <= 0):
            raise ValueError("needs 12 non-negative weights, not all zero")
        return v


class Risk(Strict):
    """Green / yellow / red grading of grids (001), re-graded from recent incidents."""

    window_days: Annotated[int, Field(ge=1)] = 30
    regrade_every_days: Annotated[int, Field(ge=1)] = 7
    yellow_per_100_households: NonNeg = 15.0
    red_per_100_households: NonNeg = 25.0
    patrol_multiplier: tuple[NonNeg, NonNeg, NonNeg] = (1.0, 1.5, 2.0)


class GridSpec(Strict):
    """One grid of an imported register (网格台账): its source id, name, households, map outline and
    neighbours (written by `gridsim district`; per-category rate multipliers by `gridsim fit`)."""

    source_id: str = Field(description="the grid's id in the source register (text)")
    name: str | None = Field(default=None, description="the grid's name in the source register")
    households: Annotated[int, Field(ge=1)] | None = Field(
        default=None, description="households in the grid (households); none: the community's households_per_grid"
    )
    centroid: tuple[float, float] | None = Field(
        default=None, description="centre of the outline (x, y: lon, lat degrees)"
    )
    polygon: str | None = Field(default=None, description="the grid's outline as WKT (lon, lat degrees), for maps")
    neighbours: list[str] = Field([], description="source ids of adjacent grids (shared boundary or register column)")
    rate_multiplier: dict[str, NonNeg] = Field(
        {}, description="per-category arrival-rate multiplier of this grid (ratio to the type's rate)"
    )


class CommunitySpec(Strict):
    """An explicitly listed community."""

    name: str | None = None
    type: str
    street: Count = 0
    grids: Annotated[int, Field(ge=1)] = 1
    households_per_grid: Annotated[int, Field(ge=1)] | None = None
    grid_list: list[GridSpec] | None = Field(
        default=None, description="explicit grids (from a register); their number must equal `grids`"
    )

    @model_validator(mode="after")
    def _grid_count(self):
        if self.grid_list is not None and len(self.grid_list) != self.grids:
            raise ValueError(f"grid_list: {len(self.grid_list)} grid(s) listed but grids is {self.grids}")
        return self


class World(Strict):
    """District layout: compact counts, or an explicit list of communities."""

    streets: Annotated[int, Field(ge=1)] = 1
    layout_seed: Count = 0  # fixes household counts; independent of the run seed
    communities_per_street: Annotated[int, Field(ge=1)] = 6
    grids_per_community: Annotated[int, Field(ge=1)] = 8
    dedicated_grids_per_street: Count = 0
    households_urban: Annotated[int, Field(ge=1)] = 200
    households_rural: Annotated[int, Field(ge=1)] = 50
    household_spread: Annotated[float, Field(ge=0, lt=1)] = 0.15
    community_mix: dict[str, NonNeg] = {"old_estate": 1, "commodity": 1}
    communities: list[CommunitySpec] | None = None


def _default_categories() -> dict[str, Category]:
    return {k: Category(**v) for k, v in catalog.CATEGORIES.items()}


def _default_types() -> dict[str, CommunityType]:
    return {k: CommunityType(**v) for k, v in catalog.COMMUNITY_TYPES.items()}


def _default_levels() -> list[Level]:
    return [Level(**v) for v in catalog.LEVELS]


class Scenario(Strict):
    """A whole scenario: the world, who works it, how cases flow, for how long."""

    name: str = "scenario"
    description: str = ""
    plugins: list[str] = []  # modules or .py files imported before validation: user policies register there
    seed: int = Field(0, ge=0)
    days: Annotated[int, Field(ge=1, le=36500)] = 365
    start_date: date | None = Field(
        None, description="calendar date of day 1 (第1天), a Monday like the model's day 1; shown beside the day (date)"
    )
    world: World = World()
    community_types: dict[str, CommunityType] = Field(default_factory=_default_types)
    categories: dict[str, Category] = Field(default_factory=_default_categories)
    levels: list[Level] = Field(default_factory=_default_levels)
    handling: HandlingDist = HandlingDist()
    staffing: Staffing = Staffing()
    police: Police = Police()
    routing: Routing = Routing()
    escalation: Escalation = Escalation()
    residents: Residents = Residents()
    arrivals: Arrivals = Arrivals()
    risk: Risk = Risk()
    overhead: Overhead = Overhead()
    campaigns: list[Campaign] = []
    turnover: Turnover = Turnover()
    scoring: Scoring = Scoring()
    effort: Effort = Effort()
    household_register: Register = Register()
    uncertain: dict[str, Prior] = {}  # dotted parameter path -> prior (what `gridsim calibrate` fits)

    def authority_ranks(self) -> list[list[int]]:
        """Per category and severity, the index of the lowest rung with authority to decide."""
        index = {lv.name: k for k, lv in enumerate(self.levels)}
        return [[a if isinstance(a, int) else index[a] for a in c.authority] for c in self.categories.values()]

    @property
    def routing_policy(self) -> str:
        """The routing policy's name: ``routing.policy``, else what ``police.fusion`` says."""
        if self.routing.policy is not None:
            return self.routing.policy
        return "police_fusion" if self.police.fusion else "grid_only"

    @field_validator("start_date")
    @classmethod
    def _start_on_monday(cls, v: date | None) -> date | None:
        if v is not None and v.weekday() != 0:
            raise ValueError(f"{v.isoformat()} is a {v:%A}: the model's day 1 is a Monday (weekday shifts, profiles)")
        return v

    @model_validator(mode="after")
    def _cross_refs(self):
        if self.routing.policy is not None:
            fusion = getattr(policy_table.lookup("routing", self.routing.policy), "fusion", False)
            if fusion != self.police.fusion:
                raise ValueError(
                    f"routing.policy: {self.routing.policy!r} is a policy with"
                    f"{'' if fusion else 'out'} police fusion but police.fusion is "
                    f"{str(self.police.fusion).lower()}"
                )
        level_names = [lv.name for lv in self.levels]
        if len(set(level_names)) != len(level_names):
            raise ValueError(f"levels: names must be unique, got {level_names}")
        if not self.levels or self.levels[0].scope != "grid" or self.levels[0].discipline != "team":
            raise ValueError("levels: the first level must be a grid-scope team (the grid workers)")
        for name, cat in self.categories.items():
            for lv in cat.authority:
                if isinstance(lv, int) and not 0 <= lv < len(level_names):
                    raise ValueError(f"categories.{name}.authority: rung {lv} is not 0…{len(level_names) - 1}")
                if isinstance(lv, str) and lv not in level_names:
                    raise ValueError(f"categories.{name}.authority: unknown level {lv!r}{_hint(lv, level_names)}")
        types = self.community_types
        for name in {} if self.world.communities else self.world.community_mix:
            if name not in types:
                raise ValueError(f"world.community_mix.{name}: unknown community type{_hint(name, types)}")
        if not self.world.communities and sum(self.world.community_mix.values()) <= 0:
            raise ValueError("world.community_mix: weights must not all be zero")
        for i, c in enumerate(self.world.communities or []):
            if c.type not in types:
                raise ValueError(f"world.communities.{i}.type: unknown community type {c.type!r}{_hint(c.type, types)}")
            if c.street >= self.world.streets:
                raise ValueError(f"world.communities.{i}.street: {c.street} but only {self.world.streets} street(s)")
        _check_grid_lists(self.world.communities or [], self.categories)
        for tname, t in types.items():
            for cat in t.rate_multiplier:
                if cat not in self.categories:
                    raise ValueError(
                        f"community_types.{tname}.rate_multiplier.{cat}: unknown category{_hint(cat, self.categories)}"
                    )
        if self.police.authority_level not in level_names:
            raise ValueError(
                f"police.authority_level: unknown level {self.police.authority_level!r}"
                f"{_hint(self.police.authority_level, level_names)}"
            )
        for cat in self.police.categories:
            if cat not in self.categories:
                raise ValueError(f"police.categories: unknown category {cat!r}{_hint(cat, self.categories)}")
        for key, rule in (("staffing.by_type", self.staffing.by_type), ("scoring.by_type", self.scoring.by_type)):
            for tname in rule:
                if tname not in types:
                    raise ValueError(f"{key}.{tname}: unknown community type{_hint(tname, types)}")
        for k, c in enumerate(self.campaigns):
            for cat in c.rate_multiplier:
                if cat not in self.categories:
                    raise ValueError(
                        f"campaigns.{k}.rate_multiplier.{cat}: unknown category{_hint(cat, self.categories)}"
                    )
        return self


def _check_grid_lists(communities: list[CommunitySpec], categories) -> None:
    """Explicit grids: source ids unique, neighbours and rate-multiplier categories known."""
    seen: set[str] = set()
    names: set[str] = set()
    grids = [(i, j, g) for i, c in enumerate(communities) for j, g in enumerate(c.grid_list or [])]
    for i, j, g in grids:
        if g.source_id in seen:
            raise ValueError(f"world.communities.{i}.grid_list.{j}.source_id: {g.source_id!r} listed twice")
        if (g.name or g.source_id) in names:
            raise ValueError(f"world.communities.{i}.grid_list.{j}.name: {g.name or g.source_id!r} listed twice")
        seen.add(g.source_id)
        names.add(g.name or g.source_id)
    for i, j, g in grids:
        where = f"world.communities.{i}.grid_list.{j}"
        for n in g.neighbours:
            if n not in seen:
                raise ValueError(f"{where}.neighbours: unknown grid {n!r}{_hint(n, seen)}")
        for cat in g.rate_multiplier:
            if cat not in categories:
                raise ValueError(f"{where}.rate_multiplier.{cat}: unknown category{_hint(cat, categories)}")


def _hint(word: str, choices) -> str:
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""
