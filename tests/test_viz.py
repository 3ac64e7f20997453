"""The trainer's page without a browser (tests/test_viz_browser.py drives the page).

Levers start at the scenario's own values and RESET with them rebuilds the very same run;
each lever reaches the scenario; stepping hour by hour gives exactly the run of day steps;
the schematic map keeps every grid inside its community inside its street and names them
all; an imported district is drawn with its real outlines; the follow mode replays a case's
recorded steps in order, starts at 08:00, skips only empty night hours, and explains each
escalation; every label the page uses exists in both languages; a CJK font is found.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("solara")

from sim.output.tables import incidents_table  # noqa: E402
from sim.scenario.labels import LABELS, text  # noqa: E402
from sim.scenario.loading import load_scenario  # noqa: E402
from sim.ui import fonts  # noqa: E402
from sim.ui.cli import main  # noqa: E402
from sim.ui.page import follow as fl  # noqa: E402
from sim.ui.page import plots  # noqa: E402
from sim.ui.page import schematic as sch  # noqa: E402
from sim.ui.page.app import clock_text, legend_html, map_svg, place_name  # noqa: E402
from sim.ui.page.levers import LEVERS, TrainerModel, overrides, starting_levers  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BASE = str(ROOT / "scenarios" / "baseline.yaml")


def test_levers_at_the_scenario_values_rebuild_the_same_run():
    start = starting_levers(BASE)
    a, b = TrainerModel(BASE, **start), TrainerModel(BASE)
    for m in (a, b):
        m.run(6)
    pd.testing.assert_frame_equal(incidents_table(a), incidents_table(b))
    assert a.levers == start


def test_every_lever_reaches_the_scenario():
    moved = {
        "full_time": 3,
        "time_limit_hours": 24,
        "fusion": False,
        "whistle": False,
        "escalation": "stepwise",
        "scheme": "outcome_adjusted",
        "refill": "reserve",
        "platforms": 2.5,
        "seed": 9,
    }
    assert set(moved) == {lv.key for lv in LEVERS}
    m = TrainerModel(BASE, step_by="hour", **moved)
    sc = m.config
    assert (sc.staffing.full_time, sc.levels[0].time_limit_hours, sc.police.fusion, sc.escalation.whistle) == (
        3,
        24.0,
        False,
        False,
    )
    assert (sc.escalation.policy, sc.scoring.scheme, sc.turnover.refill, sc.overhead.platforms) == (
        "stepwise",
        "outcome_adjusted",
        "reserve",
        2.5,
    )
    assert m.seed == 9 and m.step_hours == 1.0 and len(m.grid_workers) == 3 * m.world.n_grids
    assert TrainerModel(BASE, time_limit_hours=0).config.levels[0].time_limit_hours is None
    with pytest.raises(ValueError, match="lever 'nope'"):
        overrides({"nope": 1})


def test_hour_steps_give_the_same_run_as_day_steps():
    by_day, by_hour = TrainerModel(BASE, seed=4), TrainerModel(BASE, seed=4, step_by="hour")
    for _ in range(5):
        by_day.step()
    for _ in range(5 * 24):
        by_hour.step()
    assert by_hour.day == by_day.day == 5 and by_hour.clock.now == by_day.clock.now
    pd.testing.assert_frame_equal(incidents_table(by_day), incidents_table(by_hour))


@pytest.mark.parametrize("scenario", [BASE, str(ROOT / "scenarios" / "xuanwu.yaml")])
def test_schematic_nests_every_grid_and_names_it(scenario):
    m = TrainerModel(scenario)
    m.run(2)
    w, lay = m.world, sch.layout(m.world)
    assert lay is sch.layout(TrainerModel(scenario, full_time=2).world)  # one picture per world shape
    for g, ring in enumerate(lay.grid_shapes):
        cx, cy, cw, chh = lay.community_box[w.grid_community[g]]
        sx, sy, sw, shh = lay.street_box[w.grid_street[g]]
        assert (ring[:, 0] >= cx).all() and (ring[:, 0] <= cx + cw).all() and (ring[:, 1] >= cy).all()
        assert (ring[:, 1] <= cy + chh).all() and cx >= sx and cx + cw <= sx + sw and cy + chh <= sy + shh
    for lang in ("en", "zh"):
        svg = map_svg(m, lang, "backlog")
        assert svg.count("data-grid=") == w.n_grids
        assert all(f"<title>{name}" in svg for name in w.grid_names[:20])
    assert "区职能部门" in map_svg(m, "zh", "risk")
    assert sch.backlog_per_grid(m.log, w.n_grids).sum() == m._today["backlog"]


@pytest.fixture(scope="module")
def la_district(tmp_path_factory) -> str:
    """The shipped LA slice imported as a district (97 neighbourhood councils as grids)."""
    out = tmp_path_factory.mktemp("la") / "district.yaml"
    data = ROOT / "tests" / "data" / "la311"
    args = ["district", str(data / "nc-boundary-2020.geojson"), "--columns", str(data / "district-columns.yaml")]
    assert main([*args, "--households", "12000", "--set", "start_date=2019-12-30", "--out", str(out)]) == 0
    return str(out)


def test_an_imported_district_is_drawn_with_its_real_outlines(la_district):
    import shapely

    m = TrainerModel(la_district)
    m.advance(10.0)
    w, lay = m.world, sch.layout(m.world)
    assert lay is sch.layout(TrainerModel(la_district, full_time=2).world)  # drawn once per map
    specs = [g for c in load_scenario(la_district).world.communities for g in c.grid_list]
    assert len(lay.grid_shapes) == w.n_grids == len(specs) == 97 and len(lay.community_shapes) == w.n_communities
    lon_lat = np.array([g.centroid for g in specs])
    geoms = shapely.from_wkt([g.polygon for g in specs])
    x0, y0, x1, y1 = shapely.total_bounds(geoms)
    squeeze = np.cos(np.radians((y0 + y1) / 2))  # a kilometre east-west as long as north-south
    # each grid is drawn as its own outline (largest part): one scale for every area, and every
    # centre where that scale and a shift put it, y flipped (north up)
    flat = [max(getattr(p, "geoms", [p]), key=lambda q: q.area) for p in geoms]
    flat_area = np.array([shapely.Polygon(p.exterior).area for p in flat]) * squeeze
    flat_c = np.array([[c.x * squeeze, -c.y] for c in (shapely.Polygon(p.exterior).centroid for p in flat)])
    drawn = [shapely.Polygon(r) for r in lay.grid_shapes]
    px_area = np.array([p.area for p in drawn])
    k2 = float(np.median(px_area / flat_area))
    assert np.allclose(px_area / flat_area, k2, rtol=0.05)  # outlines simplified to half a pixel
    px_c = np.array([[p.centroid.x, p.centroid.y] for p in drawn])
    shift = (px_c - np.sqrt(k2) * flat_c).mean(axis=0)
    assert np.abs(px_c - np.sqrt(k2) * flat_c - shift).max() < 1.0  # pixels
    pts = np.vstack(lay.grid_shapes)
    px_w, px_h = np.ptp(pts[:, 0]), np.ptp(pts[:, 1])
    assert px_w / px_h == pytest.approx((x1 - x0) * squeeze / (y1 - y0), rel=0.01)
    assert px_w <= sch.WIDTH + 1e-6 and px_h <= sch.MAP_HEIGHT + 1e-6
    north, south = np.argmax(lon_lat[:, 1]), np.argmin(lon_lat[:, 1])
    assert lay.grid_xy[north, 1] < lay.grid_xy[south, 1]
    for lang in ("en", "zh"):  # coloured by backlog, named on hover, communities outlined and named
        svg = map_svg(m, lang, "backlog", chosen=5)
        assert svg.count("data-grid=") == 97 and 'data-chosen="5"' in svg and "data-communities" in svg
        assert all(f"<title>{name}" in svg for name in w.grid_names)
        assert all(f">{name}</text>" in svg for name in w.community_names)
        backlog = sch.backlog_per_grid(m.log, w.n_grids)
        fills = re.findall(r'fill="(#[0-9a-f]{6})" stroke="#777" stroke-width="0.6" data-grid="(\d+)"', svg)
        assert [f for f, _ in fills] == list(sch.backlog_colour(backlog)) and backlog.sum() > 0
        assert "2019" in svg  # the map's title carries the calendar date
    assert "图例" in legend_html(m, "zh", "backlog")


def test_a_world_without_every_outline_keeps_the_schematic(la_district):
    from dataclasses import replace

    from sim.output import maps

    w = TrainerModel(la_district).world
    assert maps.has_map(w) and not maps.has_map(TrainerModel(BASE).world)
    part = replace(w, grid_outlines=("",) + w.grid_outlines[1:])
    assert not maps.has_map(part) and sch.layout(part).community_shapes == ()


def _followed(days: int = 12):
    m = TrainerModel(BASE)
    m.run(days)
    i = fl.pick(m)
    assert i is not None and m.log.escalations[i] >= 1
    return m, fl.case(m, i)


def test_follow_replays_the_recorded_steps_from_eight_in_the_morning():
    m, c = _followed()
    times = [s.time for s in c.steps]
    assert times == sorted(times) and c.steps[0].state == "surfaced"
    ticks = fl.hours(c, m.now)
    assert ticks[0] % 24 == 8 or ticks[0] == np.floor(c.steps[0].time)
    assert np.all(np.diff(ticks) == 1.0) and ticks[-1] >= c.steps[-1].time
    short = fl.hours(c, m.now, skip_night=True)
    assert set(short) <= set(ticks) and len(short) < len(ticks)
    for t in set(ticks) - set(short):  # only empty hours outside working time are skipped
        assert t % 24 >= fl.WORK_END or t % 24 < fl.WORK_START or (t // 24) % 7 >= 5
        assert not any(t - 1 < s < t + 1e-12 for s in times)
    end = fl.at(m, c, ticks[-1], "en")
    assert len(end.lines) == len(c.steps) + 1 and len(end.levels_seen) >= 2
    assert end.visited[0] == "grid" and end.visited[1] in ("community", "street", "district")


def test_each_escalation_is_explained_in_both_languages():
    m, c = _followed()
    ks = [k for k, s in enumerate(c.steps) if s.state == "escalated"]
    assert ks
    for k in ks:
        en, zh = fl.why(m, c, k, "en"), fl.why(m, c, k, "zh")
        assert en and zh and not re.search("[A-Za-z]{3,}", zh), (en, zh)
        # the reason given matches the steps: authority / failure follow someone's work on it
        if "authority" in en or "could not settle" in en:
            assert c.steps[k - 1].state == "handling"
        if "time limit" in en:
            assert c.steps[k - 1].state != "handling"


def test_page_labels_exist_in_both_languages_and_chinese_has_no_english_words():
    page_keys = [
        k for k in LABELS if k.split(".")[0] in {"viz", "lever", "map", "kpi", "follow", "why", "legend", "scenario"}
    ]
    page_keys += [f"{lv.choice_prefix}.{c}" for lv in LEVERS for c in lv.options()]
    for key in page_keys:
        en, zh = LABELS[key]
        assert en and zh, key
        bare = re.sub(r"\{[^}]*\}|\([^)]*\)", "", zh)  # fields and parenthesised originals apart
        assert not re.search("[A-Za-z]{2,}", bare), (key, zh)


def test_chinese_page_parts_are_chinese():
    m, c = _followed()
    legend = legend_html(m, "zh", "backlog")
    assert "图例" in legend and "办结销号" in legend
    assert clock_text(24 * 9 + 8.5, "zh") == "第10天 周三 08:30" and clock_text(0, "en") == "day 1 Mon 00:00"
    kpi = plots.KpiFigure("zh")
    kpi.update(m.datacollector.get_model_vars_dataframe().iloc[:0])  # the page starts with no days
    daily = m.datacollector.get_model_vars_dataframe()
    svg = plots.svg(kpi.update(daily))
    for col, line in kpi.lines.items():  # every day drawn and inside the axes
        x, y = line.get_data()
        assert len(x) == len(daily) == 12 and np.allclose(y, daily[col].to_numpy(dtype=float), equal_nan=True)
        lo, hi = line.axes.get_xlim()
        shown = x[np.isfinite(y)]
        assert len(shown) and lo <= shown.min() and hi >= shown.max() == len(daily), (col, lo, hi)
    for title in ("累计办结率", "在办案件(蓝)", "居民满意率", "已推演12天"):
        assert title in svg
    moment = fl.at(m, c, c.steps[-1].time, "zh")
    assert all(not re.search("[A-Za-z]{3,}", s) for _, s in moment.lines[1:]), moment.lines


def test_the_chinese_page_on_jianye_has_no_english_word():
    """Everything the Chinese page shows on scenarios/jianye.yaml (map, legends, levers and every
    choice, the case picker, a followed case's captions, the daily plots) has no English word:
    markup apart, no run of two Latin letters but grid ids (S1-C2-3)."""
    m = TrainerModel(str(ROOT / "scenarios" / "jianye.yaml"))
    m.advance(24 * 9 + 10)
    parts = [map_svg(m, "zh", c) + legend_html(m, "zh", c) for c in ("backlog", "risk")]
    parts += [text(lv.label, "zh") + text(f"{lv.choice_prefix}.{c}", "zh") for lv in LEVERS for c in lv.options()]
    parts += [text("viz.title", "zh"), place_name(m.config, "zh"), clock_text(m.now, "zh", m.config.start_date)]
    i = fl.pick(m)
    assert i is not None
    c = fl.case(m, i)
    for t in fl.hours(c, m.now, True):
        moment = fl.at(m, c, t, "zh")
        parts += [s for _, s in moment.lines] + [moment.holder]
    cats = list(m.config.categories)
    for j in fl.cases_of_grid(m, c.grid):
        parts.append(fl.category_name(m, cats[m.log.category[j]], "zh"))
        parts.append(text(f"severity.{fl.SEVERITIES[m.log.severity[j]]}", "zh"))
        parts.append(text(f"state.{fl.STATE_NAMES[m.log.state[j]]}", "zh"))
    kpis = plots.svg(plots.KpiFigure("zh").update(m.datacollector.get_model_vars_dataframe()))
    drawn = re.sub(r"<style.*?</style>", " ", " ".join(parts) + kpis, flags=re.S)  # the plots' CSS is no text
    shown = re.sub(r"<[^>]*>|&\w+;|\bS\d+-C\d+(-\d+)?\b", " ", drawn)
    assert "建邺" in shown and [text(f"severity.{v}", "zh") for v in fl.SEVERITIES] == ["轻微", "一般", "重大"]
    assert not re.findall(r"[A-Za-z]{2,}", shown), sorted(set(re.findall(r"[A-Za-z]{2,}", shown)))


def test_a_cjk_font_is_found_for_matplotlib():
    import matplotlib as mpl

    family = fonts.use_cjk_font()
    if family is None:
        pytest.skip("no CJK font installed (CI installs fonts-wqy-microhei)")
    assert mpl.rcParams["font.sans-serif"][0] == family
    from matplotlib import font_manager

    path = font_manager.findfont(font_manager.FontProperties(family=family), fallback_to_default=False)
    assert Path(path).exists()


def test_every_choice_of_every_lever_validates():
    sc = load_scenario(BASE)
    for lv in LEVERS:
        for choice in lv.options():
            load_scenario(BASE, overrides({lv.key: choice}))
    assert sc.name == "baseline"
