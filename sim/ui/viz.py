"""The trainer's workbench (培训演示), served by ``gridsim viz SCENARIO [--lang zh]``.

The entry point ``solara run sim.ui.viz:page`` loads: one page per browser session with
levers that rebuild the model on RESET, stepping by the hour or the day, the named
district map, the daily plots and the follow-one-case mode, in English or Chinese. The
parts live in :mod:`sim.ui.page` (levers, schematic, plots, follow, app).
"""

from __future__ import annotations

from sim.ui.page.app import Page
from sim.ui.page.levers import LEVERS, SCENARIO, TrainerModel, starting_levers

page = Page
"""The Solara page (a component: each browser session renders its own, with its own model)."""

__all__ = ["LEVERS", "SCENARIO", "Page", "TrainerModel", "page", "starting_levers"]
