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
    # severities: the same three grades in both languages (minor 轻微 < general 一般 < major 重大)
    "severity.minor": ("minor", "轻微"),
    "severity.general": ("general", "一般"),
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
    # the model description in the ODD protocol (gridsim describe; Grimm et al. 2020)
    "odd.title": ("Model description (ODD protocol): {name}", "模型描述(ODD协议):{name}"),
    "odd.generated": (
        "Generated by `gridsim describe` from the resolved scenario `{source}`, the scenario schema and the "
        "policy registry: gridsim {version}, seed {seed}, {days} simulated days. Structure after Grimm et al. "
        "(2020), *The ODD protocol for describing agent-based and other simulation models: a second update*.",
        "由 `gridsim describe` 根据解析后的情景 `{source}`、情景模式说明和策略注册表生成:gridsim {version},"
        "随机种子 {seed},模拟 {days} 天。结构依据 Grimm 等(2020)ODD 协议第二次更新。",
    ),
    "odd.1": ("1. Purpose and patterns", "1. 目的与模式"),
    "odd.2": ("2. Entities, state variables and scales", "2. 实体、状态变量与尺度"),
    "odd.3": ("3. Process overview and scheduling", "3. 过程概述与调度"),
    "odd.4": ("4. Design concepts", "4. 设计概念"),
    "odd.5": ("5. Initialisation", "5. 初始化"),
    "odd.6": ("6. Input data", "6. 输入数据"),
    "odd.7": ("7. Submodels", "7. 子模型"),
    "odd.purpose": (
        "The model runs the case workflow of grid-based community governance (网格化社会治理) for one "
        "district, hour by hour, so that researchers, trainers and planners can compare staffing levels, "
        "escalation rules, scoring schemes and police–grid fusion before they are rolled out. Scenario: {description}",
        "本模型逐小时模拟一个区的网格化社会治理事件流程,供研究者、培训者和规划者在推广前比较人员配置、"
        "上报规则、考核方案和网格+警格融合等政策。情景:{description}",
    ),
    "odd.patterns": (
        "Patterns the model is checked against (published figures, `calibration/targets.yaml`):",
        "用于检验模型的模式(公开数据,`calibration/targets.yaml`):",
    ),
    "odd.no_patterns": (
        "No published figures are mapped to this scenario; its outputs are the KPIs of the README.",
        "本情景没有对应的公开数据;输出为 README 所列关键指标。",
    ),
    "odd.entities": (
        "{streets} street(s), {communities} communities, {grids} grids, {households} households. Entities: "
        "households (trust in and awareness of their grid worker, satisfaction); incidents (category, "
        "severity, grid, household, channel, state and every transition time); grid-level workers "
        "({kinds}: hour accounts by activity, effort shares, handling depth, absences, exits); the desks "
        "of each rung of the ladder ({ladder}); beat police ({officers} officer(s) per beat); property "
        "managers; the street's reserve pool.",
        "{streets} 个街道、{communities} 个社区、{grids} 个网格、{households} 户。实体:居民户(对网格员的信任与知晓、"
        "满意度);事件(类别、等级、网格、户、渠道、状态及各环节时间);网格层工作人员({kinds}:分活动工时、"
        "精力分配、处置深度、缺勤、离职);各层级办事台({ladder});片警(每警格 {officers} 人);物业;街道储备人员。",
    ),
    "odd.scales": (
        "Time is continuous (hours since Monday 00:00 of day 0) and event-driven; one model step is one "
        "day; the run lasts {days} days. Space is the hierarchy district → street → community → grid "
        "(a graph), not coordinates.",
        "时间连续(自第0天周一0时起的小时数)、事件驱动;模型一步为一天;共运行 {days} 天。空间为区→街道→社区→网格"
        "的层级图,不使用坐标。",
    ),
    "odd.schedule": (
        "Each day: (1) absences, exits and hiring (turnover); (2) the day's plan of hours (shifts, "
        "overhead, campaigns) and patrols; (3) the day's incidents occur and their surfacing (report, "
        "hotline dispatch, patrol discovery) and acceptance are planned; (4) the event calendar runs every "
        "acceptance, queueing, handling, escalation, resolution, feedback and reopening up to midnight; "
        "(5) at midnight the hour accounts, household visits, the register, risk re-grading, scoring and "
        "the daily record. The ladder:",
        "每天:(1)缺勤、离职与招聘;(2)当天工时安排(班次、额外事务、专项工作)与巡查;(3)当天事件发生,"
        "安排其发现(居民反映、热线派单、巡查发现)与受理;(4)事件日历依次执行受理、排队、处置、上报、办结、"
        "评价与重新办理直至午夜;(5)午夜结算工时、走访、台账、风险重新分级、考核与每日记录。层级:",
    ),
    "odd.rung": (
        "{name} ({scope}): {discipline} — {detail}",
        "{name}({scope}):{discipline} —— {detail}",
    ),
    "odd.concepts": (
        "*Basic principles*: queueing at desks with finite staff, authority by category and severity, "
        "escalation up a ladder. *Emergence*: waits, backlogs, where cases are settled, satisfaction and "
        "turnover arise from the desks' capacity and the rules. *Adaptation*: workers move discretionary "
        "hours toward what is scored (responsiveness κ = {kappa}, adaptation η = {eta}). *Objectives*: a "
        "worker's score under the `{scheme}` scheme. *Sensing*: residents report with a propensity that "
        "rises with trust and awareness. *Interaction*: through cases passed between desks, joint "
        "visits with police{fusion}. *Stochasticity*: every random draw comes from the seed through "
        "numpy `SeedSequence` streams, one per purpose ({streams}); what an incident *is* is drawn from "
        "streams no policy touches, so two policies run with one seed see the same incidents (common "
        "random numbers). *Collectives*: grid teams ({pool} grid(s) per team), desks per rung. "
        "*Observation*: incidents, transitions, daily record, worker hours, scores, grids (README).",
        "*基本原理*:有限人员的办事台排队、按类别和等级的处置权限、逐级上报。*涌现*:等待、积压、办结层级、"
        "满意度和人员流失由办事台能力与规则共同产生。*适应*:网格员将可支配工时向考核指标倾斜(响应度 κ = {kappa},"
        "调整速度 η = {eta})。*目标*:`{scheme}` 考核方案下的得分。*感知*:居民反映问题的倾向随信任与知晓上升。"
        "*交互*:通过在办事台之间移交的事件,以及与警察的联合走访{fusion}。*随机性*:全部随机数由随机种子经 numpy "
        "`SeedSequence` 按用途分流产生({streams});事件本身的属性来自任何政策都不触及的随机流,因此同一种子下"
        "不同政策面对相同事件(共同随机数)。*集体*:网格组(每组 {pool} 个网格)、各层级办事台。*观测*:事件、"
        "状态转换、每日记录、工时、考核、网格(见 README)。",
    ),
    "odd.fusion_on": (" (police–grid fusion on: police take {cats})", "(网格+警格融合:警察承担 {cats})"),
    "odd.fusion_off": (" (police–grid fusion off)", "(未实行网格+警格融合)"),
    "odd.init": (
        "The world is built from the scenario without randomness but a fixed layout stream; the "
        "staffing plan fills every post at day 0 ({full_time} full-time, {part_time} part-time, "
        "{volunteers} volunteer(s) per grid by default{by_type}); every household starts with the "
        "scenario's trust and awareness; the event calendar and all queues start empty. Seed {seed}; "
        "random streams: {streams}.",
        "世界按情景构建,仅使用固定的布局随机流;第0天按人员配置填满全部岗位(默认每网格专职 {full_time} 人、兼职 "
        "{part_time} 人、志愿者 {volunteers} 人{by_type});每户以情景给定的信任与知晓开始;事件日历和所有队列为空。"
        "随机种子 {seed};随机流:{streams}。",
    ),
    "odd.input": (
        "No external time series drive the run. Arrival rates per household-year by category and "
        "community type, hour-of-day and seasonal profiles ({campaigns} scheduled campaign(s)) come "
        "from the scenario and the built-in catalogue, where each number carries its source or is "
        "labelled an assumption. Uncertain parameters and their priors:",
        "运行不使用外部时间序列。各类别、各小区类型每户每年的发生率,以及分时段和季节曲线({campaigns} 项专项工作)"
        "来自情景与内置目录,其中每个数字均注明来源或标为假设。不确定参数及其先验:",
    ),
    "odd.no_priors": ("(none declared)", "(未声明)"),
    "odd.submodels": (
        "Each policy is a class registered by name; the scenario chose:",
        "每项政策为按名称注册的类;本情景选用:",
    ),
    "odd.parameters": ("Parameters of `{section}`", "`{section}` 参数"),
    "odd.col.parameter": ("parameter", "参数"),
    "odd.col.value": ("value", "取值"),
    "odd.col.meaning": ("meaning (unit)", "含义(单位)"),
    "odd.col.policy": ("policy kind", "政策类型"),
    "odd.col.name": ("chosen", "选用"),
    "odd.col.what": ("what it does", "作用"),
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
    "level.district": ("district", "区"),
    "level.direct_line": ("secretary's direct line", "书记直通车"),
    # the trainer's page (gridsim viz): controls
    "viz.title": ("gridsim — the trainer's view", "网格化治理推演 — 培训演示"),
    "viz.lang": ("language", "语言"),
    "viz.levers": ("Levers", "调控参数"),
    "viz.reset": ("RESET: rebuild with these levers", "重置:按当前参数重建"),
    "viz.pending": ("changed levers take effect when you press RESET", "参数已改动,按“重置”后生效"),
    "viz.applied": ("the model runs with these levers", "模型正按以上参数运行"),
    "viz.step_hour": ("+1 hour", "前进1小时"),
    "viz.step_day": ("+1 day", "前进1天"),
    "viz.play": ("▶ play", "▶ 播放"),
    "viz.pause": ("⏸ pause", "⏸ 暂停"),
    "viz.play_by": ("play by", "播放步长"),
    "viz.unit.day": ("day", "天"),
    "viz.unit.hour": ("hour", "小时"),
    "viz.now": ("{when}", "{when}"),
    "viz.day": ("day {d} {wd} {hh:02d}:{mm:02d}", "第{d}天 {wd} {hh:02d}:{mm:02d}"),
    "viz.model_line": (
        "{workers} grid-level workers hired · {incidents} incidents so far · {open} open",
        "网格层已聘工作人员{workers}人 · 累计事件{incidents}件 · 在办{open}件",
    ),
    "viz.render_time": (
        "last step: {s:.2f} s on the server (model {step:.2f} s, drawing {draw:.2f} s)",
        "本步服务器用时{s:.2f}秒(推演{step:.2f}秒,绘图{draw:.2f}秒)",
    ),
    "viz.colour_by": ("colour grids by", "网格着色"),
    "viz.colour.backlog": ("open cases", "在办案件"),
    "viz.colour.risk": ("risk grade", "风险等级"),
    "viz.on": ("on", "开"),
    "viz.off": ("off", "关"),
    # levers
    "lever.full_time": ("full-time grid workers per grid", "每格专职网格员"),
    "lever.fusion": ("police–grid fusion (网格+警格)", "网格+警格融合"),
    "lever.scheme": ("scoring scheme", "考核方式"),
    "lever.time_limit": ("grid time limit before escalation (h)", "网格办理时限(小时,超时上报)"),
    "lever.escalation": ("escalation policy", "上报规则"),
    "lever.whistle": ("street whistle, departments report (吹哨报到)", "街道吹哨、部门报到"),
    "lever.platforms": ("platforms to log into daily", "每日需登录的平台数"),
    "lever.refill": ("refilling vacancies (补员)", "缺员补充方式"),
    "lever.seed": ("random seed", "随机种子"),
    "escalation.stepwise": ("step by step", "逐级上报"),
    "escalation.skip_major": ("major cases go straight to the street", "重大事件直报街道"),
    "escalation.direct_dispatch": ("dispatched straight to the deciding level", "直接派至有权处理的层级"),
    "refill.wait": ("wait for recruitment", "等待招录"),
    "refill.borrow": ("borrow from a neighbouring grid", "邻近网格借调"),
    "refill.reserve": ("from the reserve pool", "储备人员补位"),
    "scheme.uniform": ("one yardstick for all (一把尺)", "统一标准(一把尺)"),
    "scheme.per_type": ("per community type", "分类考核"),
    "scheme.outcome_adjusted": ("adjusted for outcomes", "按成效校正"),
    # the map
    "map.title": ("{name} — {when} — {n} grids", "{name} — {when} — 共{n}个网格"),
    "map.grid": ("grid", "网格"),
    "map.community": ("community", "社区"),
    "map.street": ("street", "街道"),
    "map.departments": ("district departments", "区职能部门"),
    "map.open_cases": ("open cases in the grid", "网格在办案件"),
    "map.none": ("none", "无"),
    "map.risk.0": ("green (low risk): {n} grids", "绿色(低风险):{n}个网格"),
    "map.risk.1": ("yellow (watch): {n} grids", "黄色(关注):{n}个网格"),
    "map.risk.2": ("red (high risk): {n} grids", "红色(高风险):{n}个网格"),
    "map.busy_worker": ("grid worker on a case: {n}", "网格员处置中:{n}人"),
    "map.busy_police": ("beat police on a case: {n}", "片警处置中:{n}人"),
    "map.tip": (
        "{grid} · community {community} · {street} · {open} open cases",
        "{grid}网格 · {community}社区 · {street} · 在办{open}件",
    ),
    "map.street_name": ("street {n}", "街道{n}"),
    "map.follow_here": ("the case is here", "案件在此"),
    # daily plots
    "kpi.closure_rate": ("closure rate, cumulative", "累计办结率"),
    "kpi.backlog": ("open: accepted (blue) / reported, not accepted (orange)", "在办案件(蓝)/已上报未受理(橙)"),
    "kpi.response_hours": ("wait before handling (h)", "处置前等待(小时)"),
    "kpi.satisfied_share": ("residents satisfied", "居民满意率"),
    "kpi.day": ("day", "天"),
    "kpi.title": ("daily results — {n} day(s) simulated", "每日指标 — 已推演{n}天"),
    # follow one case (跟踪一个案件)
    "follow.title": ("Follow one case", "跟踪一个案件"),
    "follow.pick": ("pick a case that went up the ladder", "选一个逐级上报的案件"),
    "follow.grid": ("grid", "网格"),
    "follow.case": ("case", "案件"),
    "follow.choose_grid": ("choose a grid", "选择网格"),
    "follow.option": ("#{id} {category} ({severity}), {state}", "#{id} {category}({severity}),{state}"),
    "follow.next": ("next hour ▶", "下一小时 ▶"),
    "follow.back": ("◀ previous hour", "◀ 上一小时"),
    "follow.restart": ("from the start (08:00)", "从头开始(08:00)"),
    "follow.play": ("▶ play the case", "▶ 播放案件"),
    "follow.stop": ("stop following", "停止跟踪"),
    "follow.skip_night": ("skip empty nights and weekends", "跳过夜间和周末的空闲时段"),
    "follow.none": (
        "no case has gone up a level yet: step a few days first",
        "暂无逐级上报的案件:请先推演几天",
    ),
    "follow.heading": (
        "{incident}: {category} ({severity}), grid {grid}",
        "{incident}:{category}({severity}),{grid}网格",
    ),
    "follow.not_yet": ("the case has not arisen yet", "案件尚未发生"),
    "follow.holder": ("now with: {who}, {level} level", "当前承办:{level} {who}"),
    "follow.desk": ("now at: the {level} desk", "当前所在:{level}"),
    "follow.unseen": ("nobody official knows of it yet", "尚无人知晓"),
    "follow.done": ("closed (办结销号)", "已办结销号"),
    "follow.escalated": ("escalated from the {src} level to the {dst} level: {why}", "由{src}上报至{dst}:{why}"),
    "why.authority": ("the {src} level has no authority over a {severity} case", "{src}无权处理{severity}事件"),
    "why.time_limit": ("its time limit of {hours} ran out", "超过办理时限{hours}"),
    "why.failed": ("the {src} level could not settle it", "{src}未能解决"),
    "why.visits": ("nobody was home after repeated visits", "多次入户未遇"),
    "why.policy": ("the escalation policy sends it higher", "按上报规则直接上报"),
    "legend.title": ("What the map shows", "图例"),
    "legend.states": (
        "A case moves: arises unseen → reported / dispatched (派单) / found on patrol → accepted → "
        "waits → handled → escalated when the level lacks authority, its time limit runs out or "
        "it fails → resolved → the resident judges → closed (办结销号) or reopened.",
        "案件流程:发生(未发现)→ 居民反映 / 12345派单 / 巡查发现 → 受理 → 排队 → 处置 → "
        "无权处理、超过时限或未能解决时上报 → 解决 → 居民评价 → 办结销号或重新办理。",
    ),
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
