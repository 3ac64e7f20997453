"""The model description of a scenario in the ODD protocol (Overview, Design concepts, Details).

:func:`describe` writes the seven elements of Grimm et al. (2020) — purpose and patterns;
entities, state variables and scales; process overview and scheduling; design concepts;
initialisation; input data; submodels — in English or Chinese, from the resolved scenario, the
schema's field descriptions and the policy registry, with the seed, the random streams and the
version: what a policy researcher attaches to a paper, and what shows a reviewer exactly which
assumptions a run made. Every fixed sentence lives in the label table (``odd.*``).
"""

from __future__ import annotations

import inspect
from pathlib import Path

from pydantic import BaseModel

from sim import __version__
from sim.core.streams import STREAMS
from sim.scenario import policy_table
from sim.scenario.labels import text
from sim.scenario.schema import Scenario, described

ROOT = Path(__file__).resolve().parents[2]
TARGETS = ROOT / "calibration" / "targets.yaml"


def _doc(cls: type) -> str:
    """The first line of a class's docstring (what the policy does)."""
    return (inspect.getdoc(cls) or "").strip().splitlines()[0] if inspect.getdoc(cls) else ""


def _value(v) -> str:
    if isinstance(v, BaseModel):
        v = v.model_dump(mode="json")
    if isinstance(v, float):
        return f"{v:g}"
    s = str(v)
    return s if len(s) <= 80 else s[:77] + "…"


def _rows(model: BaseModel, prefix: str, lang: str = "en") -> list[tuple[str, str, str]]:
    """(dotted parameter, value, description in ``lang``) of every field of ``model``, nested models opened."""
    out = []
    for name, field in type(model).model_fields.items():
        v = getattr(model, name)
        path = f"{prefix}.{name}" if prefix else name
        if isinstance(v, BaseModel):
            out += _rows(v, path, lang)
        elif isinstance(v, dict) and v and all(isinstance(x, BaseModel) for x in v.values()):
            for key, sub in v.items():
                out += _rows(sub, f"{path}.{key}", lang)
        elif isinstance(v, list) and v and all(isinstance(x, BaseModel) for x in v):
            for k, sub in enumerate(v):
                out += _rows(sub, f"{path}.{getattr(sub, 'name', k)}", lang)
        else:
            out.append((path, _value(v), described(field, lang).replace("|", "/")))
    return out


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return lines


def _patterns(sc: Scenario, lang: str) -> list[str]:
    from sim.studies.targets import load_targets

    mine = [t for t in load_targets(TARGETS) if t.scenario == sc.name] if TARGETS.exists() else []
    if not mine:
        return [text("odd.no_patterns", lang)]
    lines = [text("odd.patterns", lang), ""]
    for t in mine:
        held = " (held out)" if t.holdout else ""
        lines.append(f"- `{t.name}`: `{t.quantity}` = {t.value:g} ± {t.tolerance:g}{held} — {t.source}")
    return lines


