"""Built-in domain catalogue: incident categories, community types, ladder rungs, labels.

Every number here is a modelling *assumption* used when a scenario file says nothing;
none is a published figure (those live in ``calibration/targets.yaml``). Scenario files
override any entry field by field. That includes each category's ``authority`` (the lowest rung
allowed to decide a minor / general / major case): an assumption, no seed gives it, so a
scenario may declare it uncertain by rung index (``categories.<name>.authority.<severity>``,
e.g. ``scenarios/laocheng.yaml``) for ``gridsim calibrate`` to fit.
"""

from __future__ import annotations

SEVERITIES = ("minor", "general", "major")
"""Severity grades. ``major`` cases are urgent: handled off-shift and may skip levels."""

# Incident categories (DOMAIN.md §3): Jiamusi's six (002) plus safety hazards and
# information / visit tasks. rate = incidents per household per year at multiplier 1.
CATEGORIES: dict[str, dict] = {
    "party_building": dict(  # 党建引领
        label_zh="党建引领",
        rate=0.02,
        severity_mix=(0.8, 0.2, 0.0),
        handling_hours=1.5,
        authority=("community", "community", "community"),
        report_propensity=0.3,
        discoverability=0.02,
        worsen_per_day=0.0,
    ),
    "dispute": dict(  # 矛盾调解
        label_zh="矛盾纠纷调解",
        rate=0.25,
        severity_mix=(0.6, 0.3, 0.1),
        handling_hours=3.0,
        authority=("grid", "community", "street"),
        report_propensity=0.6,
        discoverability=0.02,
        worsen_per_day=0.03,
    ),
    "livelihood": dict(  # 民生服务
        label_zh="民生服务",
        rate=0.35,
        severity_mix=(0.7, 0.25, 0.05),
        handling_hours=1.5,
        authority=("grid", "community", "street"),
        report_propensity=0.8,
        discoverability=0.01,
        worsen_per_day=0.01,
    ),
    "security": dict(  # 治安防控
        label_zh="社会治安",
        rate=0.08,
        severity_mix=(0.5, 0.35, 0.15),
        handling_hours=2.0,
        authority=("grid", "community", "department"),
        report_propensity=0.7,
        discoverability=0.03,
        worsen_per_day=0.02,
    ),
    "urban_property": dict(  # 城市建设与物业
        label_zh="城市建设与物业",
        rate=0.30,
        severity_mix=(0.6, 0.3, 0.1),
        handling_hours=1.0,
        authority=("community", "street", "department"),
        report_propensity=0.7,
        discoverability=0.04,
        worsen_per_day=0.01,
        property_absorbable=True,
    ),
    "enforcement": dict(  # 综合执法
        label_zh="综合执法",
        rate=0.10,
        severity_mix=(0.5, 0.4, 0.1),
        handling_hours=1.5,
        authority=("street", "street", "department"),
        report_propensity=0.5,
        discoverability=0.05,
        worsen_per_day=0.01,
    ),
    "hazard": dict(  # 安全隐患 (flying-lead charging, blocked stairwells; 000)
        label_zh="安全隐患",
        rate=0.15,
        severity_mix=(0.6, 0.3, 0.1),
        handling_hours=1.0,
        authority=("grid", "community", "department"),
        report_propensity=0.3,
        discoverability=0.08,
        worsen_per_day=0.05,
    ),
    "information": dict(  # 信息采集 / 入户走访 (visit tasks; access difficulty applies)
        label_zh="信息采集与走访",
        rate=0.50,
        severity_mix=(1.0, 0.0, 0.0),
        handling_hours=0.5,
        authority=("grid", "grid", "grid"),
        report_propensity=0.1,
        discoverability=0.10,
        worsen_per_day=0.0,
        visit=True,
    ),
}

