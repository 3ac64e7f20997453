"""The scenario schema: one immutable config tree of pydantic models, validated field by field.

Unknown keys are rejected (with a "did you mean" hint and the valid names); every number is
finite and has a documented range, and every field a description in English and Chinese with
its unit (rendered by ``gridsim schema`` and ``docs/scenario-reference.md``, see
:mod:`sim.scenario.reference`); a scenario too large for the machine is refused with its
estimated memory (:mod:`sim.scenario.resources`). Defaults (from :mod:`sim.scenario.catalog`)
make a minimal file runnable. Loading a file is :mod:`sim.scenario.loading`.
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
from pydantic_core import PydanticUndefined, core_schema

from sim.scenario import catalog, labels, policy_table, resources

HOURS_MAX = 8760.0
"""The longest duration in hours any hours field takes (one year)."""
DAYS_MAX = 36500
"""The longest simulated horizon in days (a hundred years)."""
SEED_MAX = 2**63 - 1
"""The largest seed: seeds are stored as 64-bit signed integers."""
HEADCOUNT_MAX = 1000
"""The most people of one kind per grid (or per street pool)."""
WEIGHT_MAX = 1e6
"""The largest relative weight (profiles, mixes, initial shares)."""
MULTIPLIER_MAX = 1000.0
"""The largest multiplier on a rate, a handling time or a patrol."""
PARAMETER_MAX = 1e12
"""The largest magnitude of a calibration prior's bound."""

NonNeg = Annotated[float, Field(ge=0, le=MULTIPLIER_MAX)]
Prob = Annotated[float, Field(ge=0, le=1)]
Count = Annotated[int, Field(ge=0, le=HEADCOUNT_MAX)]
Weight = Annotated[float, Field(ge=0, le=WEIGHT_MAX)]
Hours = Annotated[float, Field(ge=0, le=HOURS_MAX)]
Weekday = Annotated[int, Field(ge=0, le=6)]
Rung = Annotated[int, Field(ge=0, le=99)]
"""A rung of the escalation ladder by its index (0 = the grid)."""

ROLES: tuple[str, ...] = tuple(k.split(".", 1)[1] for k in labels.LABELS if k.startswith("role."))
"""Roles a level's desk staff may have (the ``role.*`` keys of the label table, so each has
its Chinese and English name)."""


def doc(en: str, zh: str, unit: str | None = None, default: Any = PydanticUndefined, **kw: Any) -> Any:
    """A field with its description in English and Chinese and its unit (a ``unit.*`` key of
    the label table): what ``gridsim schema`` and ``docs/scenario-reference.md`` show."""
    extra: dict[str, Any] = {"zh": zh}
    if unit is not None:
        extra["unit"] = unit
    return Field(default, description=en, json_schema_extra=extra, **kw)


def described(field: Any, lang: str = "en") -> str:
    """The description :func:`doc` gave a field (a pydantic ``FieldInfo``), in ``lang``."""
    extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
    return str((extra.get("zh") if lang == "zh" else None) or field.description or "")


