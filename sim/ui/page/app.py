"""The trainer's page (培训演示) as Solara components, one model per browser session.

Mesa's stock ``SolaraViz`` could not serve a room: its RESET passes Mesa's own scenario
object as ``scenario=``, a slider only stores its value until RESET, and the model made
at import is shared by every browser. This page keeps the model in each session's own
state: the levers show their values and say when they differ from the running model,
RESET rebuilds with them, the clock steps by the hour or the day (or plays), and a case
can be followed up the ladder hour by hour. Every word comes from the label table in the
chosen language (``gridsim viz --lang zh`` or the toggle).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from datetime import date
from html import escape

import solara

from sim.scenario.labels import LABELS, LANGS, text, when
from sim.scenario.loading import ScenarioError
from sim.ui.page import follow as fl
from sim.ui.page import plots
from sim.ui.page import schematic as sch
from sim.ui.page.levers import LEVERS, SCENARIO, Lever, TrainerModel, starting_levers

DEFAULT_LANG = os.environ.get("GRIDSIM_VIZ_LANG", "en") if os.environ.get("GRIDSIM_VIZ_LANG") in LANGS else "en"
"""The page's first language (``gridsim viz --lang`` sets ``GRIDSIM_VIZ_LANG``)."""
KPI_EVERY_WHILE_PLAYING = 2.0
"""While playing, the daily plots are redrawn at most this often (seconds); the map every
step. Paused or stepped by hand, both are always current."""
START_HOUR = 10.0
"""A new model is shown from 10:00 of day 1, so day steps land in working hours with staff
at work on the map (stepping there is the same run: hour steps equal day steps)."""
PLAY_INTERVAL = {"day": 0.6, "hour": 0.5}
"""Seconds per played step (drawing included, unless it takes longer): a month of days in
about 20 s, slow enough for a room to watch, well under a minute."""
LANG_NAMES = {"en": "English", "zh": "中文"}
CSS = """
.gs-page { font-size: 18px; }
.gs-page .v-card__title { font-size: 22px; }
.gs-model-line, .gs-render-time { display: block; font-size: 18px; margin-top: 4px; }
.gs-page .v-label, .gs-page .v-btn, .gs-page .v-select__selection, .gs-page input { font-size: 18px !important; }
.gs-page h2 { font-size: 26px; margin: 4px 0; }
.gs-page h3 { font-size: 22px; margin: 8px 0 4px; }
.gs-caption { font-size: 20px; line-height: 1.45; }
.gs-caption li.now { font-weight: bold; color: #5a0f7a; }
.gs-holder { font-size: 22px; font-weight: bold; color: #5a0f7a; margin: 6px 0; }
.gs-legend span.sw { display:inline-block; width:18px; height:18px; border:1px solid #777;
  vertical-align:middle; margin:0 4px 0 12px; }
"""


def clock_text(hours: float, lang: str, start: date | None = None) -> str:
    """Model time as the room reads it: day counted from 1 (第1天), weekday, hh:mm, and the
    calendar date when the scenario has a ``start_date`` (as ``gridsim trace`` tells it)."""
    return when(hours, lang, start)


def place_name(config, lang: str) -> str:
    """The scenario's place as the room reads it: a shipped scenario's name from the label
    table (``scenario.<name>``), else the name the scenario gives (an imported district's)."""
    key = f"scenario.{config.name}"
    return text(key, lang) if key in LABELS else config.name


def fresh(levers: dict) -> TrainerModel:
    """A model built with ``levers`` and advanced to ``START_HOUR`` of day 1."""
    m = TrainerModel(SCENARIO, **levers)
    m.advance(START_HOUR)
    return m


def busy_grids(model) -> tuple:
    """Grids where a grid worker / a beat police officer is on a case now (boolean masks)."""
    import numpy as np

    from sim.workforce.agents import BeatPolice, GridWorker

    grid_of = model.log.column("grid")
    n = model.world.n_grids
    out = []
    for kind in (GridWorker, BeatPolice):
        gs = [grid_of[a.current] for a in model.agents_by_type.get(kind, []) if a.current >= 0]
        out.append(np.bincount(np.asarray(gs, dtype=np.int64), minlength=n) > 0)
    return out[0], out[1]


