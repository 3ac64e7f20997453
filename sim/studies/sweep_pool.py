"""The local worker processes of a sweep (扫参): how many, started early, kept busy, replaced
when one dies.

Workers fork from one forkserver that imports the model once (:data:`sweep_job.PRELOAD`) and
stays up for the life of the driver, so every pool after the first starts at once. Each worker
holds a second run queued behind the one it simulates, so it never waits while the driver
stores results. A worker that dies (killed, out of memory) breaks the pool: it is replaced, the
runs it may have held are retried one at a time (so a death is pinned on its run) and a run that
dies :data:`MAX_DEATHS` times is returned as failed. Workers exit when the driver dies (a
watchdog), so a killed sweep leaves no process behind.
"""

from __future__ import annotations

import multiprocessing
import os
import select
import threading
import time
import traceback
from collections import deque
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING

from sim.studies.sweep_job import PRELOAD, execute

if TYPE_CHECKING:
    from sim.studies.experiment import RunSpec

MAX_DEATHS = 2  # a run whose worker dies this often, alone, is recorded as failed
QUEUED_PER_WORKER = 2  # runs in flight per worker: the one it simulates and the next


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


def _context():
    # forkserver, not fork: the driver holds Arrow's threads, and fork() under threads can deadlock
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)  # workers start with the model imported
    return ctx


def start_workers_early() -> None:
    """Start the forkserver now, without waiting: it imports the model on another core while
    the driver reads the experiment and checks its KPIs, so the pool starts without that wait."""
    _context()
    from multiprocessing import forkserver

    forkserver.ensure_running()


def _pool(workers: int) -> ProcessPoolExecutor:
    """``workers`` processes forked from the forkserver, each ending when the driver ends."""
    return ProcessPoolExecutor(workers, mp_context=_context(), initializer=end_with_driver, initargs=(os.getpid(),))


def in_a_worker(job: tuple) -> dict:
    """The result of ``job`` run in one worker forked from the forkserver (a death or an
    unsendable result recorded as an error): the driver runs it without importing the model."""
    pool = _pool(1)
    try:
        return result_of(pool.submit(execute, job))
    finally:
        pool.shutdown(wait=False)  # (its worker exits on its own; the sweep's pool starts meanwhile)


def in_pool(jobs: dict[str, tuple], specs: list[RunSpec], workers: int) -> Iterator[tuple[RunSpec, dict]]:
    """Yield (spec, result) as the runs ``specs`` finish in a pool of ``workers`` processes,
    :data:`QUEUED_PER_WORKER` runs in flight per worker; a suspect (a run that was in a pool
    when it broke) runs alone."""
    todo: deque[RunSpec] = deque(specs)
    suspects: deque[RunSpec] = deque()
    deaths: dict[str, int] = {}
    running: dict[Future, RunSpec] = {}
    pool = _pool(workers)

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
            while todo and not suspects and len(running) < QUEUED_PER_WORKER * workers and not broken:
                broken = not queued(todo)
            if broken and not running:  # a worker died holding no run of ours: nothing is lost
                pool.shutdown(wait=True, cancel_futures=True)
                pool = _pool(workers)
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
                    result = result_of(fut)
                yield s, result
            if not lost:
                continue
            lost += running.values()  # the pool is broken: every run in it is lost
            alone = len(lost) == 1  # it ran alone: the death is its own
            running.clear()
            pool.shutdown(wait=True, cancel_futures=True)
            pool = _pool(workers)
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


def end_with_driver(driver: int) -> None:
    """Worker initializer (the sweep's pool, the calibration's sampler): a thread that ends this
    worker when the driver process ends (killed with SIGKILL, say), so that no worker outlives
    it. ``driver``: its process id."""

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


def result_of(fut) -> dict:
    """A future's result, or its exception recorded as a failed run's result (a result that
    could not be sent back, a Dask worker lost beyond its retries): the sweep goes on."""
    try:
        return fut.result()
    except Exception as exc:  # noqa: BLE001
        return {
            "error": f"{exc.__class__.__name__}: {exc}",
            "traceback": traceback.format_exc(),
            "wall_s": float("nan"),
        }
