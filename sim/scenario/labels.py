"""Domain labels in English and Chinese (中英文标签), from one table.

Everything a trainer shows — states, roles, channels, levels, severities, outcomes, the
words of an incident's story — is looked up here by key, so the two languages never drift
apart. Categories, community types and levels also carry the Chinese name given in the
scenario (``label_zh``), which wins over this table.
"""

from __future__ import annotations

LANGS = ("en", "zh")

LABELS: dict[str, tuple[str, str]] = {
    # roles
    "role.grid_worker": ("grid worker", "网格员"),
    "role.part_time": ("part-time grid worker", "兼职网格员"),
    "role.political_legal": ("political-legal grid worker", "政法网格员"),
    "role.informant": ("informant", "信息员"),
    "role.police": ("beat police", "片警"),
    "role.grid_leader": ("grid leader", "网格长"),
    "role.community_secretary": ("community secretary", "社区书记"),
    "role.command_centre": ("street command centre", "街道指挥中心"),
    "role.district_centre": ("district command centre", "区指挥中心"),
    "role.department": ("department", "职能部门"),
    "role.property_manager": ("property manager", "物业"),
    "role.volunteer": ("party-member volunteer", "党员志愿者"),
    "role.reserve": ("reserve worker", "储备网格员"),
    "role.resident": ("resident", "居民"),
    # channels
    "channel.report": ("a resident reports it to the grid worker", "居民向网格员反映"),
    "channel.hotline": ("the 12345 hotline dispatches it", "12345热线派单"),
    "channel.patrol": ("found on patrol", "网格员巡查发现"),
    # severities
    "severity.minor": ("minor", "一般"),
    "severity.general": ("general", "较大"),
    "severity.major": ("major", "重大"),
    # community types (when a scenario gives no label_zh)
    "type.old_estate": ("old estate", "老旧小区"),
    "type.commodity": ("commodity housing", "商品房小区"),
    "type.gated": ("gated estate", "高档封闭小区"),
    "type.resettlement": ("resettlement estate", "安置小区"),
    "type.rural_village": ("rural village", "农村村庄"),
    "type.commercial": ("commercial street", "商业街区"),
    "type.dedicated": ("dedicated grid", "专属网格"),
    # units of scenario fields (docs/scenario-reference.md, gridsim schema)
    "unit.count": ("count", "个数"),
    "unit.persons": ("persons", "人"),
    "unit.households": ("households", "户"),
    "unit.index": ("index, 0 = the first", "序号(0为第一个)"),
    "unit.seed": ("integer seed", "整数种子"),
    "unit.hours": ("hours", "小时"),
    "unit.minutes": ("minutes", "分钟"),
    "unit.day": ("day number, 0 = the first day", "日序(0为第一天)"),
    "unit.days": ("days", "天"),
    "unit.hour_of_day": ("hour of the day, 0–24", "一天中的时刻(0–24时)"),
    "unit.weekday": ("weekday, 0 = Monday … 6 = Sunday", "星期(0=周一 … 6=周日)"),
    "unit.hours_per_day": ("hours per day", "小时/天"),
    "unit.hours_per_week": ("hours per week", "小时/周"),
    "unit.share": ("share, 0–1", "比例(0–1)"),
    "unit.share_per_day": ("share per day, 0–1", "每天比例(0–1)"),
    "unit.ratio": ("ratio (dimensionless)", "比值(无量纲)"),
    "unit.multiplier": ("multiplier (1 = unchanged)", "倍数(1为不变)"),
    "unit.weight": ("relative weight", "相对权重"),
    "unit.per_household_year": ("per household-year", "每户每年"),
    "unit.per_household": ("per household", "每户"),
    "unit.per_year": ("per worker-year", "每人每年"),
    "unit.per_day": ("per day", "每天"),
    "unit.per_hour": ("per hour", "每小时"),
    "unit.per_patrol_hour": ("per patrol hour", "每巡查小时"),
    "unit.per_100_households": ("incidents per 100 households", "每百户事件数"),
    "unit.log_hazard": ("log-hazard per unit", "每单位对数风险"),
    "unit.person_years": ("person-years per head per year", "每人每年人年"),
    "unit.kpi": ("the metric's own unit (count per month, or share)", "指标自身单位(每月计数或比例)"),
    "unit.parameter": ("the parameter's own unit", "参数自身单位"),
    # story templates: {fields} are filled in by sim.ui.trace
    "story.latent": (
        "{category} ({severity}) arises in grid {grid} ({ctype}); nobody official knows yet",
        "网格{grid}({ctype})出现{category}({severity}),尚无人知晓",
    ),
    "story.worsened": ("it gets worse while unseen: now {severity}", "未被发现期间事态升级:{severity}"),
    "story.surfaced": ("{channel}", "{channel}"),
    "story.accepted": ("accepted at the {level} level (首问负责: first responder)", "{level}受理(首问负责)"),
    "story.waiting": ("waits in the queue of the {level} desk", "在{level}排队等待"),
    "story.handling": ("{actor} starts on it at the {level} level", "{actor}({level})开始处置"),
    "story.visit_failed": ("{actor} finds nobody home; the visit is to be repeated", "{actor}入户未遇,需再次走访"),
    "story.escalated": ("cannot be settled there: escalated to the {level} level", "无法解决,上报至{level}"),
    "story.resolved": (
        "resolved by {actor} at the {level} level, {hours} after it was reported",
        "{actor}({level})办结,距上报{hours}",
    ),
    "story.closed": (
        "the resident is {verdict}; closed (办结销号) {hours} after it was reported",
        "居民评价{verdict},办结销号,距上报{hours}",
    ),
    "story.reopened": ("the resident is not satisfied: reopened", "居民不满意,重新办理"),
    "story.absorbed": (
        "settled by the property manager before anyone official heard of it",
        "物业自行处理,未进入网格流程",
    ),
    "story.open": ("not closed yet ({state})", "尚未办结({state})"),
    "verdict.satisfied": ("satisfied", "满意"),
    "verdict.unsatisfied": ("not satisfied", "不满意"),
    "word.hours": ("{n:.0f} h", "{n:.0f}小时"),
    "word.minutes": ("{n:.0f} min", "{n:.0f}分钟"),
    "word.day": ("day {d} {wd} {hh:02d}:{mm:02d}", "第{d}天 {wd} {hh:02d}:{mm:02d}"),
    "word.incident": ("incident {id}", "事件{id}"),
    "word.unknown_actor": ("someone", "工作人员"),
    # states (as in incidents.parquet / transitions.parquet)
    "state.latent": ("latent", "未发现"),
    "state.surfaced": ("surfaced", "已发现"),
    "state.accepted": ("accepted", "已受理"),
    "state.waiting": ("waiting", "等待处置"),
    "state.handling": ("being handled", "处置中"),
    "state.escalated": ("escalated", "已上报"),
    "state.resolved": ("resolved", "已解决"),
    "state.feedback": ("feedback given", "已评价"),
    "state.closed": ("closed", "已办结"),
    "state.reopened": ("reopened", "重新办理"),
    # levels (when a scenario gives no label_zh)
    "level.grid": ("grid", "网格"),
    "level.community": ("community", "社区"),
    "level.street": ("street", "街道"),
    "level.department": ("department", "职能部门"),
    "level.direct_line": ("secretary's direct line", "书记直通车"),
}

