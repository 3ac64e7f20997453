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
import types
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


@contextlib.contextmanager
def _spatial_on_first_use() -> Iterator[None]:
    """For the duration of the block (Mesa's import), ``scipy``, ``scipy.spatial`` and
    ``scipy.spatial.distance`` are stand-ins whose ``KDTree`` and ``cdist`` import SciPy's own
    when first called; the real modules after, always (unless SciPy was already imported)."""
    if "scipy" in sys.modules:
        yield
        return

    def kd_tree(*args, **kwargs):
        from scipy.spatial import KDTree

        return KDTree(*args, **kwargs)

    def cdist(*args, **kwargs):
        from scipy.spatial.distance import cdist as real

        return real(*args, **kwargs)

    scipy, spatial, distance = (types.ModuleType(n) for n in ("scipy", "scipy.spatial", "scipy.spatial.distance"))
    vars(scipy).update(__path__=[], spatial=spatial)  # (packages: submodules are looked up in sys.modules)
    vars(spatial).update(__path__=[], KDTree=kd_tree, distance=distance)
    vars(distance).update(cdist=cdist)
    stand_ins = {m.__name__: m for m in (scipy, spatial, distance)}
    sys.modules.update(stand_ins)
    try:
        yield
    finally:
        for name, module in stand_ins.items():
            if sys.modules.get(name) is module:
                del sys.modules[name]


with _frames_named_by_their_globals(), _spatial_on_first_use():
    import mesa

from mesa.discrete_space import CellAgent, Network  # noqa: E402 — after Mesa's own import above

__all__ = ["CellAgent", "Network", "mesa"]
