"""The trainer's workbench (培训演示): watch the workflow live in the browser.

A Mesa ``SolaraViz`` page: the district drawn by hierarchy (street → community → grid, a
layout computed once per world), each grid coloured by its backlog or its risk grade
(green / yellow / red), the workers and beat police busy on a case drawn where the case
is; live daily plots of closure rate, backlog, response time and satisfaction; sliders
for the main levers (headcount, police–grid fusion, scoring scheme, the grid's time
limit) that rebuild the model; stepping by hour or by day; and an incident inspector that
tells any case's story in English or Chinese. Served by ``gridsim viz SCENARIO``.
"""

from __future__ import annotations

import os
from functools import lru_cache

import numpy as np
import solara
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from mesa.visualization import Slider, SolaraViz
from mesa.visualization.utils import update_counter

from sim.core.incidents import State
from sim.model import GridModel
from sim.scenario.loading import load_scenario
from sim.workforce.agents import BeatPolice, GridWorker

SCENARIO = os.environ.get(
    "GRIDSIM_VIZ_SCENARIO", os.path.join(os.path.dirname(__file__), "..", "..", "scenarios", "baseline.yaml")
)
OPEN_STATES = np.array(
    [State.ACCEPTED, State.WAITING, State.HANDLING, State.ESCALATED, State.RESOLVED, State.FEEDBACK, State.REOPENED],
    dtype=np.int64,
)
RISK_COLOURS = np.array(["#4c9a2a", "#f2b134", "#d1495b"])


class TrainerModel(GridModel):
    """A ``GridModel`` built from the scenario and the trainer's lever settings; ``step()``
    advances one hour or one day."""

    def __init__(
        self,
        scenario: str = SCENARIO,
        full_time: int | None = None,
        fusion: bool | None = None,
        scheme: str | None = None,
        time_limit_hours: float | None = None,
        step_by: str = "day",
        seed: int | None = None,
    ):
        overrides = []
        for key, value in (
            ("staffing.full_time", full_time),
            ("police.fusion", fusion),
            ("scoring.scheme", scheme),
            ("levels.0.time_limit_hours", time_limit_hours),
        ):
            if value is not None:
                overrides.append(f"{key}={str(value).lower() if isinstance(value, bool) else value}")
        super().__init__(load_scenario(scenario, overrides), seed=seed, transitions=True)
        self.step_hours = 1.0 if step_by == "hour" else 24.0

    def step(self) -> None:
        """Advance one hour or one day, as the trainer chose."""
        self.advance(self.step_hours)


def defaults(scenario: str = SCENARIO) -> dict:
    """Slider positions that start at the scenario's own settings."""
    sc = load_scenario(scenario)
    limit = sc.levels[0].time_limit_hours or 48.0
    return {
        "scenario": scenario,
        "full_time": Slider("full-time grid workers per grid (网格员)", max(1, sc.staffing.full_time), 1, 6, 1),
        "fusion": {"type": "Checkbox", "value": sc.police.fusion, "label": "police–grid fusion (网格+警格)"},
        "scheme": {
            "type": "Select",
            "value": sc.scoring.scheme,
            "values": ["uniform", "per_type", "outcome_adjusted"],
            "label": "scoring scheme (考核)",
        },
        "time_limit_hours": Slider("grid time limit before escalation (h)", float(limit), 6.0, 168.0, 6.0),
        "step_by": {"type": "Select", "value": "day", "values": ["day", "hour"], "label": "one step ="},
    }


# ------------------------------------------------------------------ the district map


