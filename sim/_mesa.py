"""Mesa, as gridsim imports it: without the stack walk that naming its loggers costs.

``mesa.model`` names its module logger with ``inspect.stack()``: the source of every frame on
the import stack is read, and the file of every loaded module resolved (a ``realpath`` each),
to learn that the caller is ``mesa.model``. That is 0.1–0.27 s of every process's start-up, the
more the more modules are loaded. While Mesa is first imported here, ``inspect`` answers the
same question from the frame itself (the module named by its globals): the same logger names,
without the walk. Every gridsim module takes its Mesa names from here.
"""

from __future__ import annotations

import contextlib
import inspect
import sys
from collections.abc import Iterator


@contextlib.contextmanager
def _frames_named_by_their_globals() -> Iterator[None]:
    """``inspect.stack`` without source lines and ``inspect.getmodule`` of a frame from its
    globals, for the duration of the block (Mesa's import); the real ones after, always."""
    stack, getmodule = inspect.stack, inspect.getmodule

    def frames(context: int = 1) -> list[inspect.FrameInfo]:
        frame, out = sys._getframe(1), []
        while frame is not None:
            code = frame.f_code
            out.append(inspect.FrameInfo(frame, code.co_filename, frame.f_lineno, code.co_name, None, None))
            frame = frame.f_back
        return out

    def module_of(obj, _filename=None):
        if inspect.isframe(obj):
            return sys.modules.get(obj.f_globals.get("__name__", ""))
        return getmodule(obj, _filename)

    inspect.stack, inspect.getmodule = frames, module_of  # type: ignore[assignment]
    try:
        yield
    finally:
        inspect.stack, inspect.getmodule = stack, getmodule  # type: ignore[assignment]


with _frames_named_by_their_globals():
    import mesa

from mesa.discrete_space import CellAgent, Network  # noqa: E402 — after Mesa's own import above

__all__ = ["CellAgent", "Network", "mesa"]
