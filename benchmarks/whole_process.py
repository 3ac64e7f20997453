"""Benchmark: the whole ``gridsim run`` process against whole SimPy and Ciw scripts, same queue.

What a user waits for is a whole process: interpreter start, imports, building, running and,
for gridsim, writing the run directory (``summary.json``, the Parquet tables, the resolved
scenario). Each engine runs as its own process on the M/M/c queue of
``scenarios/validation/mmc.yaml`` (λ = 3.4/h, μ = 1/h, c = 4) with the same number of
customers; the three are interleaved, ``--repeat`` times, and the median wall time is kept.
Each command runs once untimed first, and every process gets the environment a user has, less
``PYTHONDONTWRITEBYTECODE``: Python's bytecode cache is written and read as on any install, so
no engine is timed compiling its own sources.
The peers are the minimal scripts a user would write (SimPy processes on a Resource, as in
``benchmarks/peers_full.py``; Ciw's one-node network); each prints its mean wait, checked
against Erlang C (Wq ≈ 1.15 h at ρ = 0.85) so no engine is timed doing less.
Usage: python benchmarks/whole_process.py [--customers 400000] [--repeat 3]
       python benchmarks/whole_process.py --peer simpy|ciw --customers N   (one peer script)
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAM, MU, C = 3.4, 1.0, 4
SEED = 7


def simpy_script(n: int) -> float:
    """An M/M/c queue in SimPy (processes on a Resource, ``peers.run_simpy_processes``); the mean
    wait of ``n`` customers."""
    import numpy as np
    from peers import run_simpy_processes  # this folder: the scripts share one SimPy model

    rng = np.random.default_rng(SEED)
    gaps, service = rng.exponential(1 / LAM, n).tolist(), rng.exponential(1 / MU, n).tolist()
    wait = run_simpy_processes(gaps, gaps, service)  # it reads only how many customers arrive
    return sum(wait) / n


def ciw_script(n: int) -> float:
    """The same queue in Ciw (``peers.run_ciw``: one node, ``n`` customers arriving); their mean wait."""
    from peers import run_ciw

    waits = run_ciw(n, method="Arrive")
    return sum(waits) / len(waits)


def commands(n: int, out: Path) -> dict[str, list[str]]:
    """The three whole-process commands for ``n`` customers (gridsim: ``n / (24 λ)`` days)."""
    days = max(1, round(n / (LAM * 24)))
    me = [sys.executable, str(Path(__file__).resolve())]
    return {
        "gridsim run (CLI, writes run dir)": [
            sys.executable,
            "-m",
            "sim.ui.cli",
            "run",
            str(ROOT / "scenarios" / "validation" / "mmc.yaml"),
            "--days",
            str(days),
            "--no-transitions",
            "--quiet",
            "--out",
            str(out / "mmc"),
        ],
        "SimPy script": [*me, "--peer", "simpy", "--customers", str(n)],
        "Ciw script": [*me, "--peer", "ciw", "--customers", str(n)],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--customers", type=int, default=400_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--peer", choices=("simpy", "ciw"), help="run one peer script and print its mean wait")
    args = ap.parse_args()
    if args.peer:
        wait = (simpy_script if args.peer == "simpy" else ciw_script)(args.customers)
        print(f"mean wait {wait:.4f} h")
        return
    walls: dict[str, list[float]] = {}
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    with tempfile.TemporaryDirectory() as tmp:
        cmds = commands(args.customers, Path(tmp))
        for cmd in cmds.values():  # untimed: bytecode cached, files in the page cache
            subprocess.run(cmd, cwd=ROOT, capture_output=True, env=env, check=True)
        for _ in range(args.repeat):
            for name, cmd in cmds.items():
                t0 = time.perf_counter()
                proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=env)
                walls.setdefault(name, []).append(time.perf_counter() - t0)
                if proc.returncode:
                    sys.exit(f"{name} failed: {proc.stderr.strip().splitlines()[-1:]}")
                if "--peer" in cmd:
                    print(f"  {name}: {proc.stdout.strip()}", file=sys.stderr)
    head = f"M/M/{C} (λ={LAM}/h, μ={MU}/h), {args.customers:,} customers"
    print(f"{head}; whole processes, interleaved, median of {args.repeat}")
    print(f"{'process':<36}{'wall s':>8}{'gridsim ÷ it':>14}")
    mine = statistics.median(walls["gridsim run (CLI, writes run dir)"])
    for name, ws in walls.items():
        med = statistics.median(ws)
        print(f"{name:<36}{med:>8.2f}{mine / med:>13.2f}×")


if __name__ == "__main__":
    main()