def map_svg(model, lang: str, colour_by: str, follow: dict | None = None, chosen: int | None = None) -> str:
    """The district map of ``model`` now, as SVG (``chosen``: the grid picked for follow-a-case)."""
    import numpy as np

    w = model.world
    lay = sch.layout(w)
    backlog = sch.backlog_per_grid(model.log, w.n_grids)
    fill = sch.backlog_colour(backlog) if colour_by == "backlog" else np.array(sch.RISK_COLOURS)[model.risk.level]
    workers, police = busy_grids(model)
    title = text(
        "map.title",
        lang,
        name=place_name(model.config, lang),
        when=clock_text(model.now, lang, model.config.start_date),
        n=w.n_grids,
    )
    return sch.svg(w, lay, fill, backlog, lang, title, workers, police, follow, chosen)


def legend_html(model, lang: str, colour_by: str) -> str:
    """The map's legend (colours, markers) and the workflow in one sentence."""
    parts = [f"<h3>{escape(text('legend.title', lang))}</h3><div>"]
    if colour_by == "backlog":
        edges = list(sch.backlog_bins(sch.backlog_per_grid(model.log, model.world.n_grids)))
        parts.append(escape(text("map.open_cases", lang)) + ":")
        for k, colour in enumerate(sch.BACKLOG_COLOURS):
            hi = edges[k + 1] - 1 if k + 1 < len(edges) else None
            rng = str(edges[k]) if hi == edges[k] else (f"{edges[k]}–{hi}" if hi is not None else f"≥{edges[k]}")
            parts.append(f'<span class="sw" style="background:{colour}"></span>{rng}')
    else:
        for k, colour in enumerate(sch.RISK_COLOURS):
            n = int((model.risk.level == k).sum())
            parts.append(
                f'<span class="sw" style="background:{colour}"></span>{escape(text(f"map.risk.{k}", lang, n=n))}'
            )
    workers, police = busy_grids(model)
    parts.append(
        "<br/>"
        f'<span style="color:#1f5fbf;font-size:22px">●</span> '
        f"{escape(text('map.busy_worker', lang, n=int(workers.sum())))}"
        f' &nbsp; <span style="color:#111a4a;font-size:22px">◆</span> '
        f"{escape(text('map.busy_police', lang, n=int(police.sum())))}"
        f' &nbsp; <span style="color:#7a1fa2;font-size:22px">◯</span> {escape(text("map.follow_here", lang))}'
        f"</div><p>{escape(text('legend.states', lang))}</p>"
    )
    return "".join(parts)


def _choice_label(lv: Lever, value, lang: str) -> str:
    return text(f"{lv.choice_prefix}.{value}", lang)


@solara.component
def LeverControl(lv: Lever, value, on_value, lang: str):
    """One lever with its current value in its label."""
    label = text(lv.label, lang)
    if lv.kind == "bool":
        solara.Checkbox(
            label=f"{label}: {text('viz.on' if value else 'viz.off', lang)}", value=bool(value), on_value=on_value
        )
    elif lv.kind == "choice":
        shown = {_choice_label(lv, c, lang): c for c in lv.options()}
        solara.Select(
            label=label,
            value=_choice_label(lv, value, lang),
            values=list(shown),
            on_value=lambda v: on_value(shown[v]),
        )
    elif lv.key == "seed":
        solara.InputInt(label=label, value=int(value), on_value=on_value)
    elif lv.kind == "int":
        now = text("map.none", lang) if lv.key == "time_limit_hours" and not value else str(int(value))
        solara.SliderInt(
            label=f"{label}: {now}",
            value=int(value),
            min=int(lv.low),
            max=int(lv.high),
            step=int(lv.step),
            on_value=on_value,
        )
    else:
        solara.SliderFloat(
            label=f"{label}: {value:g}", value=float(value), min=lv.low, max=lv.high, step=lv.step, on_value=on_value
        )