@lru_cache(maxsize=8)
def layout(key: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Positions of grids, communities and streets: streets on a circle, communities on a
    circle round their street, grids on a sunflower spiral round their community. Stable:
    computed once per world shape, independent of the run."""
    grid_community, community_street, n_streets = (np.array(key[0]), np.array(key[1]), key[2])
    golden = np.pi * (3 - np.sqrt(5))
    street = np.c_[
        np.cos(2 * np.pi * np.arange(n_streets) / max(n_streets, 1)),
        np.sin(2 * np.pi * np.arange(n_streets) / max(n_streets, 1)),
    ] * (0 if n_streets == 1 else 3.0)
    comm = np.zeros((len(community_street), 2))
    grid = np.zeros((len(grid_community), 2))
    for s in range(n_streets):
        cs = np.flatnonzero(community_street == s)
        r = 0.0 if len(cs) == 1 else (1.0 if n_streets > 1 else 2.2)
        ang = 2 * np.pi * np.arange(len(cs)) / max(len(cs), 1)
        comm[cs] = street[s] + r * np.c_[np.cos(ang), np.sin(ang)]
    # each community's grids fill a disc of ~0.45 × the distance to the nearest other community
    if len(comm) > 1:
        d = np.sqrt(((comm[:, None, :] - comm[None, :, :]) ** 2).sum(-1))
        np.fill_diagonal(d, np.inf)
        reach = 0.45 * d.min(axis=1)
    else:
        reach = np.full(len(comm), 1.5)
    for c in range(len(community_street)):
        gs = np.flatnonzero(grid_community == c)
        k = np.arange(len(gs))
        rad = reach[c] * np.sqrt((k + 0.5) / max(len(gs), 1))
        grid[gs] = comm[c] + np.c_[rad * np.cos(k * golden), rad * np.sin(k * golden)]
    return grid, comm, street


def world_layout(model) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Positions of grids, communities and streets for the district map (computed once per
    world shape)."""
    w = model.world
    return layout((tuple(w.grid_community.tolist()), tuple(w.community_street.tolist()), int(w.n_streets)))


def backlog_per_grid(model) -> np.ndarray:
    """Open cases per grid now."""
    log = model.log
    n = log.n
    if n == 0:
        return np.zeros(model.world.n_grids)
    state, grid = log.column("state")[:n], log.column("grid")[:n]
    open_ = np.isin(state, OPEN_STATES)
    return np.bincount(grid[open_], minlength=model.world.n_grids)


def map_figure(model, colour_by: str = "backlog") -> Figure:
    """The district: hierarchy lines, grids coloured by backlog or risk, busy staff."""
    grid_xy, comm_xy, street_xy = world_layout(model)
    w = model.world
    fig = Figure(figsize=(6.4, 5.6))
    ax = fig.subplots()
    segs = [(street_xy[w.community_street[c]], comm_xy[c]) for c in range(len(comm_xy))]
    segs += [(comm_xy[w.grid_community[g]], grid_xy[g]) for g in range(w.n_grids)]
    ax.add_collection(LineCollection(segs, colors="#cccccc", linewidths=0.5, zorder=1))
    size = float(np.clip(6000.0 / max(w.n_grids, 1), 10.0, 160.0))
    if colour_by == "risk":
        ax.scatter(
            grid_xy[:, 0],
            grid_xy[:, 1],
            s=size,
            c=RISK_COLOURS[model.risk.level],
            edgecolors="white",
            linewidths=0.3,
            zorder=2,
        )
        for i, name in enumerate(("green", "yellow", "red")):
            ax.scatter([], [], s=30, c=RISK_COLOURS[i], label=f"{name}: {int((model.risk.level == i).sum())} grids")
    else:
        b = backlog_per_grid(model)
        pts = ax.scatter(
            grid_xy[:, 0],
            grid_xy[:, 1],
            s=size,
            c=b,
            cmap="YlOrRd",
            vmin=0,
            vmax=max(3, int(b.max())),
            edgecolors="#999999",
            linewidths=0.3,
            zorder=2,
        )
        fig.colorbar(pts, ax=ax, shrink=0.6, label="open cases in the grid (backlog)")
    ax.scatter(comm_xy[:, 0], comm_xy[:, 1], s=14, marker="s", c="#555555", zorder=1.5, label="community desk")
    ax.scatter(street_xy[:, 0], street_xy[:, 1], s=60, marker="*", c="black", zorder=3, label="street centre")
    grid_of = model.log.column("grid")
    by_type = model.agents_by_type  # not model.agents: that would walk every household
    busy_w = [grid_of[a.current] for a in by_type.get(GridWorker, []) if a.current >= 0]
    busy_p = [grid_of[a.current] for a in by_type.get(BeatPolice, []) if a.current >= 0]
    rng = np.random.default_rng(0)  # jitter only, so two at one grid both show
    for gs, marker, colour, lab in (
        (busy_w, "o", "#1f77b4", "grid worker on a case"),
        (busy_p, "D", "#2a4d9b", "beat police on a case"),
    ):
        if gs:
            xy = grid_xy[np.array(gs)] + rng.normal(0, 0.01, (len(gs), 2))
            ax.scatter(
                xy[:, 0],
                xy[:, 1],
                s=16,
                marker=marker,
                c=colour,
                edgecolors="white",
                linewidths=0.4,
                zorder=4,
                label=f"{lab} ({len(gs)})",
            )
    hour = model.clock.now
    ax.set_title(
        f"{model.config.name}: day {int(hour // 24)}, {int(hour % 24):02d}:00 — "
        f"{w.n_grids} grids, colour = {colour_by}",
        fontsize=10,
    )
    ax.set_aspect("equal")
    ax.axis("off")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0) if colour_by == "risk" else (0, 0), frameon=False)
    fig.tight_layout()
    return fig