def section(zh: str) -> ConfigDict:
    """The model config of a schema section, with the section's Chinese title."""
    return ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, json_schema_extra={"zh": zh})


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
    """Base for every schema node: no unknown keys, no infinities or NaN, frozen after validation."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class HandlingDist(Strict):
    """Handling-time distribution family; the mean comes from the category and level."""

    model_config = section("处置时长分布")

    family: Annotated[str, Registered("handling")] = doc(
        "Distribution family of handling times (a registered name).",
        "处置时长的分布族(已注册的名称)。",
        None,
        "lognormal",
    )
    cv: float = doc("Coefficient of variation of handling times.", "处置时长的变异系数。", "ratio", 0.8, ge=0, le=10)


class Category(Strict):
    """An incident category: base rate, severity mix, who has authority, how it surfaces."""

    model_config = section("事件类别")

    label_zh: str = doc("Chinese name shown in Chinese output.", "中文名称(中文输出使用)。", None, "")
    rate: float = doc(
        "Incidents per household per year at multiplier 1.",
        "倍数为1时每户每年的事件数。",
        "per_household_year",
        0.1,
        ge=0,
        le=10_000,  # validation queues put a whole queue's arrivals on a few households
    )
    severity_mix: tuple[Prob, Prob, Prob] = doc(
        "Shares of minor, general and major incidents; they sum to 1.",
        "轻微、一般、重大事件的比例,合计为1。",
        "share",
        (0.7, 0.25, 0.05),
    )
    handling_hours: float = doc(
        "Mean handling time of one case at the grid level.", "网格层级处置一件的平均时长。", "hours", 1.0, gt=0, le=1000
    )
    authority: tuple[str | Rung, str | Rung, str | Rung] = doc(
        "The lowest level allowed to settle a minor, general and major case: a level name, or its rung on the "
        "ladder (0 = grid), so that a calibration prior can move it (an assumption unless a source is given).",
        "有权处置轻微、一般、重大事件的最低层级:层级名称,或其在层级中的序号(0=网格),便于校准先验调整(未注明来源即为假设)。",
        "index",
        ("grid", "community", "street"),
    )
    report_propensity: Prob = doc(
        "Share of aware residents who report an incident themselves.", "知情居民主动上报的比例。", "share", 0.5
    )
    report_delay_hours: Hours = doc(
        "Mean delay between an incident and a resident's report.", "事件发生到居民上报的平均延迟。", "hours", 24.0
    )
    discoverability: float = doc(
        "Patrol discovery hazard per patrol hour.",
        "每巡查小时发现事件的风险率。",
        "per_patrol_hour",
        0.02,
        ge=0,
        le=100,
    )
    worsen_per_day: float = doc(
        "Hazard per day that an unseen incident worsens by one grade.",
        "未被发现的事件每天升级一档的风险率。",
        "per_day",
        0.0,
        ge=0,
        le=100,
    )
    visit: bool = doc(
        "A door-to-door visit task (access difficulty applies).", "入户走访任务(受入户难度影响)。", None, False
    )
    property_absorbable: bool = doc(
        "A property manager may settle it before the grid hears of it.", "物业可在网格知晓前自行处理。", None, False
    )

    @field_validator("severity_mix")
    @classmethod
    def _sums_to_one(cls, v):
        if abs(sum(v) - 1.0) > 1e-6:
            raise ValueError(f"must sum to 1 (got {sum(v):g})")
        return v


class CommunityType(Strict):
    """Profile of a community type (老旧小区, 商品房, 高档封闭, …)."""

    model_config = section("社区类型")

    label_zh: str = doc("Chinese name shown in Chinese output.", "中文名称(中文输出使用)。", None, "")
    rural: bool = doc(
        "Rural (grids sized by households_rural) rather than urban.",
        "农村(按 households_rural 划分网格)而非城市。",
        None,
        False,
    )
    rate_multiplier: dict[str, NonNeg] = doc(
        "Incident-rate multiplier per category name (1 when left out).",
        "按事件类别的发生率倍数(未列出为1)。",
        "multiplier",
        {},
    )
    access_difficulty: Prob = doc(
        "Probability that a visit finds nobody home or is refused.", "入户走访无人或被拒的概率。", "share", 0.2
    )
    elderly_share: Prob = doc("Share of elderly households.", "老年住户比例。", "share", 0.2)
    floating_share: Prob = doc("Share of floating (non-registered) households.", "流动人口住户比例。", "share", 0.2)
    property_management: bool = doc("Has a property manager (物业).", "有物业管理。", None, False)
    property_absorbs: Prob = doc(
        "Share of absorbable incidents the property manager settles first.",
        "物业先行处理的可吸收事件比例。",
        "share",
        0.0,
    )
    property_response_hours: Hours = doc("Property manager's mean response time.", "物业的平均响应时长。", "hours", 4.0)
    property_capacity: int | None = doc(
        "Cases the property manager works at once (none: unlimited, in parallel; busy hours still counted per case).",
        "物业同时处理的事件数(空:不限、并行处理;忙碌时长仍按件计)。",
        "count",
        None,
        ge=1,
        le=HEADCOUNT_MAX,
    )
    travel_hours: Hours = doc(
        "Travel to a case in a grid of this type, added to every piece of work at the grid rung (grid workers, "
        "beat police, property managers; long in rural grids); 0 = travel folded into categories.*.handling_hours, "
        "as in the shipped scenarios.",
        "到此类网格现场处置的往返路程时间,计入网格层级的每次处置(网格员、社区民警、物业;农村网格较长);"
        "0=已含在 categories.*.handling_hours 中(随附情景如此)。",
        "hours",
        0.0,
    )


class Shift(Strict):
    """A weekly working pattern; ``always`` for 24/7 services (police, validation). An
    ``end_hour`` before ``start_hour`` is a night shift that ends the next morning."""

    model_config = section("班次")

    always: bool = doc("On duty around the clock (24/7).", "全天候在岗(24/7)。", None, False)
    weekdays: list[Weekday] = doc(
        "Working weekdays, 0 = Monday … 6 = Sunday.",
        "工作日,0=周一 … 6=周日。",
        "weekday",
        [0, 1, 2, 3, 4],
        max_length=7,
    )
    start_hour: float = doc("Hour of day the shift starts.", "班次开始时刻。", "hour_of_day", 8.5, ge=0, le=24)
    end_hour: float = doc(
        "Hour of day the shift ends (after start_hour).",
        "班次结束时刻(晚于开始时刻)。",
        "hour_of_day",
        17.5,
        ge=0,
        le=24,
    )

    @model_validator(mode="after")
    def _ordered(self):
        if not self.always and self.end_hour == self.start_hour:
            raise ValueError("end_hour must differ from start_hour (before it: a night shift ending the next day)")
        return self


class Level(Strict):
    """One rung of the escalation ladder and how it works (team queue, meeting, referral)."""

    model_config = section("处置层级")

    name: str = doc(
        "The level's name (unique; categories name it in authority).", "层级名称(唯一;事件类别的 authority 引用)。"
    )
    label_zh: str = doc("Chinese name shown in Chinese output.", "中文名称(中文输出使用)。", None, "")
    scope: Literal["grid", "community", "street", "district"] = doc(
        "Area one desk of this level serves.", "该层级一个处置台服务的范围。", None, "grid"
    )
    discipline: Annotated[str, Registered("discipline")] = doc(
        "How the level works: a team queue, a weekly meeting or a referral (registered name).",
        "工作方式:团队排队、每周例会或转办(已注册的名称)。",
        None,
        "team",
    )
    role: str = doc(
        "Role of the level's desk staff (one of the labelled roles).",
        "该层级处置人员的角色(已标注的角色之一)。",
        None,
        "grid_worker",
    )
    servers: int = doc("Staff who handle cases at one desk.", "每个处置台的处置人数。", "persons", 1, ge=1, le=10_000)
    p_solve: Prob = doc(
        "Probability the level settles a case it has authority for.", "有权限时该层级解决事件的概率。", "share", 0.9
    )
    handling_multiplier: float = doc(
        "Handling time relative to the category's handling_hours.",
        "相对事件类别处置时长的倍数。",
        "multiplier",
        1.0,
        gt=0,
        le=MULTIPLIER_MAX,
    )
    time_limit_hours: float | None = doc(
        "Time limit after which a waiting case escalates (none: no limit).",
        "等待超时即上报的时限(空:无时限)。",
        "hours",
        None,
        gt=0,
        le=HOURS_MAX,
    )
    response_hours: Hours = doc("Referral response time (referral levels).", "转办响应时长(转办层级)。", "hours", 0.0)
    whistle_response_hours: Hours | None = doc(
        "Response time when the street blows the whistle (吹哨报到).", "街道吹哨时的响应时长(吹哨报到)。", "hours", None
    )
    referral_capacity: int | None = doc(
        "Referral desks: cases the department works at once, the rest wait first come first served (none: "
        "unlimited, in parallel; busy hours still counted per case).",
        "转办层级:部门同时处理的事件数,其余按先来先办排队(空:不限、并行处理;忙碌时长仍按件计)。",
        "count",
        None,
        ge=1,
        le=HEADCOUNT_MAX,
    )
    meeting_weekday: Weekday = doc(
        "Weekday of the meeting, 0 = Monday (meeting levels).", "例会的星期,0=周一(例会层级)。", "weekday", 1
    )
    meeting_hour: float = doc("Hour of day of the meeting.", "例会时刻。", "hour_of_day", 14.0, ge=0, lt=24)
    triage_fraction: Prob = doc(
        "Share of handling time spent before passing a case up.", "上报前已花费的处置时间比例。", "share", 0.25
    )
    shift: Shift | None = doc(
        "The desk's working hours (none: the full-time grid workers' shift).",
        "处置台的工作时间(空:专职网格员的班次)。",
        None,
        None,
    )

    @field_validator("role")
    @classmethod
    def _known_role(cls, v):
        if v not in ROLES:
            raise ValueError(f"unknown role {v!r}{_hint(v, ROLES)}")
        return v


Kind = Literal["grid_worker", "part_time", "political_legal", "volunteer", "reserve"]
KINDS: tuple[str, ...] = get_args(Kind)
"""Kinds of grid-level staff who take cases (informants only report)."""


class Headcount(Strict):
    """Headcount of one grid, overriding the general staffing numbers field by field."""

    model_config = section("单个网格人数")

    full_time: Count | None = doc(
        "Full-time grid workers (none: the general number).", "专职网格员(空:沿用总体人数)。", "persons", None
    )
    part_time: Count | None = doc("Part-time grid workers.", "兼职网格员。", "persons", None)
    political_legal: Count | None = doc("Political-legal grid workers.", "政法网格员。", "persons", None)
    volunteers: Count | None = doc(
        "Party-member volunteers who take orders.", "认领任务的党员志愿者。", "persons", None
    )
    informants: Count | None = doc("Building informants (report only).", "楼栋信息员(只上报)。", "persons", None)


class Staffing(Strict):
    """Staffing plan (人员配置): headcount per grid, by community type or by grid, pooled
    teams (多格并组), volunteers, a street reserve pool, shifts, and costs per kind."""

    model_config = section("人员配置")

    full_time: Count = doc("Full-time grid workers per grid.", "每个网格的专职网格员。", "persons", 1)
    part_time: Count = doc("Part-time grid workers per grid.", "每个网格的兼职网格员。", "persons", 0)
    political_legal: Count = doc("Political-legal grid workers per grid.", "每个网格的政法网格员。", "persons", 0)
    informants: Count = doc(
        "Building informants per grid (report only).", "每个网格的楼栋信息员(只上报)。", "persons", 0
    )
    volunteers: Count = doc(
        "Party-member volunteers per grid who take orders (党员认领).",
        "每个网格认领任务的党员志愿者(党员认领)。",
        "persons",
        0,
    )
    by_type: dict[str, Headcount] = doc(
        "Headcount of each grid of a community type (by type name).", "按社区类型设定每个网格的人数。", None, {}
    )
    by_grid: dict[str, Headcount] = doc(
        "Headcount of one grid by its name (wins over by_type).", "按网格名称设定人数(优先于 by_type)。", None, {}
    )
    pool_grids: int = doc(
        "Grids of a community pooled into one team (多格并组).",
        "一个社区中合并为一个团队的网格数(多格并组)。",
        "count",
        1,
        ge=1,
        le=HEADCOUNT_MAX,
    )
    reserve_per_street: int = doc(
        "Floating reserve workers per street (used by turnover.refill: reserve).",
        "每个街道的机动储备人员(turnover.refill: reserve 使用)。",
        "persons",
        0,
        ge=0,
        le=10 * HEADCOUNT_MAX,
    )
    full_time_shift: Shift = doc("Working hours of full-time staff.", "专职人员的工作时间。", None, Shift())
    part_time_shift: Shift = doc(
        "Working hours of part-time staff.",
        "兼职人员的工作时间。",
        None,
        Shift(weekdays=[1, 3, 5], start_hour=9.0, end_hour=13.0),
    )
    volunteer_shift: Shift = doc(
        "Working hours of volunteers.", "志愿者的工作时间。", None, Shift(weekdays=[5], start_hour=9.0, end_hour=12.0)
    )
    on_call: bool = doc("Major cases are taken off shift.", "重大事件在班外也受理。", None, True)
    accept_delay_hours: Hours = doc(
        "Delay before a worker accepts a new case.", "网格员受理新事件前的延迟。", "hours", 0.25
    )
    informant_discovery_factor: NonNeg = doc(
        "Patrol hours per day one informant is worth.", "一名信息员相当于每天的巡查小时数。", "hours_per_day", 0.5
    )
    visit_retry_hours: float = doc(
        "Time before a failed visit is tried again.", "入户未遇后再次走访的间隔。", "hours", 48.0, gt=0, le=HOURS_MAX
    )
    max_visit_attempts: int = doc("Visits tried before giving up.", "放弃前的最多走访次数。", "count", 3, ge=1, le=100)
    costs: dict[Kind | Literal["informant"], Annotated[float, Field(ge=0, le=100)]] = doc(
        "Cost of one head of each kind.",
        "各类人员每人的成本。",
        "person_years",
        {
            "grid_worker": 1.0,
            "part_time": 0.5,
            "political_legal": 1.0,
            "volunteer": 0.0,
            "reserve": 1.0,
            "informant": 0.1,
        },
    )

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

    model_config = section("非事件工作负担")

    extra_duties: float = doc(
        "Extra departmental duties per worker (004: 3–4).",
        "每人承担的额外部门任务数(004:3–4项)。",
        "count",
        3.5,
        ge=0,
        le=100,
    )
    hours_per_duty_per_week: float = doc(
        "Hours per duty per week (assumption).", "每项任务每周耗时(假设)。", "hours_per_week", 1.5, ge=0, le=168
    )
    platforms: float = doc(
        "Platforms logged into daily (004: 7–8).", "每天登录的平台数(004:7–8个)。", "count", 7.5, ge=0, le=100
    )
    minutes_per_platform: float = doc(
        "Minutes per platform per day: login, check, fill in (assumption).",
        "每个平台每天耗时:登录、查看、填报(假设)。",
        "minutes",
        8.0,
        ge=0,
        le=1440,
    )
    meeting_hours_per_week: float = doc(
        "Meeting hours per week (assumption).", "每周会议时长(假设)。", "hours_per_week", 2.0, ge=0, le=168
    )
    integrated_platform: bool = doc(
        "One integrated platform replaces the many.", "以一个整合平台取代多个平台。", None, False
    )
    integrated_minutes: float = doc(
        "Daily minutes on the one platform (assumption).", "整合平台每天耗时(假设)。", "minutes", 10.0, ge=0, le=1440
    )
    integrated_duty_share: Prob = doc(
        "Share of duty hours left once reporting is merged (assumption).",
        "报表合并后剩余的任务时长比例(假设)。",
        "share",
        0.5,
    )
    kinds: list[Kind] = doc(
        "Kinds of staff who carry the overhead.", "承担这些负担的人员类别。", None, ["grid_worker", "political_legal"]
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

    per_shift_hour: bool = doc(
        "Scale each kind's overhead by its weekly hours on shift over the full-time shift's (a part-timer owes a "
        "part); false = every kind owes the full-time overhead (before 0.4).",
        "按各类人员每周在班时长与专职班次之比折算非事件工作负担(兼职者承担部分);false=各类人员均承担专职的全部负担(0.4之前)。",
        None,
        True,
    )


class Campaign(Strict):
    """A scheduled surge (epidemic screening, flood patrols, census, waste sorting; 000, 002):
    pulls worker hours for a period and raises some incident categories."""

    model_config = section("中心工作/专项行动")

    name: str = doc("The campaign's name (unique).", "专项行动名称(唯一)。")
    label_zh: str = doc("Chinese name shown in Chinese output.", "中文名称(中文输出使用)。", None, "")
    start_day: int = doc("Day the campaign starts (0 = the first day).", "开始日(0=第一天)。", "day", ge=0, le=DAYS_MAX)
    days: int = doc("Length of the campaign.", "持续天数。", "days", ge=1, le=DAYS_MAX)
    hours_per_day: float = doc(
        "Hours per worker on working days.", "每名网格员每个工作日投入的小时数。", "hours_per_day", 2.0, ge=0, le=24
    )
    rate_multiplier: dict[str, NonNeg] = doc(
        "Incident-rate multiplier per category name during the campaign.",
        "行动期间按事件类别的发生率倍数。",
        "multiplier",
        {},
    )
    patrol_multiplier: NonNeg = doc(
        "Patrol discovery multiplier (flood-season patrols find more).",
        "巡查发现倍数(汛期巡查发现更多)。",
        "multiplier",
        1.0,
    )


class Prior(Strict):
    """A calibration prior for one uncertain scenario parameter (``uncertain:``): uniform
    on [low, high], or on [log low, log high] with ``scale: log``."""

    model_config = section("校准先验")

    low: float = doc(
        "Lower bound, in the parameter's own unit.",
        "下限(参数自身单位)。",
        "parameter",
        ge=-PARAMETER_MAX,
        le=PARAMETER_MAX,
    )
    high: float = doc(
        "Upper bound, in the parameter's own unit.",
        "上限(参数自身单位)。",
        "parameter",
        ge=-PARAMETER_MAX,
        le=PARAMETER_MAX,
    )
    scale: Literal["linear", "log"] = doc(
        "Uniform in the value or in its logarithm.", "在数值或其对数上均匀。", None, "linear"
    )
    integer: bool = doc(
        "Round the draw (a headcount, a number of servers).", "抽样值取整(人数、处置台人数)。", None, False
    )
    source: str = doc(
        'Why this range: a seed and section, or "assumption: ...".', "取值依据:来源材料及章节,或“假设:…”。", None, ""
    )

    @model_validator(mode="after")
    def _ordered(self):
        if not self.low < self.high:
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        if self.scale == "log" and self.low <= 0:
            raise ValueError("a log-scale prior needs low > 0")
        return self


PerYear = Annotated[float, Field(ge=0, le=365)]
Days = Annotated[float, Field(ge=0, le=3650)]


class Turnover(Strict):
    """Absence (sick leave, maternity) and exits (resignation, retirement), and refilling."""

    model_config = section("人员流动")

    sick_per_year: PerYear = doc(
        "Sick-leave spells per worker-year (assumption).", "每人每年病假次数(假设)。", "per_year", 1.5
    )
    sick_days_mean: Days = doc("Mean length of a sick-leave spell.", "病假平均天数。", "days", 3.0)
    maternity_per_year: PerYear = doc("Maternity leaves per worker-year.", "每人每年产假次数。", "per_year", 0.03)
    maternity_days: int = doc("Length of a maternity leave.", "产假天数。", "days", 158, ge=0, le=3650)
    resign_per_year: PerYear = doc(
        "Base resignation hazard per worker-year (assumption).", "每人每年的基础辞职风险率(假设)。", "per_year", 0.08
    )
    resign_overload: float = doc(
        "Log-hazard of resigning per unit overtime share of shift hours.",
        "加班占班次时长比例每增加1,辞职对数风险的增量。",
        "log_hazard",
        3.0,
        ge=0,
        le=100,
    )
    resign_unfairness: float = doc(
        "Log-hazard per unit (true value − score) percentile gap.",
        "(真实价值−考核得分)百分位差每增加1,辞职对数风险的增量。",
        "log_hazard",
        2.0,
        ge=0,
        le=100,
    )
    retire_per_year: PerYear = doc("Retirement hazard per worker-year.", "每人每年的退休风险率。", "per_year", 0.02)
    recruit_days_mean: Days = doc(
        "Mean recruitment lead time (随缺随补 fails when long).", "平均招聘周期(过长则随缺随补失效)。", "days", 90.0
    )
    refill: Annotated[str, Registered("refill")] = doc(
        "Vacancy policy (补员; a registered name).", "补员方式(已注册的名称)。", None, "wait"
    )
    cover: Annotated[str, Registered("cover")] = doc(
        "Who covers an absent worker's grid (a registered name).", "缺员网格由谁代管(已注册的名称)。", None, "neighbour"
    )
    kinds: list[Kind] = doc(
        "Kinds of staff subject to turnover.",
        "适用人员流动的人员类别。",
        None,
        ["grid_worker", "part_time", "political_legal"],
    )


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

Positive = Annotated[float, Field(gt=0, le=1e9)]
ScoreWeight = Annotated[float, Field(ge=0, le=MULTIPLIER_MAX)]


class ScoreRule(Strict):
    """Weights and targets for one community type (``per_type`` scoring)."""

    model_config = section("分类型考核规则")

    weights: dict[Metric, ScoreWeight] = doc("Weight of each metric in the score.", "各考核指标的权重。", "weight", {})
    targets: dict[Metric, Positive] = doc(
        "Target of each metric (counts per month; rates as shares).",
        "各指标的目标值(计数为每月,比率为比例)。",
        "kpi",
        {},
    )


class TrueValue(Strict):
    """What a worker's work is really worth (for ``score_validity``; never seen by scorers)."""

    model_config = section("工作真实价值")

    severity_weights: tuple[ScoreWeight, ScoreWeight, ScoreWeight] = doc(
        "Value of closing a minor, general and major case.",
        "办结轻微、一般、重大事件的价值。",
        "weight",
        (1.0, 2.0, 4.0),
    )
    unsatisfied_value: Prob = doc(
        "Value share of a closed case the resident was unhappy with.", "居民不满意的办结事件的价值比例。", "share", 0.3
    )
    definition: Literal["outcomes", "closed_over_need"] = doc(
        "What true value measures: residents' outcomes (harm-days averted per duty hour, docs/behaviour.md §5) or "
        "the 0.4 definition, severity-weighted closures per expected incident.",
        "真实价值的口径:居民所得(每值班小时避免的损害天数,见 docs/behaviour.md 第5节),"
        "或0.4版口径(按严重度加权的办结数/预期事件数)。",
        None,
        "outcomes",
    )
    horizon_days: float = doc(
        "Days an unresolved problem would go on harming its household; a closure averts what is left of them after "
        "the days it stayed latent and open.",
        "未解决的问题持续损害住户的天数;办结可避免扣除潜伏和在办天数后剩余的部分。",
        "days",
        30.0,
        gt=0,
        le=3650,
    )
    reopen_harm_days: float = doc(
        "Harm-days lost per reopening of a case the worker resolved (severity-weighted).",
        "所办结事件每被重新打开一次损失的损害天数(按严重度加权)。",
        "days",
        5.0,
        ge=0,
        le=3650,
    )
    found_days: float = doc(
        "Harm-days averted per severity-weighted patrol find (found before a resident reported it or it worsened).",
        "每次巡查发现(按严重度加权,先于居民上报或恶化)避免的损害天数。",
        "days",
        7.0,
        ge=0,
        le=3650,
    )
    visit_days: float = doc(
        "Harm-days averted per successful door-to-door visit (awareness and trust: residents report sooner).",
        "每次成功入户走访避免的损害天数(知晓与信任:居民更早上报)。",
        "days",
        0.05,
        ge=0,
        le=3650,
    )
    record_days: float = doc(
        "Harm-days averted per verified register record (register accuracy); padded records count nothing.",
        "每条核实的台账记录避免的损害天数(台账准确);虚报记录不计。",
        "days",
        0.02,
        ge=0,
        le=3650,
    )


