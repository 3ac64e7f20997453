"""Benchmark: where a whole ``gridsim run`` spends its time: import, build, run, write.

Each scenario runs in a fresh process doing what ``gridsim run … --out DIR`` does (the CLI's
imports, the model built and run, the run directory written), timed phase by phase, with the
peak resident memory after the run and after the write. ``write ÷ run`` is the share the
output step adds to the model run (issue 21's target: ≤ 15 %); ``CPU ÷`` the same share of
processor time (all threads), which a loaded machine disturbs less than wall time; ``sys`` the
part of the write's processor time spent in the kernel (fresh pages zeroed, the files' bytes
copied into the page cache): work that grows with the bytes written, not with the model.
Usage: python benchmarks/run_phases.py [--days N] [--no-transitions] SCENARIO [SCENARIO ...]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = r"""
import json, resource, sys, time
t0 = time.perf_counter()
from sim.ui import cli  # noqa: F401  (what the command imports first)
from sim.output.runner import write_run
from sim.model import GridModel
from sim.scenario.loading import load_scenario
t1 = time.perf_counter()
overrides = [f"days={sys.argv[2]}"] if sys.argv[2] != "-" else []
cfg = load_scenario(sys.argv[1], overrides)
transitions = sys.argv[3] == "1"
m = GridModel(cfg, transitions=transitions)
t2 = time.perf_counter()
c2 = time.process_time()
m.run()
t3, c3 = time.perf_counter(), time.process_time()
usage = resource.getrusage(resource.RUSAGE_SELF)
rss_run, sys3 = usage.ru_maxrss / 1024, usage.ru_stime
write_run(m, sys.argv[4], transitions=transitions)
t4, c4 = time.perf_counter(), time.process_time()
sys_s = resource.getrusage(resource.RUSAGE_SELF).ru_stime - sys3
print(json.dumps({"grids": m.world.n_grids, "days": m.day, "incidents": m.log.n, "import_s": t1 - t0,
                  "build_s": t2 - t1, "run_s": t3 - t2, "write_s": t4 - t3, "rss_run_mb": rss_run,
                  "run_cpu_s": c3 - c2, "write_cpu_s": c4 - c3, "write_sys_s": sys_s,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def measure(path: Path, days: int | None, transitions: bool, out: Path) -> dict:
    """One fresh process's phases for ``path``."""
    cmd = [sys.executable, "-c", CHILD, str(path), str(days) if days else "-", "1" if transitions else "0", str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode:
        sys.exit(f"benchmark of {path} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--days", type=int, default=None, help="simulated days (default: the scenario's)")
    ap.add_argument("--no-transitions", action="store_true", help="no transition log, as --no-transitions")
    ap.add_argument("scenarios", nargs="+", type=Path)
    args = ap.parse_args()
    print(
        f"{'scenario':<14}{'grids':>6}{'days':>6}{'incidents':>11}{'import s':>9}{'build s':>8}{'run s':>7}"
        f"{'write s':>8}{'write÷run':>10}{'CPU ÷':>6}{'sys':>5}{'RSS run MB':>11}{'peak MB':>8}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for path in args.scenarios:
            r = measure(path, args.days, not args.no_transitions, Path(tmp) / path.stem)
            print(
                f"{path.stem:<14}{r['grids']:>6}{r['days']:>6}{r['incidents']:>11,}{r['import_s']:>9.2f}"
                f"{r['build_s']:>8.2f}{r['run_s']:>7.2f}{r['write_s']:>8.2f}{r['write_s'] / r['run_s']:>9.0%}"
                f"{r['write_cpu_s'] / r['run_cpu_s']:>6.0%}{r['write_sys_s'] / r['write_cpu_s']:>5.0%}"
                f"{r['rss_run_mb']:>11.0f}{r['rss_mb']:>8.0f}"
            )


if __name__ == "__main__":
    main()