@solara.component
def FollowCard(model, lang: str, tick: int, state: solara.Reactive, lock):
    """Follow one case: pick it, step its hourly cursor, read the captions (reading the
    model under the session's lock, never while the play thread steps it)."""
    with lock:
        _follow_card(model, lang, state, lock)


def _follow_card(model, lang: str, state: solara.Reactive, lock) -> None:
    """The follow card's hooks and elements (called by :func:`FollowCard` under the lock)."""
    st = state.value
    playing = solara.use_reactive(False)

    def set_case(i):
        state.set({**state.value, "case": i, "k": 0})

    def pick():
        with lock:
            i = fl.pick(model)
        state.set({**state.value, "case": i, "k": 0, "none": i is None})

    with solara.Card(text("follow.title", lang)):
        solara.Button(text("follow.pick", lang), on_click=pick, color="primary")
        solara.Checkbox(
            label=text("follow.skip_night", lang),
            value=st.get("skip", True),
            on_value=lambda v: state.set({**state.value, "skip": v, "k": 0}),
        )
        w = model.world
        names = list(w.grid_names)
        grid = st.get("grid")
        with solara.Column():
            solara.Select(
                label=text("follow.choose_grid", lang),
                value=names[grid] if grid is not None else None,
                values=names,
                on_value=lambda v: state.set({**state.value, "grid": names.index(v)}),
            )
            if grid is not None:
                ids = fl.cases_of_grid(model, grid)
                cats, log = list(model.config.categories), model.log  # labels from the columns: no scan per case
                options = {
                    text(
                        "follow.option",
                        lang,
                        id=j,
                        category=fl.category_name(model, cats[log.category[j]], lang),
                        severity=text(f"severity.{fl.SEVERITIES[log.severity[j]]}", lang),
                        state=text(f"state.{fl.STATE_NAMES[log.state[j]]}", lang),
                    ): j
                    for j in ids
                }
                current = next((k for k, v in options.items() if v == st.get("case")), None)
                solara.Select(
                    label=text("follow.case", lang),
                    value=current,
                    values=list(options),
                    on_value=lambda v: set_case(options[v]),
                )
        if st.get("none"):
            solara.Text(text("follow.none", lang))
        i = st.get("case")
        c = fl.case(model, i) if i is not None else None
        ticks = fl.hours(c, model.now, st.get("skip", True)) if c is not None else [model.now]
        k = min(st.get("k", 0), len(ticks) - 1)

        def move(delta):
            state.set({**state.value, "k": max(0, min(state.value.get("k", 0) + delta, len(ticks) - 1))})

        def play_case(cancel: threading.Event):
            while playing.value and not cancel.is_set():
                time.sleep(0.8)
                if cancel.is_set() or not playing.value:
                    return
                if state.value.get("k", 0) >= len(ticks) - 1:
                    playing.set(False)
                    return
                move(1)

        solara.use_thread(play_case, dependencies=[playing.value, i])
        if c is None:
            return
        with solara.Row(style={"flex-wrap": "wrap"}):
            solara.Button(text("follow.restart", lang), on_click=lambda: state.set({**state.value, "k": 0}))
            solara.Button(text("follow.back", lang), on_click=lambda: move(-1), disabled=k == 0)
            solara.Button(
                text("follow.next", lang), on_click=lambda: move(1), disabled=k >= len(ticks) - 1, color="primary"
            )
            solara.Button(
                text("viz.pause" if playing.value else "follow.play", lang),
                on_click=lambda: playing.set(not playing.value),
            )
            solara.Button(text("follow.stop", lang), on_click=lambda: state.set({**state.value, "case": None}))
        t = ticks[k]
        m = fl.at(model, c, t, lang)
        day1 = model.config.start_date
        head = text(
            "follow.heading",
            lang,
            incident=text("word.incident", lang, id=i),
            category=fl.category_name(model, c.category, lang),
            severity=text(f"severity.{c.severity}", lang),
            grid=w.grid_names[c.grid],
        )
        items = "".join(
            f'<li class="{"now" if n == len(m.lines) - 1 else ""}">'
            f"{escape(clock_text(tt, lang, day1))} — {escape(s)}</li>"
            for n, (tt, s) in enumerate(m.lines)
        )
        solara.HTML(
            tag="div",
            unsafe_innerHTML=(
                f'<div class="gs-caption" data-follow-caption="1"><b>{escape(head)}</b><br/>'
                f"{escape(clock_text(t, lang, day1))} ({k + 1}/{len(ticks)})"
                f'<div class="gs-holder" data-levels="{len(m.levels_seen)}">{escape(m.holder)}</div>'
                f"<ul>{items}</ul></div>"
            ),
        )


