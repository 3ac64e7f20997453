"""Drawing a report's figures (作图): each figure built and encoded as PNG where it is drawn,
some of them in a second process where the machine has a second core.

matplotlib holds the interpreter lock while it lays out and rasterises, and a report's figures
are independent, so two processes draw them in about half the time (the demo sweep's report:
five figures, most of its run time). The helper starts when the report does, so that its imports
overlap the report's reading of the sweep; once ready it takes figures from the end of the list
while this process takes them from the front, one at a time, until none is left (this one never
waits for a helper still starting). The plot functions and their tables travel by pickle. A
figure is the same PNG, byte for byte, whichever process drew it. Where the helper cannot start
or dies, this process draws what it left.
"""

from __future__ import annotations

import io
import multiprocessing
import signal
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

Job = tuple[Callable[..., Any], tuple]
"""A figure to draw: the plot function (module level, so it pickles by name) and its arguments."""


def png(fig) -> bytes:
    """``fig`` as PNG bytes, as the report embeds and stores it."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    return buf.getvalue()


def draw_one(plot: Callable[..., Any], args: tuple, cjk: bool) -> bytes | None:
    """The PNG of ``plot(*args)`` (None where it draws no figure); ``cjk``: the CJK font first."""
    if cjk:
        from sim.output.fonts import use_cjk_font

        use_cjk_font()
    fig = plot(*args)
    return None if fig is None else png(fig)


def _ignore_interrupt() -> None:
    """The helper leaves Ctrl-C to the report's own process, which stops it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _warm() -> None:
    """What a figure needs, imported before the helper is handed one."""
    import matplotlib.figure  # noqa: F401

    import sim.studies.report  # noqa: F401


class Drawing:
    """Draws figures here and, where ``helpers`` (default: where more than one core is
    available), in a helper process started at once. A context manager: leaving it lets the
    helper go."""

    def __init__(self, helpers: int | None = None):
        if helpers is None:
            from sim.studies.sweep_pool import cores_available

            helpers = 1 if cores_available() > 1 else 0
        self.pool: ProcessPoolExecutor | None = None
        self.ready: Future | None = None
        if helpers and "forkserver" in multiprocessing.get_all_start_methods():
            # forkserver, not fork: the report's process holds Arrow's threads
            ctx = multiprocessing.get_context("forkserver")
            self.pool = ProcessPoolExecutor(1, ctx, initializer=_ignore_interrupt)
            self.ready = self.pool.submit(_warm)

    def __enter__(self) -> Drawing:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Let the helper go, once it has finished what it is doing (a figure when the report
        failed, its imports when it never got ready). Waited for here, not left to the
        executor: an executor collected while its thread joins the helper deadlocks that
        thread at exit (CPython 3.13.0, ``concurrent.futures.process``'s ``weakref_cb``)."""
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None

    def start(self, jobs: dict[str, Job], cjk: bool = False) -> Figures:
        """Let the helper begin on ``jobs`` (from the end of the list) while this process does
        other work; :meth:`Figures.finish` draws the rest here and returns every PNG."""
        return Figures(self, jobs, cjk)

    def draw(self, jobs: dict[str, Job], cjk: bool = False) -> dict[str, bytes | None]:
        """The PNG of every figure in ``jobs`` (by name, in the order given; None where its plot
        draws none)."""
        return self.start(jobs, cjk).finish()


class Figures:
    """Figures being drawn (:meth:`Drawing.start`): the helper takes the last one not yet taken
    each time it is free; :meth:`finish` takes them from the front here."""

    def __init__(self, drawing: Drawing, jobs: dict[str, Job], cjk: bool):
        self.jobs, self.cjk = jobs, cjk
        self.pool, self.ready = drawing.pool, drawing.ready
        self.left = deque(jobs)
        self.theirs: list[tuple[str, Future]] = []
        self.turn = threading.Condition()
        self.busy = 0  # figures the helper holds (0 or 1)
        self.broken = False  # the helper cannot take more (it could not start, or died)
        if self.pool is not None and self.ready is not None and self.left:
            self.ready.add_done_callback(self._hand_on)  # (at once if it is ready already)

    def _hand_on(self, done: Future) -> None:
        """After the helper got ready or finished a figure: give it the last one not yet taken."""
        error = None if done.cancelled() else done.exception()
        with self.turn:
            if done is self.ready:
                self.broken = done.cancelled() or error is not None  # it could not start
            else:
                self.busy -= 1
                self.broken = self.broken or done.cancelled() or isinstance(error, BrokenProcessPool)
            name = self.left.pop() if self.left and not self.broken else None
            if name is not None:
                self.busy += 1
            self.turn.notify_all()
        if name is None:
            return
        assert self.pool is not None
        try:
            fut = self.pool.submit(draw_one, *self.jobs[name], self.cjk)
        except (BrokenProcessPool, RuntimeError):  # it died (or was let go): drawn here
            with self.turn:
                self.left.append(name)
                self.busy -= 1
                self.broken = True
                self.turn.notify_all()
            return
        self.theirs.append((name, fut))
        fut.add_done_callback(self._hand_on)

    def finish(self) -> dict[str, bytes | None]:
        """Draw here what the helper has not taken, wait for the figure it holds (not for a
        helper still starting) and return every PNG, in the order of the jobs."""
        jobs, cjk = self.jobs, self.cjk
        out: dict[str, bytes | None] = {}
        while True:
            with self.turn:
                name = self.left.popleft() if self.left else None
            if name is None:
                break
            out[name] = draw_one(*jobs[name], cjk)
        with self.turn:
            self.turn.wait_for(lambda: self.busy == 0)
            rest = list(self.left)  # (handed back when the helper could not take them)
            self.left.clear()
        for name, fut in list(self.theirs):
            try:
                out[name] = fut.result()
            except BrokenProcessPool:  # the helper died with it: drawn here
                out[name] = draw_one(*jobs[name], cjk)
        for name in rest:
            out[name] = draw_one(*jobs[name], cjk)
        return {name: out[name] for name in jobs}
