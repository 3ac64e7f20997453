"""Benchmark: sweep throughput against the number of local worker processes.

Runs the same experiment on the baseline scenario (two policies × R replications, ``--days``
each; by default 40 one-year runs, the issue's figure) with 1, 2, … workers, each into a fresh
directory, and prints the wall time, the speed-up over one worker (target: ≥ 1.85× with 2
workers on 2 cores) and where the CPU went: the driver's (storing the batches, the manifest,
receiving results), the workers' and the forkserver's (importing the model once, before the
first pool). The summary, daily and scores tables of every worker count are compared: they must
be identical. ``--warm`` adds a second sweep with the most workers in the same process (the
forkserver already up, as in adaptive replications, sizing and sensitivity rounds). The load
average is printed before and after, because a shared machine's other jobs take cores too.

In this process the one-worker sweep finds the model already imported, while the first pool's
forkserver imports it inside the timed sweep. ``--cli`` times instead what a user waits for:
whole ``gridsim sweep --workers N`` processes (each imports what it needs), interleaved (the
order alternating from round to round), ``--repeat`` times: the median of each count, and the
speed-up within each round (the host's speed drifts between rounds more than within one).
Beside each whole process it reads the seconds the program prints for the sweep proper (the KPI
check, the runs, storing them): what is left, start-up and the headline, every worker count pays
once, which bounds the speed-up (Amdahl). ``--ceiling`` adds, after each round, what the machine
itself allowed then: ten runs of the model in one process alone against N such processes side by
side (no sweep at all; runs timed, not imports): N × the one's wall ÷ the N's is the speed-up no
scheduling could have beaten in that round (a shared VM's second core comes and goes).
Usage: python benchmarks/sweep_scaling.py [--workers 1,2] [--reps 20] [--days 365] [--warm]
       python benchmarks/sweep_scaling.py --cli [--repeat 3] [--ceiling]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
TICK = os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return []
    found = []
    for task in tasks:
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def descendants_cpu(root: int) -> dict[int, float]:
    """CPU seconds (user + system) of every live descendant of process ``root``, by pid (read
    from the few /proc files of the process tree, so that watching costs little)."""
    found, todo = {}, _children(root)
    while todo:
        pid = todo.pop()
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found[pid] = (int(fields[11]) + int(fields[12])) / TICK
        todo += _children(pid)
    return found


class CpuWatch:
    """Samples the CPU of this process's descendants (the forkserver and the pool's workers) a
    few times a second, keeping each process's last figure (a worker's CPU once it has ended)."""

    def __init__(self) -> None:
        self.seen: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.seen.update(descendants_cpu(os.getpid()))
            self._stop.wait(0.1)

    def __enter__(self) -> CpuWatch:
        self.before = dict(descendants_cpu(os.getpid()))
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.seen.update(descendants_cpu(os.getpid()))

    def spent(self) -> float:
        """CPU seconds the descendants spent while watched."""
        return sum(v - self.before.get(pid, 0.0) for pid, v in self.seen.items())


RUNS_TIMED = (
    "import sys, time; from sim.model import GridModel; from sim.scenario.loading import load_scenario\n"
    "sc = load_scenario(sys.argv[1], [f'days={sys.argv[2]}'])\n"
    "t0 = time.perf_counter()\n"
    "for seed in range(int(sys.argv[3])):\n"
    "    GridModel(sc, seed=seed, transitions=False).run()\n"
    "print(time.perf_counter() - t0)"
)


def ceiling_once(n: int, days: int, runs: int = 10) -> tuple[float, float]:
    """``runs`` model runs in one process alone, then ``n`` such processes side by side (the runs
    timed, not the imports): seconds alone and seconds of the slowest side by side."""
    cmd = [sys.executable, "-c", RUNS_TIMED, str(ROOT / "scenarios" / "baseline.yaml"), str(days), str(runs)]
    alone = float(subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, text=True).stdout)
    procs = [subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True) for _ in range(n)]
    return alone, max(float(p.communicate()[0]) for p in procs)


def whole_processes(exp_path: Path, tmp: Path, counts: list[int], repeat: int, ceiling_days: int | None) -> None:
    """Whole ``gridsim sweep`` processes per worker count, interleaved (each round followed by the
    machine's ceiling on runs of ``ceiling_days``, when given); the median wall time and the
    speed-up over the first count; their summary tables compared."""
    from sim.studies.sweep import load_results

    walls: dict[int, list[float]] = {w: [] for w in counts}
    inner: dict[int, list[float]] = {w: [] for w in counts}  # the sweep's own seconds, as the program prints them
    ceilings: list[float] = []
    for r in range(repeat):
        for w in counts if r % 2 == 0 else counts[::-1]:  # the order alternates: a drifting host favours neither
            out = tmp / f"cli-w{w}-{r}"
            cmd = [sys.executable, "-m", "sim.ui.cli", "sweep", str(exp_path), "--out", str(out)]
            cmd += ["--workers", str(w), "--no-progress"]
            t0 = time.perf_counter()
            done = subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, text=True)
            walls[w].append(time.perf_counter() - t0)
            inner[w].append(float(re.search(r"runs done, \d+ failed in ([0-9.]+) s", done.stdout).group(1)))
        if ceiling_days:
            alone, together = ceiling_once(max(counts), ceiling_days)
            ceilings.append(max(counts) * alone / together)
    first = statistics.median(walls[counts[0]])
    reference = load_results(tmp / f"cli-w{counts[0]}-0").drop(columns="wall_s", errors="ignore")
    print(f"{'workers':>12}{'wall s':>9}{'speed-up':>10}  whole `gridsim sweep` processes, median of {repeat}; tables")
    for w in counts:
        med = statistics.median(walls[w])
        same = all(
            load_results(tmp / f"cli-w{w}-{r}").drop(columns="wall_s", errors="ignore").equals(reference)
            for r in range(repeat)
        )
        rounds = " ".join(f"{x:.2f}" for x in walls[w])
        print(f"{w:>12}{med:>9.2f}{first / med:>9.2f}×  {rounds}  {'identical' if same else 'DIFFER'}")
    for w in counts[1:]:  # each round's own ratio: the host's speed drifts between rounds more than within one
        paired = [walls[counts[0]][r] / walls[w][r] for r in range(repeat)]
        each = " ".join(f"{x:.2f}×" for x in paired)
        print(f"speed-up of {w} workers within each round: {each} (median {statistics.median(paired):.2f}×)")
    # what every count pays once, outside the sweep proper (start-up: the imports; the headline at the end)
    one = statistics.median(inner[counts[0]])
    for w in counts:
        fixed = statistics.median(walls[w][r] - inner[w][r] for r in range(repeat))
        sweep_s = statistics.median(inner[w])
        print(
            f"{w:>3} worker(s): the sweep itself {sweep_s:.2f} s ({one / sweep_s:.2f}×), "
            f"start-up and headline {fixed:.2f} s (medians; the sweep's seconds as the program prints them)"
        )
    if ceilings:
        each = " ".join(f"{c:.2f}×" for c in ceilings)
        print(f"machine ceiling after each round ({max(counts)} processes of 10 runs side by side ÷ one): {each}")
        per_round = [walls[counts[0]][r] / walls[max(counts)][r] / ceilings[r] for r in range(repeat)]
        print("sweep speed-up ÷ that round's ceiling: " + " ".join(f"{x:.0%}" for x in per_round))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--workers", default=f"1,{min(2, os.cpu_count() or 1)}", help="comma-separated worker counts")
    ap.add_argument("--reps", type=int, default=20, help="replications per policy")
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--warm", action="store_true", help="add a second sweep with the most workers, forkserver up")
    ap.add_argument("--cli", action="store_true", help="time whole `gridsim sweep` processes instead")
    ap.add_argument("--repeat", type=int, default=3, help="rounds of --cli and --ceiling (median)")
    ap.add_argument("--ceiling", action="store_true", help="with --cli: the machine's own speed-up after each round")
    args = ap.parse_args()

    from sim.studies.experiment import load_experiment
    from sim.studies.sweep import load_results, sweep
    from sim.studies.sweep_pool import cores_available

    counts = [int(w) for w in args.workers.split(",")]
    rounds = [(w, "") for w in counts] + ([(max(counts), " warm")] if args.warm else [])
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
        if args.cli:
            print(f"baseline, {args.days} days, {runs} runs; {cores_available()} cores; load {os.getloadavg()[0]:.2f}")
            whole_processes(path, Path(tmp), counts, args.repeat, args.days if args.ceiling else None)
            print(f"load average {os.getloadavg()[0]:.2f} after")
            return
        print(
            f"baseline, {args.days} days, {runs} runs per sweep (2 policies × {args.reps} replications); "
            f"{cores_available()} cores; load average {os.getloadavg()[0]:.2f} before"
        )
        print(
            f"{'workers':>12}{'wall s':>9}{'runs/s':>9}{'speed-up':>10}{'driver cpu s':>14}"
            f"{'others cpu s':>14}{'driver share':>14}{'batches':>9}  tables"
        )
        first, reference = None, None
        for n, (w, label) in enumerate(rounds):
            out = Path(tmp) / f"w{w}-{n}"
            with CpuWatch() as watch:
                c0, t0 = time.process_time(), time.perf_counter()
                sweep(exp, out, workers=w, progress=False, log=lambda *_: None)
                wall, driver = time.perf_counter() - t0, time.process_time() - c0
            others = watch.spent()
            tables = {
                t: load_results(out, t).drop(columns="wall_s", errors="ignore") for t in ("summary", "daily", "scores")
            }
            if reference is None:
                reference = tables
            same = all(tables[t].equals(reference[t]) for t in tables)
            first = first or wall
            batches = len(list((out / "parts" / "summary").glob("*.parquet")))
            print(
                f"{str(w) + label:>12}{wall:>9.2f}{runs / wall:>9.3f}{first / wall:>9.2f}×{driver:>14.2f}"
                f"{others:>14.2f}{driver / (driver + others):>13.1%}{batches:>9}  {'identical' if same else 'DIFFER'}"
            )
        print(f"load average {os.getloadavg()[0]:.2f} after; 'others': the forkserver and the pool's workers")


if __name__ == "__main__":
    main()
