"""Benchmark: one simulated year of the baseline, a ~600-grid district, Xuanwu and Jiamusi.

Prints, per scenario, the median of N runs (each in a fresh process so peak memory is
its own): wall seconds (build + run, no file output), incidents simulated per second
(median and best run: shared machines are noisy), events per second and peak RSS.
Usage: python benchmarks/run_year.py [--repeat 3] [--no-transitions] [SCENARIO ...]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SCENARIOS = [
    ROOT / "scenarios" / "baseline.yaml",
    HERE / "district600.yaml",
    ROOT / "scenarios" / "xuanwu.yaml",
    ROOT / "scenarios" / "jiamusi.yaml",
]

CHILD = r"""
import json, resource, sys, time
from sim.scenario.loading import load_scenario
from sim.model import GridModel
cfg = load_scenario(sys.argv[1])
t0 = time.perf_counter()
m = GridModel(cfg, transitions=sys.argv[2] == "1")
t1 = time.perf_counter()
m.run()
t2 = time.perf_counter()
print(json.dumps({"grids": m.world.n_grids, "households": m.world.n_households, "incidents": m.log.n,
                  "events": m.clock.events_run, "build_s": t1 - t0, "run_s": t2 - t1, "wall_s": t2 - t0,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def measure(path: Path, transitions: bool) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), "1" if transitions else "0"], capture_output=True, text=True
    )
    if out.returncode:
        sys.exit(f"benchmark of {path} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-transitions", action="store_true", help="time runs without the transition log")
    ap.add_argument("scenarios", nargs="*", type=Path, default=SCENARIOS)
    args = ap.parse_args()
    print(
        f"{'scenario':<14}{'grids':>7}{'households':>12}{'incidents':>11}{'build s':>9}{'run s':>8}"
        f"{'wall s':>8}{'incid/s':>10}{'best/s':>9}{'events/s':>11}{'peak MB':>9}"
    )
    for path in args.scenarios:
        runs = [measure(path, not args.no_transitions) for _ in range(args.repeat)]
        med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        print(
            f"{path.stem:<14}{med['grids']:>7.0f}{med['households']:>12,.0f}{med['incidents']:>11,.0f}"
            f"{med['build_s']:>9.2f}{med['run_s']:>8.2f}{med['wall_s']:>8.2f}"
            f"{med['incidents'] / med['wall_s']:>10,.0f}{med['incidents'] / min(r['wall_s'] for r in runs):>9,.0f}"
            f"{med['events'] / med['run_s']:>11,.0f}{med['rss_mb']:>9.0f}"
        )
    print(
        f"(median of {args.repeat} runs each, best/s from the fastest; one process per run, one core;\n"
        f" wall = build + run, no file output)"
    )


if __name__ == "__main__":
    main()