@solara.component_vue("district_map.vue")
def DistrictMap(svg: str, event_grid_click: Callable[[int], None]):
    """The map (an SVG string); clicking a grid calls ``event_grid_click`` with its number."""


@solara.component
def Page():
    """The whole page for one browser session: levers, clock, map, plots, follow mode."""
    lang = solara.use_reactive(DEFAULT_LANG)
    start = solara.use_memo(lambda: starting_levers(SCENARIO), [])
    levers = solara.use_reactive(dict(start))
    first = solara.use_memo(lambda: fresh(start), [])
    model, set_model = solara.use_state(first)
    tick = solara.use_reactive(0)
    playing = solara.use_reactive(False)
    play_by = solara.use_reactive("day")
    colour_by = solara.use_reactive("backlog")
    follow_state = solara.use_reactive({"case": None, "k": 0, "skip": True, "grid": None})
    error = solara.use_reactive("")
    kpi_cache = solara.use_memo(dict, [model])
    L = lang.value

    def set_lever(key: str, value) -> None:
        levers.set({**levers.value, key: value})
        error.set("")

    def reset():
        playing.set(False)
        try:
            m = fresh(levers.value)
        except (ScenarioError, ValueError) as err:  # a lever combination refused: one line, no traceback
            error.set(str(err).splitlines()[0])
            return
        error.set("")
        follow_state.set({**follow_state.value, "case": None, "k": 0})
        set_model(m)
        tick.set(tick.value + 1)

    def choose_grid(g) -> None:
        """A click on the map picks that grid in the follow card's case picker."""
        if isinstance(g, int) and 0 <= g < model.world.n_grids:
            follow_state.set({**follow_state.value, "grid": g})

    stepped = solara.use_ref(0.0)
    lock = solara.use_memo(threading.RLock, [])  # the model is stepped by one thread at a time, never mid-draw

    def advance(hours: float):
        t = time.perf_counter()
        with lock:
            model.advance(hours)
        stepped.current = time.perf_counter() - t
        tick.set(tick.value + 1)

    def play_loop(cancel: threading.Event):
        # pause first, then step (as Mesa's controller does): the render that started this
        # thread finishes before the first change
        last = time.perf_counter()
        while playing.value and model.running:
            # the interval counts from the last step's start: its redraw is part of it
            if cancel.wait(max(0.05, PLAY_INTERVAL[play_by.value] - (time.perf_counter() - last))):
                return
            last = time.perf_counter()
            advance(24.0 if play_by.value == "day" else 1.0)
        if not model.running:
            playing.set(False)

    solara.use_thread(play_loop, dependencies=[playing.value, model])

    with lock:  # draw a consistent picture: never while the play thread is mid-step
        t0 = time.perf_counter()
        st = follow_state.value
        overlay = None
        if st.get("case") is not None:
            c = fl.case(model, st["case"])
            ticks = fl.hours(c, model.now, st.get("skip", True))
            mo = fl.at(model, c, ticks[min(st.get("k", 0), len(ticks) - 1)], L)
            holder = mo.holder if mo.at else None
            overlay = {"grid": c.grid, "visited": mo.visited, "at": mo.at, "who": holder}
        the_map = map_svg(model, L, colour_by.value, overlay, st.get("grid") if overlay is None else None)
        key = (len(model.datacollector.model_vars.get("day", [])), L)
        stale = kpi_cache.get("key") != key
        due = not playing.value or time.monotonic() - kpi_cache.get("at", 0.0) >= KPI_EVERY_WHILE_PLAYING
        if stale and (due or kpi_cache.get("lang") != L):
            fig = kpi_cache.get(("fig", L)) or plots.KpiFigure(L)
            svg = plots.svg(fig.update(model.datacollector.get_model_vars_dataframe()))
            kpi_cache.clear()
            kpi_cache.update({("fig", L): fig, "key": key, "lang": L, "svg": svg, "at": time.monotonic()})
        the_kpis = kpi_cache["svg"]
        drawn = time.perf_counter() - t0
        legend = legend_html(model, L, colour_by.value)
        model_line = text(
            "viz.model_line",
            L,
            workers=len(model.grid_workers),
            incidents=model.log.n,
            open=int(sch.backlog_per_grid(model.log, model.world.n_grids).sum()),
        )
        now = clock_text(model.now, L, model.config.start_date)

    solara.Title(text("viz.title", L))
    solara.Style(CSS)
    with solara.Column(classes=["gs-page"]):
        with solara.Row(style={"align-items": "center"}):
            solara.HTML(
                tag="h2", unsafe_innerHTML=escape(text("viz.title", L)) + f" — {escape(place_name(model.config, L))}"
            )
            solara.ToggleButtonsSingle(
                value=LANG_NAMES[L],
                values=list(LANG_NAMES.values()),
                on_value=lambda v: lang.set({n: k for k, n in LANG_NAMES.items()}[v]),
            )
        with solara.Columns([4, 8]):
            with solara.Column():
                with solara.Card(text("viz.levers", L)):
                    for lv in LEVERS:
                        LeverControl(lv, levers.value[lv.key], lambda v, k=lv.key: set_lever(k, v), L)
                    same = all(levers.value[k] == model.levers.get(k) for k in levers.value)
                    solara.Text(
                        text("viz.applied" if same else "viz.pending", L),
                        style={"font-weight": "bold", "color": "#2a6b2a" if same else "#b3261e"},
                    )
                    solara.Button(text("viz.reset", L), on_click=reset, color="primary" if same else "error")
                    if error.value:
                        solara.Error(error.value)
                with solara.Card():
                    solara.HTML(
                        tag="div",
                        unsafe_innerHTML=(f'<span style="font-size:24px" data-clock="1">{escape(now)}</span>'),
                    )
                    with solara.Row():
                        solara.Button(text("viz.step_hour", L), on_click=lambda: advance(1.0), disabled=playing.value)
                        solara.Button(text("viz.step_day", L), on_click=lambda: advance(24.0), disabled=playing.value)
                        solara.Button(
                            text("viz.pause" if playing.value else "viz.play", L),
                            on_click=lambda: playing.set(not playing.value),
                            color="primary",
                        )
                    units = {text(f"viz.unit.{u}", L): u for u in ("day", "hour")}
                    solara.ToggleButtonsSingle(
                        value=text(f"viz.unit.{play_by.value}", L),
                        values=list(units),
                        on_value=lambda v: play_by.set(units[v]),
                    )
                    solara.Text(model_line, classes=["gs-model-line"])
                    solara.Text(
                        text("viz.render_time", L, s=drawn + stepped.current, step=stepped.current, draw=drawn),
                        classes=["gs-render-time"],
                    )
                FollowCard(model, L, tick.value, follow_state, lock)
            with solara.Column():
                colours = {text(f"viz.colour.{u}", L): u for u in ("backlog", "risk")}
                with solara.Row(style={"align-items": "center"}):
                    solara.Text(text("viz.colour_by", L))
                    solara.ToggleButtonsSingle(
                        value=text(f"viz.colour.{colour_by.value}", L),
                        values=list(colours),
                        on_value=lambda v: colour_by.set(colours[v]),
                    )
                DistrictMap(svg=the_map, event_grid_click=choose_grid)
                solara.Text(text("map.click_hint", L))
                solara.HTML(tag="div", unsafe_innerHTML=legend, classes=["gs-legend"])
                solara.HTML(tag="div", unsafe_innerHTML=the_kpis, attributes={"data-kpis": "1"})
