"""Run an experiment's design (扫参): locally in processes or on a Dask cluster, resumably.

Workers only simulate; this process writes. Each finished run is written at once as one
Parquet part per table, named by the run's key, flushed to disk before it is renamed into
place (``parts/summary/<key>.parquet`` last, so a summary part means the run is complete);
the manifest is rewritten as each run finishes. A run that raises leaves ``errors/<key>.txt``
and the sweep goes on; a worker process that dies (killed, out of memory) is replaced, the
runs it may have held are retried one at a time, and a run that kills its worker twice is
recorded as failed. Running the same command again skips every key whose parts are readable
and belong to it (a truncated or foreign part is run again), so a sweep killed at any moment
resumes where it stopped and no run is ever stored twice. Workers exit when the driver dies
(a watchdog), so a killed sweep leaves no process behind. Results do not depend on the
number of workers: each run is fixed by its seed.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import select
import socket
import threading
import time
import traceback
from collections import deque
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from sim import __version__
from sim.output.runner import _atomic_write
from sim.scenario.loading import ScenarioError, apply_overrides, scenario_from_dict
from sim.studies import warmup
from sim.studies.comparison import paired_differences
from sim.studies.experiment import Experiment, RunSpec

TABLES = ("daily", "scores", "summary")  # written in this order: summary last marks completion
DAILY_COLUMNS = [
    "day",
    "reported",
    "accepted",
    "closed",
    "awaiting_acceptance",
    "backlog",
    "satisfied_share",
    "satisfaction",
    "worker_utilization",
    "overtime_hours",
    "vacant_posts",
    "at_work",
    "absent",
]
SCORE_COLUMNS = ["period", "agent", "kind", "community_type", "score", "true_value"]
MAX_DEATHS = 2  # a run whose worker dies this often, alone, is recorded as failed


def flatten(summary: dict, prefix: str = "") -> dict[str, float]:
    """The numbers of a run summary as one flat row (nested keys joined by dots)."""
    out = {}
    for key, value in summary.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, f"{name}."))
        elif isinstance(value, bool):
            out[name] = float(value)
        elif isinstance(value, (int, float)) or value is None:
            out[name] = float("nan") if value is None else float(value)
    return out


# ------------------------------------------------------------------ one run (in a worker)


def execute(job: tuple) -> dict:
    """Simulate one run; return its tables, or its error. Never raises: a failing run is a
    result too. Its summary's KPIs are read after its warm-up (:mod:`sim.output.steady`): the
    job's ``warmup_days`` when given, else detected by MSER-5 on the run's daily backlog."""
    from sim.output.runner import run_scenario
    from sim.output.steady import steady_summary
    from sim.output.tables import daily_table, scores_table

    raw, source, overrides, seed, days, warmup_days = job
    t0 = time.perf_counter()
    try:
        config = scenario_from_dict(apply_overrides(raw, list(overrides), source), source)
        model = run_scenario(config, seed=seed, days=days, transitions=False)
        scores = scores_table(model)
        daily = daily_table(model)
        cut = warmup.mser5(daily["backlog"])[0] if warmup_days is None else warmup_days
        summary = flatten(steady_summary(model, cut, daily=daily, scores=scores))
        daily = daily[DAILY_COLUMNS]
        if len(scores) and "scored" in scores:
            scores = scores[scores["scored"]][SCORE_COLUMNS]
        else:
            scores = pd.DataFrame(columns=SCORE_COLUMNS)
        return {"summary": summary, "daily": daily, "scores": scores, "wall_s": time.perf_counter() - t0}
    except Exception as exc:  # noqa: BLE001 — recorded, not raised: one bad run must not stop a sweep
        return {
            "error": f"{exc.__class__.__name__}: {exc}",
            "traceback": traceback.format_exc(),
            "wall_s": time.perf_counter() - t0,
        }


# ------------------------------------------------------------------ the store


class Store:
    """A sweep's directory: design, parts per run, errors, manifest. ``days``: the runs' length,
    when known, so that a daily part of another length is not taken as done."""

    def __init__(self, root: str | Path, days: int | None = None):
        self.root = Path(root)
        self.days = days
        self._verified: dict[str, bool] = {}

    def part(self, table: str, key: str) -> Path:
        """Where run ``key``'s part of ``table`` lies."""
        return self.root / "parts" / table / f"{key}.parquet"

    def error_file(self, key: str) -> Path:
        """Where run ``key``'s error and traceback are written if it fails."""
        return self.root / "errors" / f"{key}.txt"

    def owner(self) -> str | None:
        """The name of the experiment whose sweep this directory holds (None: none yet)."""
        try:
            return str(json.loads((self.root / "experiment.json").read_text(encoding="utf-8"))["name"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def prepare(self, exp: Experiment) -> None:
        """Make the directories and remove temporary files a killed write left behind;
        refuse a directory holding another experiment's sweep (their parts would mix)."""
        owner = self.owner()
        if owner is not None and owner != exp.name:
            raise ScenarioError(
                f"--out {self.root}: holds the sweep of experiment {owner!r}, not {exp.name!r} (choose another --out)"
            )
        for table in TABLES:
            d = self.root / "parts" / table
            d.mkdir(parents=True, exist_ok=True)
            for junk in d.glob(".*"):  # temporary files of a write that was killed
                junk.unlink(missing_ok=True)
        (self.root / "errors").mkdir(exist_ok=True)
        text = Path(exp.path).read_text(encoding="utf-8")
        _atomic_write(self.root / "experiment.yaml", lambda p: Path(p).write_text(text, encoding="utf-8"))

    def done(self, key: str) -> bool:
        """Whether run ``key`` finished: every part of it is there, readable, holds its key
        and the expected rows (one summary row; one daily row per day). Checked once."""
        if key not in self._verified:
            self._verified[key] = self.problem(key) is None
        return self._verified[key]

    def problem(self, key: str) -> str | None:
        """What is wrong with run ``key``'s parts (None: nothing; they are complete)."""
        if not self.part("summary", key).exists():
            return "no summary part"
        for table in TABLES:
            path = self.part(table, key)
            try:
                keys = pq.read_table(path, columns=["key"]).column("key").unique().to_pylist()
            except (OSError, ValueError, KeyError) as exc:  # missing, truncated, empty, not Parquet
                return f"{table} part unreadable ({exc.__class__.__name__})"
            if keys and keys != [key]:
                return f"{table} part belongs to another run"
            rows = pq.read_metadata(path).num_rows
            if table == "summary" and rows != 1:
                return f"summary part has {rows} rows"
            if table == "daily" and self.days is not None and rows != self.days:
                return f"daily part has {rows} rows, not {self.days}"
        return None

    def discard(self, key: str) -> None:
        """Remove run ``key``'s parts (summary first), so that it runs again."""
        for table in reversed(TABLES):
            self.part(table, key).unlink(missing_ok=True)
        self._verified[key] = False

    def write(self, spec: RunSpec, result: dict) -> None:
        """Store a finished run (summary last) or its error."""
        if "error" in result:
            text = f"{result['error']}\n\n{result['traceback']}"
            _atomic_write(self.error_file(spec.key), lambda p: Path(p).write_text(text, encoding="utf-8"))
            return
        ids = {"key": spec.key, "policy": spec.policy, "sample": spec.sample, "rep": spec.rep, "seed": spec.seed}
        row = dict(ids)
        row.update({f"param.{k}": v for k, v in spec.params.items()})
        row.update(result["summary"])
        row["wall_s"] = result["wall_s"]
        for table, frame in (
            ("daily", result["daily"]),
            ("scores", result["scores"]),
            ("summary", pd.DataFrame([row])),
        ):
            frame = frame.copy()
            for col, value in reversed(list(ids.items())):
                if col not in frame:
                    frame.insert(0, col, value)
            _atomic_write(self.part(table, spec.key), lambda p, f=frame: f.to_parquet(p, index=False))
        self._verified[spec.key] = True
        self.error_file(spec.key).unlink(missing_ok=True)

    def write_manifest(
        self, exp: Experiment, design: list[RunSpec], wall: dict[str, float], describe: bool = True
    ) -> pd.DataFrame:
        """The design with each run's status (done / error / pending), and (``describe``) the
        experiment's resolved description, written atomically."""
        rows = []
        for s in design:
            status = "done" if self.done(s.key) else ("error" if self.error_file(s.key).exists() else "pending")
            err = self.error_file(s.key).read_text(encoding="utf-8").split("\n", 1)[0] if status == "error" else ""
            rows.append(
                {
                    "key": s.key,
                    "policy": s.policy,
                    "sample": s.sample,
                    "rep": s.rep,
                    "seed": s.seed,
                    "status": status,
                    "error": err,
                    "wall_s": wall.get(s.key, float("nan")),
                    **{f"param.{k}": v for k, v in s.params.items()},
                }
            )
        manifest = pd.DataFrame(rows)
        _atomic_write(self.root / "manifest.parquet", lambda p: manifest.to_parquet(p, index=False))
        if not describe:
            return manifest
        meta = {
            "name": exp.name,
            "description": exp.spec.description,
            "description_zh": exp.spec.description_zh,
            "warmup_rule": exp.warmup_rule,
            "experiment": exp.path,
            "scenario": exp.scenario_path,
            "days": exp.days,
            "seed": exp.seed,
            "policies": exp.policies,
            "reference": exp.reference,
            "kpis": exp.kpis,
            "thresholds": exp.spec.thresholds,
            "lang": exp.spec.lang,
            "warmup_days": exp.spec.warmup_days,
            "version": __version__,
            "uncertainties": {k: v.model_dump() for k, v in exp.spec.uncertainties.items()},
            "samples": len(exp.samples),
            "replications": max((s.rep for s in design), default=-1) + 1,
        }
        text = json.dumps(meta, indent=2, ensure_ascii=False, default=str) + "\n"
        _atomic_write(self.root / "experiment.json", lambda p: Path(p).write_text(text, encoding="utf-8"))
        return manifest


def load_results(root: str | Path, table: str = "summary") -> pd.DataFrame:
    """One table of a sweep (summary, daily or scores) for the runs of its current design
    that finished, in design order. Labels (policy, sample, replication) come from the
    design: two policies that set the same values are one simulation, reported under both."""
    root = Path(root)
    manifest_path = root / "manifest.parquet"
    if not manifest_path.exists():
        raise ScenarioError(f"{root}: not a sweep directory (no manifest.parquet; run `gridsim sweep` first)")
    try:
        manifest = pd.read_parquet(manifest_path)
    except (OSError, ValueError) as exc:
        raise ScenarioError(
            f"{manifest_path}: unreadable ({exc.__class__.__name__}); run `gridsim sweep` again"
        ) from None
    store, cache, frames = Store(root), {}, []
    for row in manifest.itertuples(index=False):
        if not store.done(row.key):  # a bad part is skipped: the next sweep runs it again
            continue
        if row.key not in cache:
            try:
                cache[row.key] = pd.read_parquet(store.part(table, row.key))
            except (OSError, ValueError):
                continue
        frame = cache[row.key]
        if len(frame):
            frames.append(frame.assign(policy=row.policy, sample=row.sample, rep=row.rep, seed=row.seed))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


# ------------------------------------------------------------------ running


def _completed(
    exp: Experiment, specs: list[RunSpec], workers: int, scheduler: str | None
) -> Iterator[tuple[RunSpec, dict]]:
    """Yield (spec, result) as runs finish: in this process, in a process pool, or on a Dask
    cluster — the same jobs and the same results in each."""
    specs = list({s.key: s for s in specs}.values())  # a run two policies share is simulated once
    jobs = {s.key: (exp.raw, exp.path, s.overrides, s.seed, exp.days, exp.spec.warmup_days) for s in specs}
    if scheduler:
        from distributed import Client
        from distributed import as_completed as dask_completed

        with Client(scheduler) as client:
            futures = {client.submit(execute, jobs[s.key], pure=False, key=f"gridsim-{s.key}"): s for s in specs}
            for fut in dask_completed(futures):
                yield futures[fut], _result_of(fut)
        return
    if workers == 1:
        for s in specs:
            yield s, execute(jobs[s.key])
        return
    yield from _in_pool(jobs, specs, workers)


def cores_available() -> int:
    """CPU cores this process may run on (its affinity mask, which a container or ``taskset``
    narrows, rather than the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # no affinity masks (macOS, Windows)
        return os.cpu_count() or 1


def local_workers(asked: int | None, force: bool = False) -> tuple[int, str | None]:
    """How many local processes to start for ``--workers asked`` (all cores if not asked), and a
    note when the number was capped: more processes than cores only share them (each run pays
    its start-up and memory) unless ``force``."""
    cores = cores_available()
    if asked is None:
        return cores, None
    if asked > cores and not force:
        return cores, f"--workers {asked}: capped at the {cores} cores available (--force-workers starts {asked})"
    return asked, None


def _in_pool(jobs: dict[str, tuple], specs: list[RunSpec], workers: int) -> Iterator[tuple[RunSpec, dict]]:
    """Runs in a pool of ``workers`` processes, at most one queued per worker. When a worker
    dies the pool is replaced; the runs it held are retried one at a time (so a death is
    pinned on its run) and a run that dies :data:`MAX_DEATHS` times is returned as failed."""
    # forkserver, not fork: this process holds Arrow's threads, and fork() under threads can deadlock
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["sim.studies.sweep", "sim.model"])  # workers start with the model imported

    def new_pool() -> ProcessPoolExecutor:
        return ProcessPoolExecutor(workers, mp_context=ctx, initializer=_watchdog, initargs=(os.getpid(),))

    todo, suspects, deaths = deque(specs), deque[RunSpec](), dict[str, int]()
    running: dict[Future, RunSpec] = {}
    pool = new_pool()

    def queued(queue: deque[RunSpec]) -> bool:
        """Submit the first run of ``queue``; False, the run left in place, if the pool broke (a
        worker died) since the last look: its runs are then failed and handled below."""
        try:
            running[pool.submit(execute, jobs[queue[0].key])] = queue[0]
        except BrokenProcessPool:
            return False
        queue.popleft()
        return True

    try:
        while todo or suspects or running:
            broken = False
            while not running and suspects and not broken:  # a suspect runs alone
                broken = not queued(suspects)
            while todo and not suspects and len(running) < workers and not broken:
                broken = not queued(todo)
            if broken and not running:  # a worker died holding no run of ours: nothing is lost
                pool.shutdown(wait=True, cancel_futures=True)
                pool = new_pool()
                continue
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            lost: list[RunSpec] = []
            for fut in finished:
                s = running.pop(fut)
                try:
                    result = fut.result()
                except BrokenProcessPool:
                    lost.append(s)
                    continue
                except Exception:  # noqa: BLE001 — e.g. a result that cannot be sent back: recorded
                    result = _result_of(fut)
                yield s, result
            if not lost:
                continue
            lost += running.values()  # the pool is broken: every run in it is lost
            alone = len(lost) == 1  # it ran alone: the death is its own
            running.clear()
            pool.shutdown(wait=True, cancel_futures=True)
            pool = new_pool()
            for s in lost:
                if alone:
                    deaths[s.key] = deaths.get(s.key, 0) + 1
                if deaths.get(s.key, 0) >= MAX_DEATHS:
                    yield (
                        s,
                        {
                            "error": f"WorkerDied: the worker process running it died {MAX_DEATHS} times "
                            "(killed, or out of memory)",
                            "traceback": "",
                            "wall_s": float("nan"),
                        },
                    )
                else:
                    suspects.append(s)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def _watchdog(driver: int) -> None:
    """Pool initializer: a thread that ends this worker when the sweep's driver process ends
    (killed with SIGKILL, say), so that no worker outlives it. ``driver``: its process id."""

    def watch() -> None:
        try:
            fd = os.pidfd_open(driver)  # Linux: readable once the process has ended
        except ProcessLookupError:
            os._exit(1)
        except (AttributeError, OSError):
            fd = None
        if fd is not None:
            select.select([fd], [], [])
            os._exit(1)
        while True:  # elsewhere: poll
            time.sleep(1.0)
            try:
                os.kill(driver, 0)
            except ProcessLookupError:
                os._exit(1)
            except PermissionError:
                pass

    threading.Thread(target=watch, name="gridsim-watchdog", daemon=True).start()


def _result_of(fut) -> dict:
    try:
        return fut.result()
    except Exception as exc:  # no result (a Dask worker lost beyond its retries): recorded, the sweep goes on
        return {
            "error": f"{exc.__class__.__name__}: {exc}",
            "traceback": traceback.format_exc(),
            "wall_s": float("nan"),
        }


def check_sweep_out(out: Path, exp: Experiment) -> Path:
    """Refuse a sweep ``--out`` that is a file, a folder of other things, or another
    experiment's sweep directory, before anything is written."""
    if out.exists() and not out.is_dir():
        raise ScenarioError(f"--out {out}: exists and is not a directory")
    if out.is_dir() and any(out.iterdir()):
        owner = Store(out).owner()
        if owner is None and not (out / "parts").is_dir():  # (parts but no description: killed at once)
            raise ScenarioError(f"--out {out}: exists and is not a gridsim sweep directory (choose another --out)")
        if owner is not None and owner != exp.name:
            raise ScenarioError(
                f"--out {out}: holds the sweep of experiment {owner!r}, not {exp.name!r} (choose another --out)"
            )
    return out


def check_scheduler(address: str, timeout: float = 5.0) -> None:
    """Refuse a Dask scheduler address that is malformed or does not answer, quickly and
    before anything is written."""
    from distributed.comm.addressing import parse_address, parse_host_port

    try:
        scheme, location = parse_address(address)
    except (ValueError, TypeError) as exc:
        raise ScenarioError(f"--scheduler {address}: not a scheduler address like tcp://host:8786 ({exc})") from None
    if scheme not in ("tcp", "tls", "ws", "wss"):
        return  # in-process and UCX addresses: the client checks them
    try:
        host, port = parse_host_port(location)
    except (ValueError, TypeError) as exc:
        raise ScenarioError(f"--scheduler {address}: not a scheduler address like tcp://host:8786 ({exc})") from None
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        raise ScenarioError(f"--scheduler {address}: no scheduler answers there ({reason})") from None


def probe_kpis(exp: Experiment) -> None:
    """Refuse KPIs that are not numbers in a run summary, before the sweep starts (a
    one-day run of the base scenario tells which exist)."""
    res = execute((exp.raw, exp.path, (), exp.seed, 1, 0))
    if "error" in res:
        raise ScenarioError(f"{exp.path}: the base scenario fails to run: {res['error']}")
    scalar = sorted(res["summary"])
    for k in exp.kpis:
        if k not in res["summary"]:
            raise ScenarioError(
                f"{exp.path}: kpis: {k!r} is not a number in a run summary (numbers there: {', '.join(scalar)})"
            )


def sweep(
    exp: Experiment,
    out: str | Path,
    workers: int = 1,
    scheduler: str | None = None,
    progress: bool = True,
    log=print,
    check_kpis: bool = True,
) -> pd.DataFrame:
    """Run every run of the design not yet in ``out``; adaptive replications add rounds
    until each compared difference is narrow enough. Returns the manifest."""
    from tqdm import tqdm

    store = Store(out, exp.days)
    if check_kpis:
        probe_kpis(exp)
    store.prepare(exp)
    plan = exp.replications
    reps, wall, failed = plan.n, {}, 0
    while True:
        design = exp.runs(reps)
        for key in dict.fromkeys(s.key for s in design):
            if store.part("summary", key).exists() and not store.done(key):  # cut short by a crash, say
                log(f"{exp.name}: run {key}: {store.problem(key)}; running it again")
                store.discard(key)
        store.write_manifest(exp, design, wall)
        pending = [s for s in design if not store.done(s.key)]
        if len(pending) < len(design):
            done = len(design) - len(pending)
            log(f"{exp.name}: {done} of {len(design)} runs already done; running the other {len(pending)}")
        bar = tqdm(
            total=len(design),
            initial=len(design) - len(pending),
            unit="run",
            desc=exp.name,
            disable=not progress or not pending,
            smoothing=0.1,
        )
        try:
            last = time.monotonic()
            for spec, result in _completed(exp, pending, workers, scheduler):
                store.write(spec, result)
                wall[spec.key] = result["wall_s"]
                if time.monotonic() - last > 1.0:  # the manifest follows the runs (at most once a second)
                    store.write_manifest(exp, design, wall, describe=False)
                    last = time.monotonic()
                if "error" in result:
                    failed += 1
                    bar.set_postfix(failed=failed)
                    if not progress:
                        where = f"{spec.policy}, sample {spec.sample}, rep {spec.rep}"
                        log(f"run {spec.key} ({where}) failed: {result['error']}")
                bar.update(1)
        finally:
            bar.close()
            store.write_manifest(exp, design, wall)
        if not plan.width or reps >= plan.max:
            break
        summary = load_results(out)
        diffs = paired_differences(summary, list(plan.width), exp.reference, list(exp.policies))
        span = diffs["hi"] - diffs["lo"]  # fewer than two pairs, or no data: not known to any width yet
        wide = (
            diffs[(span > diffs["kpi"].map(plan.width)) | span.isna() | (diffs["pairs"] < 2)] if len(diffs) else diffs
        )
        if len(diffs) and wide.empty:
            log(f"{exp.name}: every compared difference is narrower than its width after {reps} replications")
            break
        step = plan.step or plan.n
        reps = min(reps + step, plan.max)
        log(f"{exp.name}: {len(wide)} difference(s) still wider than asked; going to {reps} replications")
    manifest = store.write_manifest(exp, design, wall)
    if plan.width and reps >= plan.max:
        log(f"{exp.name}: stopped at the cap of {plan.max} replications")
    return manifest
