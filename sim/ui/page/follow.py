"""Follow one case (跟踪一个案件): its path up the ladder, hour by hour, with a caption.

A case's recorded transitions, replayed on an hourly cursor that starts at 08:00 of the
day it surfaces (and, on request, skips night hours in which nothing happens): where it
is (grid, community, street, departments), who holds it, and one sentence per step in the
chosen language — including why it moved up: the level lacked authority for its severity,
its time limit ran out, the visits failed, or the level could not settle it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.core.incidents import STATE_NAMES, State
from sim.scenario.catalog import SEVERITIES
from sim.scenario.labels import duration, text

WORK_START, WORK_END = 8, 20
"""Working hours shown by default: the cursor starts at 08:00; night is 20:00–08:00."""


@dataclass(frozen=True)
class Step:
    """One recorded transition of the case."""

    time: float
    state: str
    level: int
    actor: int


@dataclass(frozen=True)
class Case:
    """What the follow mode needs of one incident: where it arose, what it is, its steps."""

    incident: int
    grid: int
    category: str
    severity: str
    t_occurred: float
    steps: tuple[Step, ...]


def case(model, incident: int) -> Case:
    """The case ``incident`` of a live model, with every transition recorded so far."""
    log = model.log
    if not 0 <= incident < log.n:
        raise ValueError(f"no incident {incident} yet (0…{log.n - 1})")
    tr = log.transition_log.columns(lambda c: c["incident"] == incident)
    steps = tuple(
        Step(float(t), STATE_NAMES[int(s)], int(lv), int(a))
        for t, s, lv, a in zip(tr["time"], tr["state"], tr["level"], tr["actor"], strict=True)
        if s not in (State.LATENT, State.WORSENED)
    )
    cats = list(model.config.categories)
    return Case(
        incident,
        int(log.grid[incident]),
        cats[log.category[incident]],
        SEVERITIES[log.severity[incident]],
        float(log.t_occurred[incident]),
        steps,
    )


def pick(model) -> int | None:
    """A good case to show: surfaced, passed through the most levels, closed if possible
    (the earliest such); None before any case has moved up a level."""
    log = model.log
    n = log.n
    if n == 0:
        return None
    esc = log.column("escalations")[:n]
    if esc.max(initial=0) < 1:
        return None
    closed = log.column("state")[:n] == State.CLOSED
    score = esc * 2 + closed
    return int(np.argmax(score))


def cases_of_grid(model, grid: int, limit: int = 200) -> list[int]:
    """The surfaced cases of one grid so far, the most recent first (for the picker)."""
    log = model.log
    n = log.n
    if n == 0:
        return []
    g = log.column("grid")[:n]
    st = log.column("state")[:n]
    ids = np.flatnonzero((g == grid) & (st != State.LATENT))
    return [int(i) for i in ids[::-1][:limit]]


def hours(c: Case, now: float, skip_night: bool = False) -> list[float]:
    """The cursor's hourly ticks: from 08:00 of the day the case surfaces (from its first
    hour if it surfaces before 08:00) to the hour after its last step (or ``now``, if the
    case is still open); with ``skip_night``, night hours in which nothing happens are left out."""
    first = c.steps[0].time if c.steps else c.t_occurred
    day = math.floor(first / 24)
    start = min(day * 24.0 + WORK_START, math.floor(first))
    last = c.steps[-1].time if c.steps else first
    end: float = min(math.ceil(last + 1e-9) + (0 if c.steps and c.steps[-1].state == "closed" else 1), math.floor(now))
    end = max(end, start)
    ticks = [start + k for k in range(int(end - start) + 1)]
    if not skip_night:
        return [float(t) for t in ticks]
    times = np.array([s.time for s in c.steps])
    keep = []
    for t in ticks:
        hod = t % 24
        night = hod >= WORK_END or hod < WORK_START or (t // 24) % 7 >= 5
        if not night or (len(times) and ((times > t - 1) & (times <= t)).any()) or t == ticks[-1]:
            keep.append(float(t))
    return keep


def _severity(c: Case, lang: str) -> str:
    return text(f"severity.{c.severity}", lang)


def why(model, c: Case, k: int, lang: str) -> str:
    """Why step ``k`` (an escalation) happened, from the steps before it at the level it left."""
    levels = model.config.levels
    prev = c.steps[k - 1] if k > 0 else None
    src = prev.level if prev is not None else 0
    name = level_name(model, src, lang)
    if prev is not None and prev.state == "visit_failed":
        return text("why.visits", lang)
    if prev is not None and prev.state == "handling":
        auth = model.config.categories[c.category].authority[SEVERITIES.index(c.severity)]
        rank = [lv.name for lv in levels].index(auth) if auth in [lv.name for lv in levels] else 0
        if src < rank:
            return text("why.authority", lang, src=name, severity=_severity(c, lang))
        return text("why.failed", lang, src=name)
    limit = levels[src].time_limit_hours
    if limit:
        return text("why.time_limit", lang, hours=duration(limit, lang))
    return text("why.policy", lang)


def level_name(model, level: int, lang: str) -> str:
    """A level's name: the scenario's Chinese name (``label_zh``) or the label table."""
    lv = model.config.levels[level]
    if lang == "zh" and lv.label_zh:
        return lv.label_zh
    return text(f"level.{lv.name}", lang)


def actor_name(model, actor: int, lang: str) -> str:
    """A worker's role and number, e.g. ``grid worker #12`` / ``网格员#12``."""
    if actor < 0:
        return text("word.unknown_actor", lang)
    role = roles(model).get(actor)
    label = text(f"role.{role}", lang) if role else text("word.unknown_actor", lang)
    return f"{label} #{actor}" if lang == "en" else f"{label}#{actor}"


