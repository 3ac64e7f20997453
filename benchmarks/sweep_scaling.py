"""Benchmark: sweep throughput against the number of local worker processes.

Runs the same small experiment on the baseline scenario (two policies × R replications,
``--days`` each) with 1, 2, … workers, each into a fresh directory, and prints runs per
second and the speed-up over one worker (target: ≥ 1.8× on 2 cores). The result tables
of every worker count are compared: they must be identical.
Usage: python benchmarks/sweep_scaling.py [--workers 1,2] [--reps 20] [--days 365]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--workers", default=f"1,{min(2, os.cpu_count() or 1)}", help="comma-separated worker counts")
    ap.add_argument("--reps", type=int, default=20, help="replications per policy")
    ap.add_argument("--days", type=int, default=365)
    args = ap.parse_args()

    from sim.studies.experiment import load_experiment
    from sim.studies.sweep import load_results, sweep

    counts = [int(w) for w in args.workers.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "scaling.yaml"
        path.write_text(
            yaml.safe_dump(
                {
                    "name": "sweep_scaling",
                    "scenario": str(ROOT / "scenarios" / "baseline.yaml"),
                    "days": args.days,
                    "levers": {"staffing.full_time": [1, 2]},
                    "replications": args.reps,
                    "kpis": ["closure_rate"],
                }
            )
        )
        exp = load_experiment(path)
        runs = len(exp.runs(args.reps))
        print(
            f"baseline, {args.days} days, {runs} runs per sweep (2 policies × {args.reps} replications); "
            f"{os.cpu_count()} CPUs"
        )
        print(f"{'workers':>8}{'wall s':>9}{'runs/s':>9}{'speed-up':>10}")
        first, reference = None, None
        for w in counts:
            out = Path(tmp) / f"w{w}"
            t0 = time.perf_counter()
            sweep(exp, out, workers=w, progress=False, log=lambda *_: None)
            wall = time.perf_counter() - t0
            table = load_results(out).drop(columns="wall_s")
            if reference is None:
                reference = table
            identical = table.equals(reference)
            first = first or wall
            print(
                f"{w:>8}{wall:>9.2f}{runs / wall:>9.3f}{first / wall:>9.2f}×{'' if identical else '   RESULTS DIFFER'}"
            )


if __name__ == "__main__":
    main()
