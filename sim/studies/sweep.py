"""Run an experiment's design (扫参): locally in processes or on a Dask cluster, resumably.

Workers simulate (:mod:`sim.studies.sweep_job`, in :mod:`sim.studies.sweep_pool`'s processes or
on Dask); this process stores: finished runs go into verified batches (:mod:`sim.studies.sweep_store`),
a failing run leaves ``errors/<key>.txt`` and the sweep goes on, and the manifest follows the runs.
Running the same command again skips every run of a complete batch (a damaged batch is run
again), so a sweep killed at any moment resumes where it stopped and no run is ever stored twice.
Results do not depend on the number of workers: each run is fixed by its seed.
"""

from __future__ import annotations

import math
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from sim.scenario.loading import ScenarioError
from sim.studies.experiment import Experiment, RunSpec
from sim.studies.sweep_job import DAILY_COLUMNS, SCORE_COLUMNS, execute, flatten
from sim.studies.sweep_pool import (
    cores_available,
    in_a_worker,
    in_pool,
    local_workers,
    result_of,
    start_workers_early,
)
from sim.studies.sweep_store import TABLES, Store, load_results, load_tables

__all__ = [
    "DAILY_COLUMNS",
    "SCORE_COLUMNS",
    "TABLES",
    "Store",
    "check_scheduler",
    "check_sweep_out",
    "cores_available",
    "execute",
    "flatten",
    "load_results",
    "load_tables",
    "local_workers",
    "probe_kpis",
    "sweep",
]


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
                yield futures[fut], result_of(fut)
        return
    if workers == 1:
        for s in specs:
            yield s, execute(jobs[s.key])
        return
    yield from in_pool(jobs, specs, workers)


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


def probe_kpis(exp: Experiment, workers: int = 1) -> None:
    """Refuse KPIs that are not numbers in a run summary, before the sweep starts (a
    one-day run of the base scenario tells which exist). With local ``workers`` it runs in one
    of them, so the driver never imports the model: the pool is what it waits for."""
    job = (exp.raw, exp.path, (), exp.seed, 1, 0)
    res = in_a_worker(job) if workers > 1 else execute(job)
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

    if workers > 1 and not scheduler:
        start_workers_early()  # the workers import the model while this process checks the KPIs
    store = Store(out, exp.days, workers=workers)
    if check_kpis:
        probe_kpis(exp, 1 if scheduler else workers)
    store.prepare(exp)
    plan = exp.replications
    reps, failed = plan.n, 0
    wall: dict[str, float] = {}
    while True:
        design = exp.runs(reps)
        for batch, (problem, keys) in store.damaged().items():  # cut short by a crash, say
            log(f"{exp.name}: batch {batch} ({len(keys)} runs): {problem}; running it again")
            store.discard(batch)
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
            last = -math.inf  # the first run to finish shows in the manifest at once
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
            store.flush()  # the runs gathered so far (an interrupted sweep keeps them too)
            bar.close()
            manifest = store.write_manifest(exp, design, wall)
        if not plan.width or reps >= plan.max:
            break
        from sim.studies.comparison import paired_differences  # (its t quantiles: SciPy, only for adaptive rounds)

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
    if plan.width and reps >= plan.max:
        log(f"{exp.name}: stopped at the cap of {plan.max} replications")
    return manifest