def roles(model) -> dict[int, str]:
    """Role of every case-handling agent (not the households), by agent id."""
    return {
        a.unique_id: a.role
        for kind, agents in model.agents_by_type.items()
        if kind.__name__ != "Household"
        for a in agents
        if hasattr(a, "role")
    }


def sentence(model, c: Case, k: int, lang: str) -> str:
    """The caption of step ``k`` of the case."""
    s = c.steps[k]
    lvl = level_name(model, s.level, lang)
    who = actor_name(model, s.actor, lang)
    if s.state == "surfaced":
        ch = model.log.channel[c.incident]
        return text("story.surfaced", lang, channel=text(f"channel.{('report', 'hotline', 'patrol')[ch]}", lang))
    if s.state == "escalated":
        src = level_name(model, c.steps[k - 1].level if k else 0, lang)
        return text("follow.escalated", lang, src=src, dst=lvl, why=why(model, c, k, lang))
    since = duration(s.time - c.steps[0].time, lang) if c.steps else "?"
    if s.state == "accepted":
        return text("story.accepted", lang, level=lvl)
    if s.state == "waiting":
        return text("story.waiting", lang, level=lvl)
    if s.state == "handling":
        return text("story.handling", lang, actor=who, level=lvl)
    if s.state == "visit_failed":
        return text("story.visit_failed", lang, actor=who)
    if s.state == "resolved":
        return text("story.resolved", lang, actor=who, level=lvl, hours=since)
    if s.state == "reopened":
        return text("story.reopened", lang)
    if s.state == "closed":
        sat = model.log.satisfied[c.incident] == 1
        verdict = text("verdict.satisfied" if sat else "verdict.unsatisfied", lang)
        return text("story.closed", lang, verdict=verdict, hours=since)
    return text(f"state.{s.state}", lang)


@dataclass(frozen=True)
class Moment:
    """The case at one cursor time: the captions so far (time, sentence), the map places
    visited (level scopes, in order), where it is now and who holds it."""

    lines: tuple[tuple[float, str], ...]
    visited: tuple[str, ...]
    at: str | None
    holder: str
    levels_seen: tuple[int, ...]


def at(model, c: Case, t: float, lang: str) -> Moment:
    """The case as the room sees it at cursor time ``t``."""
    scopes = [lv.scope for lv in model.config.levels]
    lines: list[tuple[float, str]] = []
    if c.t_occurred <= t:
        lines.append(
            (
                c.t_occurred,
                text(
                    "story.latent",
                    lang,
                    category=category_name(model, c.category, lang),
                    severity=_severity(c, lang),
                    grid=model.world.grid_names[c.grid],
                    ctype=community_type_name(model, c.grid, lang),
                ),
            )
        )
    visited: list[str] = []
    levels_seen: list[int] = []
    current = None
    for k, s in enumerate(c.steps):
        if s.time > t:
            break
        lines.append((s.time, sentence(model, c, k, lang)))
        current = s
        if s.level not in levels_seen:
            levels_seen.append(s.level)
            visited.append(scopes[s.level])
    if c.t_occurred > t:
        return Moment((), (), None, text("follow.not_yet", lang), ())
    if current is None:
        return Moment(tuple(lines), ("grid",), "grid", text("follow.unseen", lang), (0,))
    lvl = level_name(model, current.level, lang)
    if current.state == "closed":
        holder = text("follow.done", lang)
    elif current.state in ("handling", "resolved", "visit_failed") and current.actor >= 0:
        holder = text("follow.holder", lang, who=actor_name(model, current.actor, lang), level=lvl)
    else:
        holder = text("follow.desk", lang, level=lvl)
    return Moment(tuple(lines), tuple(visited), scopes[current.level], holder, tuple(levels_seen))


def category_name(model, key: str, lang: str) -> str:
    """A category's name: the scenario's ``label_zh`` in Chinese, else the label table."""
    cat = model.config.categories[key]
    if lang == "zh" and cat.label_zh:
        return cat.label_zh
    return text(f"category.{key}", lang)


def community_type_name(model, grid: int, lang: str) -> str:
    """The community type of ``grid`` in ``lang``."""
    key = model.world.type_names[model.world.grid_type[grid]]
    ct = model.config.community_types[key]
    if lang == "zh" and ct.label_zh:
        return ct.label_zh
    return text(f"type.{key}", lang)
