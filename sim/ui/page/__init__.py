"""The trainer's page (培训演示, ``gridsim viz``): levers, the district map, the daily plots and
the follow-one-case mode, each in its own module; :mod:`sim.ui.page.app` puts them on a
Solara page with one model per browser session."""