# Community types (DOMAIN.md §1, seed 004 and 001/002). Multipliers default to 1.
COMMUNITY_TYPES: dict[str, dict] = {
    "old_estate": dict(  # 老旧小区, no property management (004)
        label_zh="老旧小区",
        rural=False,
        rate_multiplier={"dispute": 2.0, "livelihood": 1.6, "hazard": 1.8, "urban_property": 1.5, "security": 1.2},
        access_difficulty=0.10,
        elderly_share=0.45,
        floating_share=0.15,
        property_management=False,
        property_absorbs=0.0,
    ),
    "commodity": dict(  # 商品房小区 with property management
        label_zh="商品房小区",
        rural=False,
        rate_multiplier={},
        access_difficulty=0.20,
        elderly_share=0.20,
        floating_share=0.20,
        property_management=True,
        property_absorbs=0.4,
    ),
    "gated": dict(  # 高档封闭小区: few disputes, hard door-to-door access (004)
        label_zh="高档封闭小区",
        rural=False,
        rate_multiplier={"dispute": 0.5, "livelihood": 0.6, "hazard": 0.5, "urban_property": 0.6, "enforcement": 0.5},
        access_difficulty=0.50,
        elderly_share=0.10,
        floating_share=0.10,
        property_management=True,
        property_absorbs=0.7,
    ),
    "resettlement": dict(  # 安置小区
        label_zh="安置小区",
        rural=False,
        rate_multiplier={"dispute": 1.5, "livelihood": 1.4, "urban_property": 1.3},
        access_difficulty=0.15,
        elderly_share=0.30,
        floating_share=0.25,
        property_management=False,
        property_absorbs=0.0,
    ),
    "rural_village": dict(  # 农村 (002): 50 households a grid
        label_zh="农村村庄",
        rural=True,
        rate_multiplier={"dispute": 1.0, "livelihood": 1.2, "hazard": 1.2, "urban_property": 0.5, "enforcement": 0.6},
        access_difficulty=0.05,
        elderly_share=0.40,
        floating_share=0.05,
        property_management=False,
        property_absorbs=0.0,
    ),
    "commercial": dict(  # 商业区 (001)
        label_zh="商业街区",
        rural=False,
        rate_multiplier={"security": 1.6, "urban_property": 1.5, "enforcement": 2.0, "dispute": 0.8},
        access_difficulty=0.30,
        elderly_share=0.10,
        floating_share=0.40,
        property_management=True,
        property_absorbs=0.3,
    ),
    "dedicated": dict(  # 专属网格: enterprise / school / hospital / mall (002)
        label_zh="专属网格",
        rural=False,
        rate_multiplier={"security": 0.6, "hazard": 1.5, "dispute": 0.6, "livelihood": 0.5},
        access_difficulty=0.40,
        elderly_share=0.05,
        floating_share=0.30,
        property_management=True,
        property_absorbs=0.6,
    ),
}

# The escalation ladder (DOMAIN.md §3): grid → community → street → departments.
LEVELS: list[dict] = [
    dict(
        name="grid",
        label_zh="网格",
        scope="grid",
        discipline="team",
        role="grid_worker",
        p_solve=0.9,
        handling_multiplier=1.0,
        time_limit_hours=48.0,
    ),
    dict(
        name="community",
        label_zh="社区",
        scope="community",
        discipline="team",
        role="community_secretary",
        servers=2,
        p_solve=0.9,
        handling_multiplier=1.5,
        time_limit_hours=72.0,
    ),
    dict(
        name="street",
        label_zh="街道",
        scope="street",
        discipline="team",
        role="command_centre",
        servers=3,
        p_solve=0.95,
        handling_multiplier=2.0,
        time_limit_hours=120.0,
    ),
    dict(
        name="department",
        label_zh="职能部门",
        scope="district",
        discipline="referral",
        role="department",
        p_solve=1.0,
        handling_multiplier=3.0,
        response_hours=72.0,
        whistle_response_hours=12.0,
    ),
]

# Bilingual labels for every state, role, channel and level (one table; 中文 beside English).
LABELS: dict[str, tuple[str, str]] = {
    # workflow states
    "latent": ("latent", "潜伏"),
    "surfaced": ("surfaced", "发现/上报"),
    "accepted": ("accepted (first responder)", "受理（首问负责）"),
    "handling": ("handling", "处置"),
    "escalated": ("escalated", "上报升级"),
    "resolved": ("resolved", "办结"),
    "feedback": ("resident feedback", "群众反馈"),
    "closed": ("closed and signed off", "办结销号"),
    "reopened": ("reopened", "重新办理"),
    "worsened": ("worsened while unseen", "隐患升级"),
    "visit_failed": ("door not opened, visit to repeat", "入户未遇，需再访"),
    "waiting": ("waiting", "等待"),
    # roles
    "grid_worker": ("grid worker", "网格员"),
    "part_time": ("part-time grid worker", "兼职网格员"),
    "political_legal": ("political-legal grid worker", "政法网格员"),
    "informant": ("informant", "信息员"),
    "police": ("beat police", "片警"),
    "grid_leader": ("grid leader", "网格长"),
    "community_secretary": ("community secretary", "社区书记"),
    "command_centre": ("street command centre", "街道指挥中心"),
    "district_centre": ("district command centre", "区指挥中心"),
    "department": ("department", "职能部门"),
    "property_manager": ("property manager", "物业"),
    # channels
    "report": ("resident calls grid worker", "居民直接反映"),
    "hotline": ("12345 hotline dispatch", "12345热线派单"),
    "patrol": ("patrol discovery", "巡查发现"),
    # levels
    "grid": ("grid", "网格"),
    "community": ("community", "社区"),
    "street": ("street", "街道"),
    "district": ("district", "区"),
}
