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
    helper go (without waiting for it)."""

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
        """Let the helper go: what it is doing it finishes, then it exits."""
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool = None

    def draw(self, jobs: dict[str, Job], cjk: bool = False) -> dict[str, bytes | None]:
        """The PNG of every figure in ``jobs`` (by name, in the order given; None where its plot
        draws none)."""
        left = deque(jobs)
        out: dict[str, bytes | None] = {}
        theirs: list[tuple[str, Future]] = []
        turn = threading.Condition()
        state = {"busy": 0, "broken": False}  # the helper's figure in hand; it cannot take more
        pool = self.pool

        def hand_on(done: Future) -> None:
            """After the helper got ready or finished a figure: give it the last one not yet taken."""
            error = None if done.cancelled() else done.exception()
            with turn:
                if done is self.ready:
                    state["broken"] = done.cancelled() or error is not None  # it could not start
                else:
                    state["busy"] -= 1
                    state["broken"] = state["broken"] or done.cancelled() or isinstance(error, BrokenProcessPool)
                name = left.pop() if left and not state["broken"] else None
                if name is not None:
                    state["busy"] += 1
                turn.notify_all()
            if name is None:
                return
            try:
                fut = pool.submit(draw_one, *jobs[name], cjk)
            except (BrokenProcessPool, RuntimeError):  # it died (or was let go): drawn here
                with turn:
                    left.append(name)
                    state["busy"] -= 1
                    state["broken"] = True
                    turn.notify_all()
                return
            theirs.append((name, fut))
            fut.add_done_callback(hand_on)

        if pool is not None and self.ready is not None and len(left) > 1:
            self.ready.add_done_callback(hand_on)  # (at once if it is ready already)
        while True:
            with turn:
                name = left.popleft() if left else None
            if name is None:
                break
            out[name] = draw_one(*jobs[name], cjk)
        with turn:  # a figure the helper holds is waited for; a helper still starting is not
            turn.wait_for(lambda: state["busy"] == 0)
            rest = list(left)  # (handed back when the helper could not take them)
            left.clear()
        for name, fut in list(theirs):
            try:
                out[name] = fut.result()
            except BrokenProcessPool:  # the helper died with it: drawn here
                out[name] = draw_one(*jobs[name], cjk)
        for name in rest:
            out[name] = draw_one(*jobs[name], cjk)
        return {name: out[name] for name in jobs}
