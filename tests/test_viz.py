"""The trainer's model and drawings, without a browser (the browser test drives the page).

Lever settings reach the scenario; stepping hour by hour gives exactly the run that
stepping day by day gives; the map layout is stable and keeps every grid near its
community; the drawings render for a small and a 600-grid district.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("solara")

from sim.output.tables import incidents_table  # noqa: E402
from sim.ui.viz import TrainerModel, backlog_per_grid, kpi_figure, map_figure, world_layout  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BASE = str(ROOT / "scenarios" / "baseline.yaml")


def test_levers_reach_the_scenario():
    m = TrainerModel(BASE, full_time=3, fusion=False, scheme="outcome_adjusted", time_limit_hours=24.0, step_by="hour")
    sc = m.config
    assert (sc.staffing.full_time, sc.police.fusion, sc.scoring.scheme, sc.levels[0].time_limit_hours) == (
        3,
        False,
        "outcome_adjusted",
        24.0,
    )
    assert m.step_hours == 1.0 and len(m.grid_workers) >= 3 * m.world.n_grids


def test_hour_steps_give_the_same_run_as_day_steps():
    by_day, by_hour = TrainerModel(BASE, seed=4), TrainerModel(BASE, seed=4, step_by="hour")
    for _ in range(5):
        by_day.step()
    for _ in range(5 * 24):
        by_hour.step()
    assert by_hour.day == by_day.day == 5 and by_hour.clock.now == by_day.clock.now
    pd.testing.assert_frame_equal(incidents_table(by_day), incidents_table(by_hour))
    pd.testing.assert_frame_equal(
        by_day.datacollector.get_model_vars_dataframe(), by_hour.datacollector.get_model_vars_dataframe()
    )


@pytest.mark.parametrize("scenario", [BASE, str(ROOT / "benchmarks" / "district600.yaml")])
def test_map_layout_is_stable_and_drawings_render(scenario):
    m = TrainerModel(scenario)
    for _ in range(3):
        m.step()
    grid, comm, street = world_layout(m)
    again = TrainerModel(scenario, full_time=2)
    assert np.array_equal(world_layout(again)[0], grid)  # the same world shape: the same picture
    w = m.world
    own = np.linalg.norm(grid - comm[w.grid_community], axis=1)
    assert np.isfinite(grid).all() and (own < 2.5).all()
    assert backlog_per_grid(m).sum() == m._today["backlog"]
    for colour in ("backlog", "risk"):
        fig = map_figure(m, colour)
        assert fig.axes and fig.axes[0].collections
    assert len(kpi_figure(m).axes) == 4
