"""Benchmark: server time of one day step of the trainer's page (``gridsim viz``).

What the page does per day step, timed piece by piece: the model's day, the map (SVG), its
legend and the KPI plots (matplotlib → SVG), in the chosen language. Solara's own diffing
and sending of the page are not included. Prints median, 90th percentile and worst step.
Usage: python benchmarks/viz_step.py [--days 30] [--lang zh] [SCENARIO ...]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    """Time ``--days`` day steps of each scenario's page and print the figures."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "scenarios", nargs="*", default=[str(ROOT / "scenarios" / s) for s in ("baseline.yaml", "xuanwu.yaml")]
    )
    p.add_argument("--days", type=int, default=30)
    p.add_argument("--lang", choices=["en", "zh"], default="zh")
    args = p.parse_args()
    from sim.ui.page import plots
    from sim.ui.page.app import fresh, legend_html, map_svg
    from sim.ui.page.levers import starting_levers

    for sc in args.scenarios:
        import sim.ui.page.app as app

        app.SCENARIO = sc
        m = fresh(starting_levers(sc))
        kpi = plots.KpiFigure(args.lang)
        rows = []
        for _ in range(args.days):
            t0 = time.perf_counter()
            m.advance(24.0)
            t1 = time.perf_counter()
            map_svg(m, args.lang, "backlog")
            legend_html(m, args.lang, "backlog")
            t2 = time.perf_counter()
            plots.svg(kpi.update(m.datacollector.get_model_vars_dataframe()))
            t3 = time.perf_counter()
            rows.append((t1 - t0, t2 - t1, t3 - t2, t3 - t0))
        a = np.array(rows)
        med = np.median(a, axis=0)
        print(
            f"{Path(sc).stem}: {m.world.n_grids} grids, {args.days} day steps ({args.lang}): "
            f"model {med[0]:.3f} s, map {med[1]:.3f} s, plots {med[2]:.3f} s; "
            f"step total median {med[3]:.3f} s, p90 {np.percentile(a[:, 3], 90):.3f} s, worst {a[:, 3].max():.3f} s"
        )


if __name__ == "__main__":
    main()