class Scoring(Strict):
    """Scoring scheme (考核): a registered policy (``sim.policies.scoring``) chosen by name."""

    model_config = section("考核")

    scheme: Annotated[str, Registered("scoring")] = doc(
        "Scoring scheme (a registered name).", "考核方案(已注册的名称)。", None, "uniform"
    )
    period: Literal["month", "quarter"] = doc("Scoring period.", "考核周期。", None, "month")
    weights: dict[Metric, ScoreWeight] = doc(
        "Weight of each metric in the score.",
        "各考核指标的权重。",
        "weight",
        {
            "closed_cases": 0.2,
            "disputes_closed": 0.2,
            "visits": 0.2,
            "records": 0.1,
            "timeliness": 0.1,
            "satisfaction": 0.1,
            "attendance": 0.05,
            "log_filling": 0.05,
        },
    )
    targets: dict[Metric, Positive] = doc(
        "Target of each metric (counts per month; rates as shares).",
        "各指标的目标值(计数为每月,比率为比例)。",
        "kpi",
        {
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
        },
    )
    by_type: dict[str, ScoreRule] = doc(
        "Rules per community type (per_type scoring).", "按社区类型的考核规则(per_type 方案)。", None, {}
    )
    cap: float = doc(
        "Credit stops at this multiple of the target.",
        "得分封顶于目标值的倍数。",
        "multiplier",
        1.2,
        ge=1,
        le=MULTIPLIER_MAX,
    )
    timely_hours: float = doc(
        "Surfaced → closed within this counts as timely.",
        "从发现到办结在此时长内计为及时。",
        "hours",
        72.0,
        gt=0,
        le=HOURS_MAX,
    )
    log_minutes_per_day: float = doc(
        "Entry time that counts as a filled work log.", "计为已填写工作日志的录入时间。", "minutes", 15.0, ge=0, le=1440
    )
    kinds: list[Kind] = doc(
        "Kinds of staff who are scored.", "参加考核的人员类别。", None, ["grid_worker", "political_legal"]
    )
    true_value: TrueValue = doc(
        "What work is really worth (never seen by scorers).", "工作的真实价值(考核者不可见)。", None, TrueValue()
    )
    workers_respond: bool = doc(
        "False: workers ignore their scores — no effort adaptation, no gaming, no fairness feedback on effort or "
        "resignation (the scheme only measures).",
        "false:网格员不理会考核分数——不调整努力分配、不博弈、公平感不影响努力与离职(方案只起度量作用)。",
        None,
        True,
    )
    record_periods: int = doc(
        "per_type_records: how many past scoring periods' records set each type's count targets (their medians).",
        "per_type_records 方案:用过去多少个考核周期的记录(按类型取中位数)确定计数目标。",
        "count",
        12,
        ge=1,
        le=120,
    )