colour_by = solara.reactive("backlog")


@solara.component
def DistrictMap(model):
    """The map with the incident inspector under it (one grid cell: nothing overlaps)."""
    update_counter.get()
    with solara.Column():
        solara.ToggleButtonsSingle(value=colour_by, values=["backlog", "risk"])
        solara.FigureMatplotlib(map_figure(model, colour_by.value), format="png", bbox_inches="tight")
        Inspector(model)


# ------------------------------------------------------------------ live plots

# figure text stays English: matplotlib's default font has no CJK glyphs (Chinese is in the widgets)
SERIES = [
    ("closure_rate", "closure rate, cumulative"),
    ("backlog", "accepted, open (blue) / reported, not accepted (orange)"),
    ("response_hours", "wait before handling (h), cases started that day"),
    ("satisfied_share", "share of feedback satisfied"),
]


def kpi_figure(model) -> Figure:
    """The daily plots: closure rate, backlog beside the reported-but-not-accepted queue, wait
    before handling, satisfaction."""
    df = model.datacollector.get_model_vars_dataframe()
    fig = Figure(figsize=(6.4, 4.6))
    axes = fig.subplots(2, 2).flat
    for ax, (col, title) in zip(axes, SERIES, strict=True):
        if len(df) and col in df:
            ax.plot(df["day"], df[col], color="#1f77b4", lw=1.2)
        if len(df) and col == "backlog" and "awaiting_acceptance" in df:  # the weekend queue before acceptance
            ax.plot(df["day"], df["awaiting_acceptance"], color="#ff7f0e", lw=1.2)
        ax.set_title(title, fontsize=8)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.tick_params(labelsize=7)
        ax.set_xlabel("day", fontsize=7)
    fig.suptitle(f"daily KPIs — {len(df)} day(s) simulated", fontsize=9)
    fig.tight_layout()
    return fig


@solara.component
def KpiPlots(model):
    """The daily plots, redrawn after each step."""
    update_counter.get()
    solara.FigureMatplotlib(kpi_figure(model), format="png", bbox_inches="tight")


# ------------------------------------------------------------------ incident inspector


@solara.component
def Inspector(model):
    """The incident inspector: an id and a language in, the case's story out."""
    from sim.ui.trace import from_model, render

    update_counter.get()
    incident, set_incident = solara.use_state(0)
    lang, set_lang = solara.use_state("en")
    shown, set_shown = solara.use_state("")

    def show():
        try:
            set_shown(render(incident, from_model(model, int(incident), lang), lang))
        except ValueError as err:
            set_shown(str(err))

    with solara.Card("Incident inspector (事件追溯)"):
        with solara.Row():
            solara.InputInt("incident id", value=incident, on_value=set_incident)
            solara.ToggleButtonsSingle(value=lang, values=["en", "zh"], on_value=set_lang)
            solara.Button("trace", on_click=show)
        solara.Text(f"{model.log.n} incidents so far (ids 0…{max(model.log.n - 1, 0)})")
        if shown:
            solara.Preformatted(shown)


def make_page():
    """The SolaraViz page: district map, daily plots, levers and inspector."""
    model = TrainerModel(SCENARIO)
    return SolaraViz(
        model,
        components=[(DistrictMap, 0), (KpiPlots, 0)],
        model_params=defaults(SCENARIO),
        name="gridsim — the trainer's view (网格化治理演示)",
        play_interval=300,
    )


page = make_page()
