"""An incident's story (事件追溯): its timeline in plain words, in English or Chinese.

Built from the incident's row, its transitions and who acted, so the same story comes
from a run directory (``gridsim trace RUN_DIR --incident ID``) or from a live model (the
trainer's inspector). Example: "day 1 Mon 09:12 — a resident reports it to the grid
worker"; "day 1 Mon 11:30 — cannot be settled there: escalated to the community level".
"""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import pandas as pd

from sim.scenario.labels import duration, text, when
from sim.scenario.loading import ScenarioError, load_scenario


class Names:
    """Chinese names from the scenario (``label_zh``), falling back to the label table."""

    def __init__(self, config):
        self.category = {k: c.label_zh for k, c in config.categories.items() if getattr(c, "label_zh", "")}
        self.ctype = {k: t.label_zh for k, t in config.community_types.items() if getattr(t, "label_zh", "")}
        self.level = {lv.name: lv.label_zh for lv in config.levels if getattr(lv, "label_zh", "")}

    def of(self, kind: str, key, lang: str) -> str:
        """The name of a category, community type (``ctype``) or level in ``lang``."""
        key = str(key)
        if lang == "zh" and key in getattr(self, kind, {}):
            return getattr(self, kind)[key]
        prefix = {"category": "category", "ctype": "type", "level": "level"}[kind]
        return text(f"{prefix}.{key}", lang)


def _actor(actor: int, roles: dict[int, str], lang: str) -> str:
    if actor is None or actor < 0 or actor not in roles:
        return text("word.unknown_actor", lang)
    role = text(f"role.{roles[actor]}", lang)
    return f"{role} #{actor}" if lang == "en" else f"{role}#{actor}"


def story(
    inc: dict, transitions: pd.DataFrame, roles: dict[int, str], names: Names, lang: str = "en"
) -> list[tuple[float, str]]:
    """(time, sentence) for every step of one incident, in time order."""
    out = []
    sev0 = inc.get("severity_initial", inc["severity"])
    out.append(
        (
            inc["t_occurred"],
            text(
                "story.latent",
                lang,
                category=names.of("category", inc["category"], lang),
                severity=text(f"severity.{sev0}", lang),
                grid=inc["grid_name"],
                ctype=names.of("ctype", inc["community_type"], lang),
            ),
        )
    )
    if _t(inc.get("t_worsened")) is not None:
        out.append(
            (inc["t_worsened"], text("story.worsened", lang, severity=text(f"severity.{inc['severity']}", lang)))
        )
    if bool(inc.get("absorbed_by_property")):
        out.append((inc["t_occurred"], text("story.absorbed", lang)))
    surfaced = _t(inc.get("t_surfaced"))
    for row in transitions.sort_values("time", kind="stable").itertuples(index=False):
        st, lvl = str(row.state), names.of("level", row.level, lang)
        who = _actor(int(row.actor), roles, lang)
        since = duration(row.time - surfaced, lang) if surfaced is not None else "?"
        if st == "latent":
            continue
        if st == "surfaced":
            line = text("story.surfaced", lang, channel=text(f"channel.{inc['channel']}", lang))
        elif st == "accepted":
            line = text("story.accepted", lang, level=lvl)
        elif st == "waiting":
            line = text("story.waiting", lang, level=lvl)
        elif st == "handling":
            line = text("story.handling", lang, actor=who, level=lvl)
        elif st == "visit_failed":
            line = text("story.visit_failed", lang, actor=who)
        elif st == "escalated":
            line = text("story.escalated", lang, level=lvl)
        elif st == "resolved":
            line = text("story.resolved", lang, actor=who, level=lvl, hours=since)
        elif st == "reopened":
            line = text("story.reopened", lang)
        elif st == "closed":
            verdict = (
                "verdict.satisfied"
                if inc.get("satisfied") is True or inc.get("satisfied") == 1
                else "verdict.unsatisfied"
            )
            line = text("story.closed", lang, verdict=text(verdict, lang), hours=since)
        else:
            line = text(f"state.{st}", lang)
        out.append((row.time, line))
    if str(inc["state"]) != "closed" and not bool(inc.get("absorbed_by_property")):
        out.append((out[-1][0], text("story.open", lang, state=text(f"state.{inc['state']}", lang))))
    return out


def _t(x):
    return None if x is None or (isinstance(x, float) and math.isnan(x)) or pd.isna(x) else float(x)


class Story(list):
    """An incident's (time, sentence) lines, with the calendar date of day 1 (``start``) when
    the scenario has a ``start_date``."""

    def __init__(self, lines, start: date | None = None):
        super().__init__(lines)
        self.start = start


def render(incident: int, lines: list[tuple[float, str]], lang: str = "en") -> str:
    """An incident's story as text: a heading, then one line per transition with its time,
    days counted from day 1 (第1天) as on the trainer's page, dated when ``lines`` is a dated
    :class:`Story`."""
    head = text("word.incident", lang, id=incident)
    start = getattr(lines, "start", None)
    return "\n".join([head] + [f"  {when(t, lang, start)}  {s}" for t, s in lines])


def from_run(run_dir: str | Path, incident: int, lang: str = "en") -> list[tuple[float, str]]:
    """The story of ``incident`` from a run directory written by ``gridsim run``."""
    run = Path(run_dir)
    for f in ("incidents.parquet", "workers.parquet", "scenario.yaml"):
        if not (run / f).exists():
            raise ScenarioError(f"{run}: no {f} (not a run directory written by `gridsim run`)")
    if not (run / "transitions.parquet").exists():
        raise ScenarioError(f"{run}: no transitions.parquet (the run used --no-transitions; run it again without)")
    in_range = 0 <= incident < 2**63  # an id column holds 64-bit integers: beyond, no such incident
    inc = pd.read_parquet(run / "incidents.parquet", filters=[("id", "==", int(incident))]) if in_range else None
    if inc is None or inc.empty:
        n = len(pd.read_parquet(run / "incidents.parquet", columns=["id"]))
        raise ScenarioError(f"--incident {incident}: no such incident in {run} (ids 0…{n - 1})")
    tr = pd.read_parquet(run / "transitions.parquet", filters=[("incident", "==", int(incident))])
    workers = pd.read_parquet(run / "workers.parquet", columns=["agent", "role"])
    config = load_scenario(run / "scenario.yaml")
    lines = story(
        inc.iloc[0].to_dict(),
        tr,
        dict(zip(workers["agent"], workers["role"].astype(str), strict=True)),
        Names(config),
        lang,
    )
    return Story(lines, getattr(config, "start_date", None))


def from_model(model, incident: int, lang: str = "en") -> list[tuple[float, str]]:
    """The story of ``incident`` so far in a live model (the trainer's inspector)."""
    from sim.output.tables import incidents_table, transitions_table

    if not 0 <= incident < model.log.n:
        raise ValueError(f"no incident {incident} yet (0…{model.log.n - 1})")
    inc = incidents_table(model).iloc[incident].to_dict()
    tr = transitions_table(model)
    tr = tr[tr["incident"] == incident]
    roles = {a.unique_id: a.role for a in model.agents if hasattr(a, "role")}
    return story(inc, tr, roles, Names(model.config), lang)