def describe(sc: Scenario, lang: str = "en", source: str = "") -> str:
    """The ODD description of scenario ``sc`` in ``lang`` (``en`` or ``zh``), as Markdown."""
    from sim.world.district import build_world

    world = build_world(sc)
    streams = ", ".join(f"`{s}`" for s in STREAMS)
    ladder = " → ".join(f"{lv.name} ({lv.discipline})" for lv in sc.levels)
    st = sc.staffing
    kinds = ", ".join(k for k in ("full_time", "part_time", "political_legal", "volunteers") if getattr(st, k, 0))
    fusion = (
        text("odd.fusion_on", lang, cats=", ".join(sc.police.categories) or "—")
        if sc.police.fusion
        else text("odd.fusion_off", lang)
    )
    out = [f"# {text('odd.title', lang, name=sc.name)}", ""]
    out += [
        text("odd.generated", lang, source=source or sc.name, version=__version__, seed=sc.seed, days=sc.days),
        "",
    ]
    # 1. purpose and patterns
    out += [f"## {text('odd.1', lang)}", "", text("odd.purpose", lang, description=sc.description or "—"), ""]
    out += [*_patterns(sc, lang), ""]
    # 2. entities, state variables and scales
    out += [
        f"## {text('odd.2', lang)}",
        "",
        text(
            "odd.entities",
            lang,
            streets=world.n_streets,
            communities=world.n_communities,
            grids=world.n_grids,
            households=f"{world.n_households:,}",
            kinds=kinds or "full_time",
            ladder=ladder,
            officers=sc.police.officers_per_beat,
        ),
        "",
        text("odd.scales", lang, days=sc.days),
        "",
    ]
    # 3. process overview and scheduling
    out += [f"## {text('odd.3', lang)}", "", text("odd.schedule", lang), ""]
    for k, lv in enumerate(sc.levels):
        detail = [f"p_solve {lv.p_solve:g}", f"×{lv.handling_multiplier:g} handling"]
        if lv.discipline == "team":
            detail.append(f"{lv.servers if k else 'grid team'} server(s)")
        if lv.time_limit_hours is not None and k < len(sc.levels) - 1:
            detail.append(f"time limit {lv.time_limit_hours:g} h → passed up")
        if lv.discipline == "referral":
            detail.append(f"response {lv.response_hours:g} h")
            if sc.escalation.whistle and lv.whistle_response_hours is not None:
                detail.append(f"whistle {lv.whistle_response_hours:g} h ({sc.escalation.whistle_scope})")
            detail.append(f"capacity {lv.referral_capacity or '∞'}")
        if lv.discipline == "meeting":
            detail.append(f"weekday {lv.meeting_weekday}, {lv.meeting_hour:g} h")
        out.append(
            "- "
            + text(
                "odd.rung",
                lang,
                name=lv.label_zh if lang == "zh" and lv.label_zh else lv.name,
                scope=text(f"level.{lv.scope}", lang),
                discipline=lv.discipline,
                detail=", ".join(detail),
            )
        )
    out.append("")
    # 4. design concepts
    ef = sc.effort
    out += [
        f"## {text('odd.4', lang)}",
        "",
        text(
            "odd.concepts",
            lang,
            kappa=f"{ef.responsiveness:g}",
            eta=f"{ef.adaptation:g}",
            scheme=sc.scoring.scheme,
            fusion=fusion,
            streams=streams,
            pool=st.pool_grids,
        ),
        "",
    ]
    # 5. initialisation
    by_type = (
        "; " + ", ".join(f"{t}: {h.model_dump(exclude_none=True)}" for t, h in st.by_type.items()) if st.by_type else ""
    )
    out += [
        f"## {text('odd.5', lang)}",
        "",
        text(
            "odd.init",
            lang,
            full_time=st.full_time,
            part_time=st.part_time,
            volunteers=st.volunteers,
            by_type=by_type,
            seed=sc.seed,
            streams=streams,
        ),
        "",
    ]
    # 6. input data
    out += [f"## {text('odd.6', lang)}", "", text("odd.input", lang, campaigns=len(sc.campaigns)), ""]
    if sc.uncertain:
        for path, prior in sc.uncertain.items():
            out.append(f"- `{path}`: [{prior.low:g}, {prior.high:g}] ({prior.scale}) — {prior.source or '—'}")
    else:
        out.append(text("odd.no_priors", lang))
    out.append("")
    # 7. submodels
    out += [f"## {text('odd.7', lang)}", "", text("odd.submodels", lang), ""]
    chosen = {
        "escalation": sc.escalation.policy,
        "routing": sc.routing_policy,
        "scoring": sc.scoring.scheme,
        "refill": sc.turnover.refill,
        "cover": sc.turnover.cover,
        "handling": sc.handling.family,
    }
    rows = [(f"`{policy_table.FIELDS[k]}`", f"`{n}`", _doc(policy_table.lookup(k, n))) for k, n in chosen.items()]
    rows += [
        (f"`levels.{lv.name}.discipline`", f"`{lv.discipline}`", _doc(policy_table.lookup("discipline", lv.discipline)))
        for lv in sc.levels
    ]
    out += _table((text("odd.col.policy", lang), text("odd.col.name", lang), text("odd.col.what", lang)), rows)
    out.append("")
    header = (text("odd.col.parameter", lang), text("odd.col.value", lang), text("odd.col.meaning", lang))
    everything = _rows(sc, "", lang)
    for section, field in Scenario.model_fields.items():
        if section in ("name", "description", "plugins", "seed", "days", "uncertain"):
            continue
        rows = [r for r in everything if r[0] == section or r[0].startswith(section + ".")]
        if not rows:
            continue
        out += [f"### {text('odd.parameters', lang, section=section)}", ""]
        if field.description:
            out += [described(field, lang).replace("|", "/"), ""]
        out += _table(header, [(f"`{p}`", f"`{val}`", d) for p, val, d in rows])
        out.append("")
    return "\n".join(out)