Activity = Literal["patrol", "visits", "entry"]
ACTIVITIES: tuple[str, ...] = get_args(Activity)
"""Discretionary activities a worker divides free duty hours between."""

Rate = Annotated[float, Field(ge=0, le=MULTIPLIER_MAX)]


class Gaming(Strict):
    """Gaming responses to the score (Bevan & Hood 2006; Campbell 1979; Kerr 1975), each
    driven by the worker's shortfall on what is counted, and off when its parameter is 0
    (docs/behaviour.md §4)."""

    model_config = section("考核博弈行为")

    premature_closure: float = doc(
        "Handling depth given up per unit of case-count shortfall (closing before the problem is fixed: less "
        "satisfaction, more reopenings); 0 = off.",
        "按办结数缺口每单位放弃的处置深度(问题未解决即结案:满意度下降、重开增多);0=关闭。",
        "ratio",
        0.0,
        ge=0,
        le=2,
    )
    padding: float = doc(
        "Share of entry hours turned to padded records per unit of records shortfall (counted, verify nothing); "
        "0 = off.",
        "按台账记录缺口每单位转向虚报记录的录入时间比例(计数但无核实);0=关闭。",
        "share",
        0.0,
        ge=0,
        le=1,
    )
    padding_speed: float = doc(
        "Padded records per hour relative to verified ones.",
        "虚报记录每小时条数与核实记录之比。",
        "ratio",
        3.0,
        ge=1,
        le=20,
    )
    shedding: float = doc(
        "Probability of passing a hard case the grid may decide (one that would take longer than its category's "
        "mean) up the ladder, per unit of speed shortfall; 0 = off.",
        "按及时率缺口每单位,把网格有权处置的难办事件(耗时超过该类平均)推给上级的概率;0=关闭。",
        "share",
        0.0,
        ge=0,
        le=1,
    )
    cherry_picking: float = doc(
        "Probability, per unit of case-count shortfall, that a worker taking the next case from a team's queue "
        "takes the quickest one (shortest handling hours of its category, then lowest severity) instead of the "
        "head of the priority order, so hard cases wait longer; 0 = off.",
        "按办结数缺口每单位,网格员从队列取下一件事件时挑最省事的一件(所属类别处置时长最短、再按等级最低)"
        "而不按优先顺序取件的概率,难办事件因此等得更久(挑肥拣瘦);0=关闭。",
        "share",
        0.0,
        ge=0,
        le=1,
    )


