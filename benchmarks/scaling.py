"""Benchmark: time and memory per simulated year from 100 to 10,000 grids.

The same district pattern (the baseline's community mix and catalogue) is grown by adding
streets of 10 communities × 10 grids; each size runs one simulated year in a fresh process
(so peak RSS is its own), without the transition log, ``--repeat`` times (the median is
printed). Prints grids, incidents, build and run seconds, seconds per 1,000 grids, incidents
per second, the event chain's CPU per incident (thread time inside each day's
``clock.run_until``: the compiled event core, not the day's glue) and peak memory; time should
grow linearly with grids (seconds per 1,000 grids roughly flat).
Usage: python benchmarks/scaling.py [--grids 100,300,1000,3000,10000] [--days 365] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

CHILD = r"""
import json, resource, sys, time
from sim.scenario.loading import load_scenario
from sim.model import GridModel
cfg = load_scenario(sys.argv[1])
t0 = time.perf_counter()
m = GridModel(cfg, transitions=False)
t1 = time.perf_counter()
chain = [0.0, 0.0]  # the event chain's thread time so far; when today's began (each step: open, chain, close)
def opened(f=m.open_day):
    f()
    chain[1] = time.thread_time()
def closing(f=m.close_day):
    chain[0] += time.thread_time() - chain[1]
    f()
m.open_day, m.close_day = opened, closing
m.run()
t2 = time.perf_counter()
print(json.dumps({"grids": m.world.n_grids, "incidents": m.log.n, "build_s": t1 - t0, "run_s": t2 - t1,
                  "chain_us": 1e6 * chain[0] / max(m.log.n, 1),
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def scenario(grids: int, days: int) -> dict:
    """``grids`` grids: streets of up to 10 communities of 10 grids (smaller ones fill the rest)."""
    per_street = 100
    streets = max(1, -(-grids // per_street))
    communities = []
    left = grids
    for s in range(streets):
        for c in range(10):
            n = min(10, left)
            if n <= 0:
                break
            communities.append(
                {
                    "name": f"S{s}C{c}",
                    "type": ["old_estate", "commodity", "gated", "resettlement", "commercial", "rural_village"][
                        (s + c) % 6
                    ],
                    "grids": n,
                    "street": s,
                }
            )
            left -= n
    return {"name": f"scale{grids}", "seed": 1, "days": days, "world": {"streets": streets, "communities": communities}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--grids", default="100,300,1000,3000,10000")
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    head = ("grids", 7), ("incidents", 11), ("build s", 9), ("run s", 9), ("s/1000 grids", 14), ("incid/s", 10)
    print("".join(f"{h:>{w}}" for h, w in head) + f"{'chain µs':>10}{'peak MB':>9}")
    with tempfile.TemporaryDirectory() as tmp:
        for g in (int(x) for x in args.grids.split(",")):
            path = Path(tmp) / f"scale{g}.yaml"
            path.write_text(yaml.safe_dump(scenario(g, args.days)))
            runs = []
            for _ in range(args.repeat):
                out = subprocess.run([sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True)
                if out.returncode:
                    sys.exit(f"scaling run at {g} grids failed:\n{out.stderr}")
                runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
            r = {k: statistics.median(x[k] for x in runs) for k in runs[0]}
            total = r["build_s"] + r["run_s"]
            print(
                f"{r['grids']:>7.0f}{r['incidents']:>11,.0f}{r['build_s']:>9.2f}{r['run_s']:>9.2f}"
                f"{1000 * total / r['grids']:>14.2f}{r['incidents'] / total:>10,.0f}"
                f"{r['chain_us']:>10.2f}{r['rss_mb']:>9.0f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