WEEKDAYS = {
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
    "zh": ("周一", "周二", "周三", "周四", "周五", "周六", "周日"),
}


def text(key: str, lang: str = "en", **fields) -> str:
    """The label (or filled-in template) for ``key`` in ``lang``; an unknown key shows as
    its last part, so a new category still reads."""
    if lang not in LANGS:
        raise ValueError(f"lang: {lang!r} is not one of {LANGS}")
    pair = LABELS.get(key)
    if pair is None:
        return key.split(".", 1)[-1].replace("_", " ")
    return pair[LANGS.index(lang)].format(**fields) if fields else pair[LANGS.index(lang)]


def when(hours: float, lang: str = "en") -> str:
    """Simulation time (hours since Monday 00:00 of day 0) as a day, weekday and clock time."""
    d = int(hours // 24)
    minutes = int(round((hours - 24 * d) * 60))
    if minutes >= 24 * 60:
        d, minutes = d + 1, minutes - 24 * 60
    return text("word.day", lang, d=d, wd=WEEKDAYS[lang][d % 7], hh=minutes // 60, mm=minutes % 60)


def duration(hours: float, lang: str = "en") -> str:
    """``hours`` as words in ``lang``: minutes below one hour, hours from one hour up."""
    return text("word.minutes", lang, n=hours * 60) if hours < 1 else text("word.hours", lang, n=hours)