class Effort(Strict):
    """Multitask effort response (Holmström–Milgrom): discretionary hours and handling
    depth follow marginal score per hour, tempered by intrinsic motivation (docs/behaviour.md)."""

    model_config = section("努力分配")

    discretionary_hours_per_day: float = doc(
        "Free duty hours per day divided between activities.",
        "每天可自主分配的工作小时数。",
        "hours_per_day",
        3.0,
        ge=0,
        le=24,
    )
    initial: dict[Activity, Weight] = doc(
        "Initial shares of patrol, visits and entry (relative weights).",
        "巡查、走访、录入的初始比例(相对权重)。",
        "weight",
        {"patrol": 0.6, "visits": 0.25, "entry": 0.15},
    )
    responsiveness: float = doc(
        "κ: how sharply shares follow the incentive (0 = not at all).",
        "κ:分配随激励变化的灵敏度(0=不变)。",
        "ratio",
        2.0,
        ge=0,
        le=100,
    )
    intrinsic: Prob = doc(
        "μ: weight on the true value of work versus the score.", "μ:真实价值相对考核得分的权重。", "share", 0.5
    )
    adaptation: Prob = doc(
        "η: share of the gap to the preferred allocation closed per period.",
        "η:每个周期缩小与理想分配差距的比例。",
        "share",
        0.5,
    )
    productivity: dict[Activity, Rate] = doc(
        "Outputs per hour: patrol discoveries (a prior), visit attempts, records entered.",
        "每小时产出:巡查发现(先验)、走访次数、录入条数。",
        "per_hour",
        {"patrol": 0.2, "visits": 2.0, "entry": 8.0},
    )
    value_per_hour: dict[Activity, Rate] = doc(
        "Believed value of one hour of each activity.",
        "各项活动每小时的自认价值。",
        "weight",
        {"patrol": 1.0, "visits": 0.6, "entry": 0.1},
    )
    min_depth: float = doc(
        "Share of handling time spent at full rush.", "最匆忙时的处置时长比例。", "share", 0.6, gt=0, le=1
    )
    rush_satisfaction_loss: Prob = doc(
        "Satisfaction probability lost at full rush.", "最匆忙时满意概率的损失。", "share", 0.25
    )
    visit_awareness_gain: Prob = doc(
        "Awareness gained by a household per visit.", "每次走访住户知晓度的提升。", "share", 0.15
    )
    visit_trust_gain: Prob = doc("Trust gained by a household per visit.", "每次走访住户信任度的提升。", "share", 0.03)
    gaming: Gaming = doc(
        "Gaming responses to the score (Bevan & Hood 2006); each off at 0.",
        "针对考核分数的博弈行为(Bevan & Hood 2006);各项为0即关闭。",
        None,
        Gaming(),
    )
    fairness_withdrawal: float = doc(
        "Share of discretionary hours a worker withholds per unit of perceived unfairness (percentile gap; equity "
        "theory, Adams 1965); 0 = off.",
        "每单位感知不公(分位差)网格员收回的自主工作时间比例(公平理论,Adams 1965);0=关闭。",
        "share",
        0.0,
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

    model_config = section("住户登记")

    initial_excess: float = doc(
        "Stale entries at the start, per actual household.",
        "初始时每户实际住户对应的过期登记数。",
        "per_household",
        0.05,
        ge=0,
        le=100,
    )
    stale_per_year: float = doc(
        "Stale entries added per floating household per year.",
        "每户流动人口每年新增的过期登记数。",
        "per_household_year",
        0.3,
        ge=0,
        le=100,
    )


class Police(Strict):
    """Beat police (片警) and grid–police fusion (网格+警格)."""

    model_config = section("社区民警")

    fusion: bool = doc("Grid–police fusion (网格+警格).", "网格与警格融合(网格+警格)。", None, True)
    grids_per_beat: int = doc("Grids in one police beat.", "一个警格包含的网格数。", "count", 4, ge=1, le=HEADCOUNT_MAX)
    officers_per_beat: int = doc("Officers per beat.", "每个警格的民警数。", "persons", 1, ge=1, le=HEADCOUNT_MAX)
    categories: list[str] = doc(
        "Categories the police take (category names).", "由民警处置的事件类别(类别名称)。", None, ["security"]
    )
    joint_visit_access_factor: Prob = doc(
        "Access difficulty multiplier on joint visits.", "联合走访时入户难度的倍数。", "multiplier", 0.3
    )
    handling_multiplier: float = doc(
        "Police handling time relative to the category's.",
        "民警处置时长相对类别时长的倍数。",
        "multiplier",
        1.0,
        gt=0,
        le=MULTIPLIER_MAX,
    )
    authority_level: str = doc(
        "The level (by name) police act at (deputy leaders, seed 000).",
        "民警处置时所处的层级(层级名称)。",
        None,
        "community",
    )


class Routing(Strict):
    """Who takes a new case first: a registered routing policy (``sim.policies.routing``).
    Left out, ``police.fusion`` chooses: ``police_fusion`` when true, else ``grid_only``."""

    model_config = section("分派")

    policy: Annotated[str, Registered("routing")] | None = doc(
        "Routing policy (a registered name; none: police.fusion chooses).",
        "分派方式(已注册的名称;空:由 police.fusion 决定)。",
        None,
        None,
    )


class Escalation(Strict):
    """How cases move up the ladder; ``policy`` names a registered policy (``sim.policies.escalation``)."""

    model_config = section("上报升级")

    policy: Annotated[str, Registered("escalation")] = doc(
        "Escalation policy (a registered name).", "上报方式(已注册的名称)。", None, "skip_major"
    )
    whistle: bool = doc(
        "The street blows the whistle, departments report (街道吹哨、部门报到).", "街道吹哨、部门报到。", None, True
    )
    whistle_scope: Literal["summoned", "all"] = doc(
        "Which department cases get whistle_response_hours: 'summoned' = those the street rung passes up (吹哨报到, "
        "seed 003); 'all' = every department case (before 0.4).",
        "哪些部门事件适用吹哨响应时长:summoned=街道层级上报(吹哨)的事件(种子003);all=全部部门事件(0.4之前)。",
        None,
        "summoned",
    )
    max_reopens: int = doc("Reopenings of one case at most.", "一件事件最多重新办理的次数。", "count", 2, ge=0, le=100)


class Residents(Strict):
    """Household behaviour: awareness of and trust in the grid worker, feedback."""

    model_config = section("居民")

    awareness_mean: Prob = doc("Mean awareness of the grid worker.", "对网格员的平均知晓度。", "share", 0.6)
    trust_mean: Prob = doc("Mean trust in the grid worker.", "对网格员的平均信任度。", "share", 0.6)
    spread: Prob = doc(
        "Spread of awareness and trust between households.", "住户间知晓度与信任度的离散程度。", "share", 0.15
    )
    base_willingness: Prob = doc("Base willingness to report.", "基础上报意愿。", "share", 0.5)
    hotline_dispatch_hours: Hours = doc(
        "12345 → command centre → order (派单) delay.", "12345→指挥中心→派单的延迟。", "hours", 4.0
    )
    satisfaction_base: Prob = doc(
        "Satisfaction probability of a prompt closure.", "及时办结时的满意概率。", "share", 0.95
    )
    satisfaction_loss_per_day: Prob = doc(
        "Satisfaction lost per day of waiting.", "每等待一天满意概率的损失。", "share_per_day", 0.02
    )
    satisfaction_loss_per_escalation: Prob = doc(
        "Satisfaction lost per escalation.", "每上报一次满意概率的损失。", "share", 0.03
    )
    satisfaction_floor: Prob = doc("Lowest satisfaction probability.", "满意概率的下限。", "share", 0.2)
    satisfaction_weight: Prob = doc(
        "How far one outcome moves a household's satisfaction.", "一次结果对住户满意度的影响程度。", "share", 0.3
    )
    reopen_if_unsatisfied: Prob = doc(
        "Probability an unsatisfied resident has the case reopened.", "不满意居民要求重新办理的概率。", "share", 0.3
    )
    feedback_delay_hours: Hours = doc("Delay before resident feedback.", "居民反馈前的延迟。", "hours", 24.0)
    trust_gain: Prob = doc("Trust gained from a satisfying outcome.", "满意结果带来的信任提升。", "share", 0.05)
    trust_loss: Prob = doc("Trust lost from an unsatisfying outcome.", "不满意结果带来的信任下降。", "share", 0.15)
    awareness_gain_on_contact: Prob = doc("Awareness gained per contact.", "每次接触带来的知晓度提升。", "share", 0.2)
    satisfaction_loss_per_latent_day: float = doc(
        "Satisfaction probability lost per day a case stayed latent (occurred, unknown) before it surfaced; 0 = "
        "before 0.4 (assumption: a quarter of the loss per day after the report).",
        "事件发现前每潜伏一天损失的满意概率;0=0.4之前(假设:为上报后每天损失的四分之一)。",
        "share_per_day",
        0.005,
        ge=0,
        le=1,
    )


class Arrivals(Strict):
    """Poisson arrivals with optional time-of-day and monthly profiles (relative weights)."""

    model_config = section("事件到达")

    hourly_profile: list[Weight] | None = doc(
        "24 relative weights of the hours of the day (none: flat).", "一天24小时的相对权重(空:均匀)。", "weight", None
    )
    monthly_profile: list[Weight] | None = doc(
        "12 relative weights of the months (none: flat).", "12个月的相对权重(空:均匀)。", "weight", None
    )
    weekday_profile: list[Weight] | None = doc(
        "7 relative weights of the weekdays, Monday first (fitted by `gridsim fit`; none: every day alike).",
        "一周7天的相对权重,周一在前(由 gridsim fit 拟合;空:每天相同)。",
        "weight",
        None,
    )
    rate_scale: float = doc(
        "Multiplier on every incident rate.", "所有事件发生率的倍数。", "multiplier", 1.0, ge=0, le=MULTIPLIER_MAX
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

    model_config = section("风险分级")

    window_days: int = doc("Days of incidents a grade counts.", "分级统计的事件天数。", "days", 30, ge=1, le=3650)
    regrade_every_days: int = doc("Days between re-gradings.", "重新分级的间隔天数。", "days", 7, ge=1, le=3650)
    yellow_per_100_households: float = doc(
        "Incidents per 100 households in the window for yellow.",
        "窗口内每百户事件数达到此值为黄色。",
        "per_100_households",
        15.0,
        ge=0,
        le=WEIGHT_MAX,
    )
    red_per_100_households: float = doc(
        "Incidents per 100 households in the window for red.",
        "窗口内每百户事件数达到此值为红色。",
        "per_100_households",
        25.0,
        ge=0,
        le=WEIGHT_MAX,
    )
    patrol_multiplier: tuple[NonNeg, NonNeg, NonNeg] = doc(
        "Patrol multiplier of green, yellow and red grids.", "绿、黄、红网格的巡查倍数。", "multiplier", (1.0, 1.5, 2.0)
    )


Coordinate = Annotated[float, Field(ge=-1e8, le=1e8)]
"""A map coordinate: degrees, or metres of a projected system."""


class GridSpec(Strict):
    """One grid of an imported register (网格台账): its source id, name, households, map outline and
    neighbours (written by `gridsim district`; per-category rate multipliers by `gridsim fit`)."""

    model_config = section("网格(台账导入)")

    source_id: str = doc("The grid's id in the source register.", "网格在来源台账中的编号。")
    name: str | None = doc("The grid's name in the source register.", "网格在来源台账中的名称。", None, None)
    households: int | None = doc(
        "Households in the grid (none: the community's households_per_grid).",
        "网格住户数(空:取社区的 households_per_grid)。",
        "households",
        None,
        ge=1,
        le=100_000,
    )
    centroid: tuple[Coordinate, Coordinate] | None = doc(
        "Centre of the outline (x, y: longitude, latitude in degrees).",
        "网格轮廓的中心点(x, y:经度、纬度,单位度)。",
        "parameter",
        None,
    )
    polygon: str | None = doc(
        "The grid's outline as WKT (longitude, latitude in degrees), for maps.",
        "网格轮廓(WKT,经纬度),用于地图。",
        None,
        None,
        max_length=2_000_000,
    )
    neighbours: list[str] = doc(
        "Source ids of adjacent grids (shared boundary or register column).",
        "相邻网格的来源编号(共享边界或台账列)。",
        None,
        [],
    )
    rate_multiplier: dict[str, NonNeg] = doc(
        "Per-category arrival-rate multiplier of this grid (ratio to its community type's rate).",
        "本网格各事件类别的发生率倍数(相对其社区类型的发生率)。",
        "multiplier",
        {},
    )


class CommunitySpec(Strict):
    """An explicitly listed community."""

    model_config = section("社区(逐个列出)")

    name: str | None = doc("The community's name (none: numbered).", "社区名称(空:自动编号)。", None, None)
    type: str = doc("Its community type (a name in community_types).", "社区类型(community_types 中的名称)。")
    street: int = doc(
        "Index of its street (0 = the first).", "所属街道的序号(0=第一个)。", "index", 0, ge=0, le=HEADCOUNT_MAX - 1
    )
    grids: int = doc("Grids in the community.", "社区的网格数。", "count", 1, ge=1, le=HEADCOUNT_MAX)
    households_per_grid: int | None = doc(
        "Households per grid (none: the urban or rural default).",
        "每个网格的住户数(空:城市或农村默认值)。",
        "households",
        None,
        ge=1,
        le=100_000,
    )
    grid_list: list[GridSpec] | None = doc(
        "Explicit grids (from a register); their number must equal `grids`.",
        "逐个列出的网格(来自台账);个数须等于 grids。",
        None,
        None,
    )

    @model_validator(mode="after")
    def _grid_count(self):
        if self.grid_list is not None and len(self.grid_list) != self.grids:
            raise ValueError(f"grid_list: {len(self.grid_list)} grid(s) listed but grids is {self.grids}")
        return self


class World(Strict):
    """District layout: compact counts, or an explicit list of communities."""

    model_config = section("辖区布局")

    streets: int = doc("Streets (街道) in the district.", "辖区内的街道数。", "count", 1, ge=1, le=HEADCOUNT_MAX)
    layout_seed: int = doc(
        "Seed of the household counts (independent of the run seed).",
        "住户数的随机种子(与运行种子无关)。",
        "seed",
        0,
        ge=0,
        le=SEED_MAX,
    )
    communities_per_street: int = doc(
        "Communities per street.", "每个街道的社区数。", "count", 6, ge=1, le=HEADCOUNT_MAX
    )
    grids_per_community: int = doc("Grids per community.", "每个社区的网格数。", "count", 8, ge=1, le=HEADCOUNT_MAX)
    dedicated_grids_per_street: int = doc(
        "Dedicated grids (专属网格) per street.", "每个街道的专属网格数。", "count", 0, ge=0, le=HEADCOUNT_MAX
    )
    households_urban: int = doc("Households per urban grid.", "城市网格的住户数。", "households", 200, ge=1, le=100_000)
    households_rural: int = doc("Households per rural grid.", "农村网格的住户数。", "households", 50, ge=1, le=100_000)
    household_spread: float = doc(
        "Relative spread of households between grids.", "网格间住户数的相对离散度。", "share", 0.15, ge=0, lt=1
    )
    community_mix: dict[str, Weight] = doc(
        "Relative weight of each community type (by name).",
        "各社区类型的相对权重(按名称)。",
        "weight",
        {"old_estate": 1, "commodity": 1},
    )
    communities: list[CommunitySpec] | None = doc(
        "Communities listed one by one (instead of the counts).",
        "逐个列出的社区(代替上述数量)。",
        None,
        None,
        max_length=100_000,
    )


def _default_categories() -> dict[str, Category]:
    return {k: Category(**v) for k, v in catalog.CATEGORIES.items()}


def _default_types() -> dict[str, CommunityType]:
    return {k: CommunityType(**v) for k, v in catalog.COMMUNITY_TYPES.items()}


def _default_levels() -> list[Level]:
    return [Level(**v) for v in catalog.LEVELS]


class Scenario(Strict):
    """A whole scenario: the world, who works it, how cases flow, for how long."""

    model_config = section("情景")

    name: str = doc("The scenario's name (its default run directory).", "情景名称(默认运行目录名)。", None, "scenario")
    description: str = doc("Free text describing the scenario.", "情景说明(自由文本)。", None, "")
    plugins: list[str] = doc(
        "Modules or .py files imported before validation (user policies register there).",
        "验证前导入的模块或 .py 文件(用户策略在其中注册)。",
        None,
        [],
    )
    seed: int = doc("Random seed of the run.", "运行的随机种子。", "seed", 0, ge=0, le=SEED_MAX)
    days: int = doc("Days simulated.", "模拟天数。", "days", 365, ge=1, le=DAYS_MAX)
    start_date: date | None = doc(
        "Calendar date of day 1 (第1天), a Monday like the model's day 1; shown beside the day number.",
        "第1天的日历日期(须为周一,与模型第1天一致);显示在天数旁。",
        None,
        None,
    )
    world: World = doc("District layout.", "辖区布局。", None, World())
    community_types: dict[str, CommunityType] = doc(
        "Community types by name (merged into the built-in catalogue unless replace: true).",
        "按名称的社区类型(与内置目录合并,除非 replace: true)。",
        None,
        default_factory=_default_types,
    )
    categories: dict[str, Category] = doc(
        "Incident categories by name (merged into the built-in catalogue unless replace: true).",
        "按名称的事件类别(与内置目录合并,除非 replace: true)。",
        None,
        default_factory=_default_categories,
    )
    levels: list[Level] = doc(
        "The escalation ladder, lowest level first (the first is the grid team).",
        "上报层级,由低到高(第一级为网格团队)。",
        None,
        default_factory=_default_levels,
        max_length=100,
    )
    handling: HandlingDist = doc("Handling-time distribution.", "处置时长分布。", None, HandlingDist())
    staffing: Staffing = doc("Staffing plan (人员配置).", "人员配置。", None, Staffing())
    police: Police = doc("Beat police and grid–police fusion.", "社区民警与网格警格融合。", None, Police())
    routing: Routing = doc("Who takes a new case first.", "新事件由谁首先受理。", None, Routing())
    escalation: Escalation = doc("How cases move up the ladder.", "事件如何逐级上报。", None, Escalation())
    residents: Residents = doc("Household behaviour.", "住户行为。", None, Residents())
    arrivals: Arrivals = doc("Incident arrival profiles.", "事件到达的时间分布。", None, Arrivals())
    risk: Risk = doc("Green / yellow / red grading of grids.", "网格的绿、黄、红风险分级。", None, Risk())
    overhead: Overhead = doc("Time not available for cases.", "不能用于处置事件的时间。", None, Overhead())
    campaigns: list[Campaign] = doc(
        "Scheduled surges (中心工作).", "计划中的专项行动(中心工作)。", None, [], max_length=1000
    )
    turnover: Turnover = doc("Absence, exits and refilling.", "缺勤、离职与补员。", None, Turnover())
    scoring: Scoring = doc("Scoring scheme (考核).", "考核方案。", None, Scoring())
    effort: Effort = doc(
        "How workers divide their free duty hours.", "网格员如何分配可自主支配的工作时间。", None, Effort()
    )
    household_register: Register = doc("The platform's household register.", "平台的住户登记。", None, Register())
    uncertain: dict[str, Prior] = doc(
        "Dotted parameter path → prior (what gridsim calibrate fits).",
        "参数路径 → 先验(gridsim calibrate 拟合的对象)。",
        None,
        {},
    )

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

    def warnings(self) -> list[str]:
        """Things that validate but are probably not meant, one line each (a campaign that
        starts after the last simulated day never runs; one that ends after it is cut short)."""
        out = []
        for k, c in enumerate(self.campaigns):
            where = f"campaigns.{c.name or k}"
            last = c.start_day + c.days - 1
            if c.start_day >= self.days:
                out.append(
                    f"{where}: starts on day {c.start_day}, after the last simulated day {self.days - 1}; it never runs"
                )
            elif last >= self.days:
                out.append(
                    f"{where}: runs days {c.start_day}–{last} but the run ends on day {self.days - 1}; "
                    f"only {self.days - c.start_day} of its {c.days} days are simulated"
                )
        return out

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
        if not self.world.communities:
            if "community_mix" not in self.world.model_fields_set and not set(self.world.community_mix) <= set(types):
                raise ValueError(f"world.community_mix: missing; name the mix of community types ({_choices(types)})")
            for name in self.world.community_mix:
                if name not in types:
                    raise ValueError(f"world.community_mix.{name}: unknown community type{_hint(name, types)}")
            if sum(self.world.community_mix.values()) <= 0:
                raise ValueError("world.community_mix: weights must not all be zero")
        for i, c in enumerate(self.world.communities or []):
            where = f"world.communities.{c.name if c.name else i}"
            if c.type not in types:
                raise ValueError(f"{where}.type: unknown community type {c.type!r}{_hint(c.type, types)}")
            if c.street >= self.world.streets:
                raise ValueError(f"{where}.street: {c.street} but only {self.world.streets} street(s)")
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
        names = [c.name for c in self.campaigns]
        for k, name in enumerate(names):
            if name in names[:k]:
                raise ValueError(f"campaigns.{k}.name: {name!r} given twice (also item {names.index(name)})")
        for c in self.campaigns:
            for cat in c.rate_multiplier:
                if cat not in self.categories:
                    raise ValueError(
                        f"campaigns.{c.name}.rate_multiplier.{cat}: unknown category{_hint(cat, self.categories)}"
                    )
        resources.check(self)
        return self


def _choices(choices) -> str:
    """``valid: a, b, c`` (the first twenty)."""
    names = [str(c) for c in choices]
    more = f", … ({len(names)} in all)" if len(names) > 20 else ""
    return f"valid: {', '.join(names[:20])}{more}" if names else "none defined"


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


def _hint(word: str, choices, listing: bool = True) -> str:
    """`` (did you mean 'x'?) valid: …``: the nearest name, then (with ``listing``, or when
    nothing is near) the valid ones."""
    names = [str(c) for c in choices]
    close = difflib.get_close_matches(str(word), names, n=1)
    mean = f" (did you mean {close[0]!r}?)" if close else ""
    return f"{mean} ({_choices(names)})" if listing or not close else mean
