"""Domain labels in English and Chinese (中英文标签), from one table.

Everything a trainer shows — states, roles, channels, levels, severities, outcomes, the
words of an incident's story — is looked up here by key, so the two languages never drift
apart. Categories, community types and levels also carry the Chinese name given in the
scenario (``label_zh``), which wins over this table.
"""

from __future__ import annotations

from datetime import date, timedelta

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
    "word.day_date": ("day {d} {wd} {date} {hh:02d}:{mm:02d}", "第{d}天 {date} {wd} {hh:02d}:{mm:02d}"),
    "word.date": ("{y}-{m:02d}-{dd:02d}", "{y}年{m}月{dd}日"),
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
    # levers of experiment files, by their dotted scenario path: a policy generated from a
    # ``levers:`` grid is shown by these (sim.studies.policy_names)
    "lever.scoring.workers_respond": ("workers respond to scores", "网格员回应考核"),
    "lever.scoring.scheme": ("scoring scheme", "考核方案"),
    "lever.escalation.policy": ("escalation policy", "上报规则"),
    "policy.setting": ("{lever}: {value}", "{lever}:{value}"),
    "word.yes": ("yes", "是"),
    "word.no": ("no", "否"),
    "escalation.stepwise": ("step by step", "逐级上报"),
    "escalation.skip_major": ("major cases go straight to the street", "重大事件直报街道"),
    "escalation.direct_dispatch": ("dispatched straight to the deciding level", "直接派至有权处理的层级"),
    "refill.wait": ("wait for recruitment", "等待招录"),
    "refill.borrow": ("borrow from a neighbouring grid", "邻近网格借调"),
    "refill.reserve": ("from the reserve pool", "储备人员补位"),
    "scheme.uniform": ("one yardstick for all (一把尺)", "统一标准(一把尺)"),
    "scheme.per_type": ("per community type", "分类考核"),
    "scheme.outcome_adjusted": ("adjusted for outcomes", "按成效校正"),
    "scheme.per_type_records": ("per community type, targets from past records", "分类考核(按往期台账定目标)"),
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
    "scenario.baseline": ("baseline: one street, six communities", "基准示例:一个街道、六个社区"),
    "scenario.jianye": ("Jianye district, Nanjing", "南京市建邺区"),
    "scenario.xuanwu": ("Xuanwu district, Nanjing", "南京市玄武区"),
    "scenario.laocheng": ("Laocheng street, Zunyi", "遵义市老城街道"),
    "scenario.yanjiang": ("Yanjiang street, Nanjing", "南京市沿江街道"),
    "scenario.jiamusi": ("Jiamusi city", "佳木斯市"),
    "scenario.scoring_two_types": ("old estates beside gated estates", "老旧小区与封闭小区"),
    "map.click_hint": (
        "Click a grid on the map to follow one of its cases.",
        "点击地图上的网格,即可选它的案件来跟踪。",
    ),
    # daily plots
    "kpi.closure_rate": ("closure rate, cumulative", "累计办结率"),
    "kpi.backlog": ("open (blue), not accepted (orange)", "在办案件(蓝)/已上报未受理(橙)"),
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
    # the sweep report (gridsim report): KPI names, units, headline sentences
    "metric.closure_rate": ("closure rate", "办结率"),
    "metric.satisfaction": ("resident satisfaction", "居民满意率"),
    "metric.resolution_hours_p50": ("median resolution time", "办结时长(中位数)"),
    "metric.resolution_hours_p90": ("90th-percentile resolution time", "办结时长(90分位)"),
    "metric.response_hours_p50": ("median response time", "响应时长(中位数)"),
    "metric.response_hours_p90": ("90th-percentile response time", "响应时长(90分位)"),
    "metric.wait_hours_mean": ("mean wait before handling", "处置前平均等待"),
    "metric.escalation_rate": ("escalation rate", "上报率"),
    "metric.reopen_rate": ("reopen rate", "重办率"),
    "metric.latent_share": ("share never surfaced", "未发现比例"),
    "metric.worker_utilization": ("worker utilisation", "网格员工作负荷率"),
    "metric.worker_overtime_hours_mean": ("overtime per worker (h/yr)", "人均加班(小时/年)"),
    "metric.vacancy_days": ("vacant post-days", "空岗天数"),
    "metric.absence_days": ("absence days", "缺勤天数"),
    "metric.attrition_count": ("workers who left", "离职人数"),
    "metric.score_validity": ("score validity", "考核效度"),
    "metric.score_validity_within_type": ("score validity within a community type", "同类社区内考核效度"),
    "metric.latent_harm_days": ("harm-days while unseen", "未发现期间损害天数"),
    "metric.open_harm_days": ("harm-days while open", "在办期间损害天数"),
    "metric.cost_person_years": ("cost (person-years)", "人力成本(人年)"),
    "metric.incidents_created": ("incidents", "事件数"),
    "metric.incidents_closed": ("incidents closed", "办结事件数"),
    "metric.resolved_at_level": ("share resolved at {level} level", "在{level}层级解决的比例"),
    "fmt.points": ("{v} points", "{v}个百分点"),
    "fmt.hours": ("{v} h", "{v}小时"),
    "fmt.points_axis": ("points", "百分点"),
    "fmt.hours_axis": ("h", "小时"),
    "fmt.of": ("{v} of {n}", "{v}/{n}"),
    "fmt.interval": ("95 % interval {lo} to {hi}", "95%区间{lo}至{hi}"),
    "verdict.better": ("better", "更好"),
    "verdict.worse": ("worse", "更差"),
    "verdict.higher": ("higher", "更高"),
    "verdict.lower": ("lower", "更低"),
    "verdict.material": ("clear and material", "差异明确且有实际意义"),
    "verdict.negligible": ("clear but negligible", "差异明确但微小"),
    "verdict.unclear": ("no clear difference", "无明确差异"),
    "headline.title": ("Headline findings", "主要结论"),
    "headline.lead": ("“{policy}” against “{reference}”", "“{policy}”与“{reference}”相比"),
    "headline.material": ("{kpi} {diff} ({interval}), {direction}", "{kpi}{diff}({interval}),{direction}"),
    "headline.no_material": ("differs materially in no KPI", "各项指标均无实质差异"),
    "headline.negligible": ("clear but below the practical threshold: {kpis}", "差异明确但低于实际意义阈值:{kpis}"),
    "headline.unclear": ("no clear difference: {kpis}", "无明确差异:{kpis}"),
    "headline.thresholds": (
        "Material means the mean paired difference is at least the practical threshold ({items}); "
        "clear means its 95 % interval excludes zero.",
        "“有实际意义”指配对差均值不小于实际意义阈值({items});“明确”指其95%区间不含零。",
    ),
    "report.policies": ("Policies", "方案"),
    "report.policy": ("policy", "方案"),
    "report.settings": ("settings", "设置"),
    "report.base": ("(base scenario)", "(基准情景)"),
    "report.kpis": ("KPIs per policy", "各方案指标"),
    "report.kpis_note": (
        "Mean over all runs [95 % interval of the mean], each run read after its warm-up (see “Warm-up and "
        "steady state”).",
        "所有运行的均值[均值的95%区间],每次运行均取预热期之后(见“预热期与稳态”)。",
    ),
    "report.differences": ("Differences from {reference}", "与{reference}的差异"),
    "report.differences_note": (
        "Each run of a policy is paired with the reference run that saw the same incidents (same seed and "
        "sample); the interval is for the mean of those paired differences. Green or red only where the "
        "difference is clear and material (its interval excludes zero and its size reaches the practical "
        "threshold): green better, red worse; grey otherwise.",
        "每次运行与看到相同事件(相同随机种子和样本)的参照方案运行配对;区间为配对差均值的95%区间。"
        "仅当差异明确且有实际意义(区间不含零且幅度达到实际意义阈值)时着色:绿色更好,红色更差;其余为灰色。",
    ),
    "report.kpi": ("KPI", "指标"),
    "report.difference": ("difference", "差异"),
    "report.interval": ("95 % interval", "95%区间"),
    "report.threshold": ("practical threshold", "实际意义阈值"),
    "report.pairs": ("pairs", "配对数"),
    "report.verdict": ("verdict", "结论"),
    "report.behaviour": ("behaviour", "行为设置"),
    "report.vs": ("vs", "对照"),
    "report.strata": ("Measurement and behaviour, separated", "测量与行为分开看"),
    "report.strata_note": (
        "Each scheme against the reference scheme with the same behaviour setting: with “workers respond to "
        "scores: yes”, workers respond to their scores (effort, gaming, fairness); with “no”, the scheme only "
        "measures and residents' outcomes cannot differ (docs/behaviour.md §4–5).",
        "每种考核方案与相同行为设置下的参照方案比较:“网格员回应考核:是”时网格员对得分作出反应"
        "(努力、做表面文章、公平感);“否”时考核只起测量作用,居民结果不会不同(docs/behaviour.md §4–5)。",
    ),
    "report.runs": (
        "Scenario {scenario}, {days} simulated days per run; {policies} policies × {samples} uncertainty "
        "sample(s) × {reps} replications (seeds {first}…{last}, the same for every policy: common random "
        "numbers). Runs finished: {done}; failed: {error}; pending: {pending}. Reference policy: {reference}.",
        "情景 {scenario},每次运行推演{days}天;{policies}个方案 × {samples}个不确定性样本 × {reps}次重复"
        "(随机种子{first}…{last},各方案相同:共同随机数)。已完成{done}次,失败{error}次,待运行{pending}次。"
        "参照方案:{reference}。",
    ),
    "report.uncertain": (
        "Uncertain inputs, sampled by Latin hypercube: {items}.",
        "不确定输入(拉丁超立方抽样):{items}。",
    ),
    "report.distributions": ("Across replications", "各次重复的分布"),
    "report.distributions_fig": (
        "Distribution across replications (each dot one run)",
        "各次重复的分布(每点为一次运行)",
    ),
    "report.series": ("Over the simulated period", "推演期间的变化"),
    "report.series_fig": (
        "Daily series: mean over runs, band = middle 90 % of runs",
        "每日序列:各运行均值,阴影为中间90%的运行",
    ),
    "report.backlog": ("open cases at end of day (backlog), 7-day mean", "日终在办案件(积压),7日均值"),
    "report.satisfied_share": ("share of feedback satisfied, 14-day mean", "满意评价比例,14日均值"),
    "report.trust": ("residents' mean satisfaction (trust state)", "居民平均满意度(信任状态)"),
    "report.day": ("day", "天"),
    "report.funnel": ("Where cases were resolved", "案件在哪一层级解决"),
    "report.funnel_fig": (
        "Where cases were resolved: grid → community → street → department",
        "案件解决层级:网格 → 社区 → 街道 → 职能部门",
    ),
    "report.share_resolved": ("share of resolved cases", "占已解决案件比例"),
    "report.level": ("level", "层级"),
    "report.uncertainty": ("Under which assumptions does it help?", "在哪些假设下有效?"),
    "report.uncertainty_note": (
        "Each dot is one Latin-hypercube point of the uncertain inputs: the policy's difference from the "
        "reference there, against each input. A trend means the effect depends on that assumption.",
        "每点为不确定输入的一个拉丁超立方样本点:该处方案与参照方案的差异,对应各输入。若有趋势,说明效果取决于该假设。",
    ),
    "report.uncertainty_fig": (
        "Difference from {reference} at each sampled point (mean over replications)",
        "各样本点与{reference}的差异(各次重复的均值)",
    ),
    "report.scores": ("Is the score measuring the work?", "考核得分是否反映了真实工作?"),
    "report.scores_note": (
        "A valid scheme ranks workers by the true value of their work (harm-days averted for residents per "
        "duty hour, docs/behaviour.md §5); a gap between the colours at equal true value is the unfairness "
        "of one yardstick across community types. Each dot is one worker-period of the first run.",
        "有效的考核按工作的真实价值(每值班小时为居民避免的损害天数,docs/behaviour.md §5)给网格员排序;"
        "真实价值相同而颜色之间存在差距,就是“一把尺”在不同社区类型间的不公平。每点为首次运行中一名网格员的一个考核期。",
    ),
    "report.scores_fig": ("Score vs true value by community type", "按社区类型:得分与真实价值"),
    "report.true_value": ("true value of the work (not seen by the scheme)", "工作的真实价值(考核看不到)"),
    "report.score": ("score", "得分"),
    "report.validity": ("validity {v}", "效度 {v}"),
    "report.community_type": ("community type", "社区类型"),
    "report.forest_fig": (
        "Paired differences from the reference (same seeds): mean, 95 % interval; shaded: below the threshold",
        "与参照方案的配对差异(相同种子):均值与95%区间;阴影为实际意义阈值以内",
    ),
    "report.diff_vs": ("difference vs {reference}", "与{reference}之差"),
    "report.better_right": ("better →", "更好 →"),
    "report.better_left": ("← better", "← 更好"),
    "report.footer": (
        "Written by gridsim report from {root}; figures also in {figdir}/.",
        "由 gridsim report 根据 {root} 生成;图片另存于 {figdir}/。",
    ),
    "xlsx.summary": ("Summary", "汇总"),
    "xlsx.runs": ("Runs", "各次运行"),
    "xlsx.differences": ("Differences", "差异"),
    "xlsx.daily": ("Daily", "每日"),
    "xlsx.key": ("key", "代码"),
    "xlsx.policy_key": ("policy code name", "方案代码"),
    "xlsx.value": ("value", "数值"),
    "xlsx.mean": ("mean", "均值"),
    "xlsx.low": ("95 % low", "95%下限"),
    "xlsx.high": ("95 % high", "95%上限"),
    "xlsx.n_runs": ("runs", "运行次数"),
    "xlsx.sample": ("sample", "样本"),
    "xlsx.rep": ("replication", "重复"),
    "xlsx.seed": ("seed", "随机种子"),
    "xlsx.warmup_days": ("warm-up (days) before its KPIs", "指标前的预热期(天)"),
    "xlsx.reference": ("reference", "参照方案"),
    "xlsx.class": ("class", "类别"),
    "xlsx.target": ("target", "目标"),
    "xlsx.quantity": ("quantity", "指标"),
    "xlsx.published": ("published", "公开数值"),
    "xlsx.observed": ("observed", "实际观测"),
    "xlsx.tolerance": ("tolerance", "容差"),
    "xlsx.passed": ("passed", "通过"),
    "xlsx.holdout": ("held out", "留出验证"),
    "xlsx.reps": ("replications", "重复次数"),
    "xlsx.source": ("source", "来源"),
    "xlsx.check": ("Check", "校验"),
    "xlsx.evaluations": ("Evaluations", "候选评估"),
    "xlsx.planner": ("Planner", "编制测算"),
    "xlsx.group": ("community type / district", "社区类型/全区"),
    "xlsx.grids": ("grids", "网格数"),
    "xlsx.today": ("headcount today", "现有人数"),
    "xlsx.answer": ("headcount needed", "测算人数"),
    "xlsx.change": ("change", "增减"),
    "xlsx.cost_today": ("cost today (person-years a year)", "现有成本(人年/年)"),
    "xlsx.cost_answer": ("cost needed (person-years a year)", "测算成本(人年/年)"),
    "report.warmup": ("Warm-up and steady state", "预热期与稳态"),
    "report.warmup_note": (
        "Runs start empty. Each run's warm-up is detected on its daily series by MSER-5 (White 1997; Hoad, "
        "Robinson & Davies 2010){declared}; the Mann–Kendall trend test on 5-day means after it flags a series "
        "that has not settled (p < 0.01). Means over the whole run and after the warm-up show how much "
        "averaging over the warm-up would have changed a KPI read from the series.",
        "推演从空状态开始。每次运行的预热期由其每日序列按MSER-5方法识别"
        "(White 1997;Hoad、Robinson、Davies 2010){declared};"
        "对预热期后的5日均值做Mann–Kendall趋势检验,p < 0.01 即标记为未达稳态。全程均值与预热期后均值的对比显示"
        "若把预热期计入平均,由该序列得出的指标会有多大变化。",
    ),
    "report.kpi_warmup": (
        "The KPIs above are read after each run's warm-up ({rule}): median {median} days (range {lo}–{hi}). "
        "Service KPIs cover the incidents that surfaced after it, scores the periods that began after it; "
        "totals (counts, harm-days, exits, cost, vacancy, overtime) are scaled to the run's full length.",
        "上文各指标均取自每次运行预热期之后({rule}):中位数{median}天(范围{lo}–{hi}天)。"
        "服务类指标只计预热期后发现的事件,考核指标只计预热期后开始的考核周期;"
        "总量(件数、受损天数、离职、成本、空岗、加班)按运行全长折算。",
    ),
    "report.kpi_warmup_none": (
        "The KPIs above are over the whole run (runs summarised before KPIs were read after a warm-up).",
        "上文各指标为全程数值(这些运行在按预热期截取指标之前汇总)。",
    ),
    "report.stress_warmup": (
        "KPIs read after each run's warm-up, {rule}: median {median} days (range {lo}–{hi})",
        "指标取自每次运行预热期之后,{rule}:中位数{median}天(范围{lo}–{hi}天)",
    ),
    "report.warmup_rule_declared": ("warmup_days = {n}, set by the experiment", "实验设定 warmup_days = {n}"),
    "report.warmup_rule_detected": (
        "detected per run by MSER-5 on its daily backlog",
        "每次运行按其每日积压以MSER-5识别",
    ),
    "report.warmup_declared": ("; the experiment sets warmup_days = {n}", ";实验设定 warmup_days = {n}"),
    "report.series_name": ("series", "序列"),
    "report.warmup_days": ("warm-up (days), median [range]", "预热期(天),中位数[范围]"),
    "report.not_settled": ("runs not settled", "未达稳态的运行"),
    "report.mean_all": ("mean, whole run", "全程均值"),
    "report.mean_after": ("mean after warm-up", "预热期后均值"),
    "report.flagged": (
        "Not in steady state: {items}. Read their KPIs as averages over a changing system, not steady-state values.",
        "未达稳态:{items}。这些运行的指标是变化中系统的平均值,而非稳态值。",
    ),
    "report.stress": ("Reporting checklist (STRESS-ABS)", "报告清单(STRESS-ABS)"),
    "report.stress_items": (
        "Warm-up: {warmup}. Run length: {days} simulated days. Replications: {reps} per policy and sample "
        "({runs} runs finished). Versions: gridsim {version}; experiment file {experiment}. Seeds: {first}…{last}, "
        "common to every policy (common random numbers).",
        "预热期:{warmup}。运行长度:每次推演{days}天。重复次数:每个方案和样本{reps}次(已完成{runs}次)。"
        "版本:gridsim {version};实验文件 {experiment}。随机种子:{first}…{last},各方案相同(共同随机数)。",
    ),
    "daily.backlog": ("backlog (open cases)", "积压(在办案件)"),
    "daily.satisfaction": ("residents' satisfaction", "居民满意度"),
    "daily.vacant_posts": ("vacant posts", "空岗数"),
    "word.and": (", ", "、"),
    "word.sentence_end": (".", "。"),
    "word.clause": ("; ", ";"),
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


def when(hours: float, lang: str = "en", start: date | None = None) -> str:
    """Simulation time (hours since the run's first Monday 00:00) as the room reads it: days
    counted from day 1 (第1天), weekday, clock time, and the calendar date when the scenario
    has a ``start_date`` (the date of day 1)."""
    d = int(hours // 24)
    minutes = int(round((hours - 24 * d) * 60))
    if minutes >= 24 * 60:
        d, minutes = d + 1, minutes - 24 * 60
    fields = {"d": d + 1, "wd": WEEKDAYS[lang][d % 7], "hh": minutes // 60, "mm": minutes % 60}
    if start is None:
        return text("word.day", lang, **fields)
    day = start + timedelta(days=d)
    return text("word.day_date", lang, date=text("word.date", lang, y=day.year, m=day.month, dd=day.day), **fields)


def duration(hours: float, lang: str = "en") -> str:
    """``hours`` as words in ``lang``: minutes below one hour, hours from one hour up."""
    return text("word.minutes", lang, n=hours * 60) if hours < 1 else text("word.hours", lang, n=hours)
