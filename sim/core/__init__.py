"""The event core: the calendar (clock), desks that hold cases (team, meeting, referral), the case
workflow, the incident log and the random streams. Imports only the scenario and the kernels.

The calendar, workers, desks and workflow are written once, in Python, and compiled by Cython from
the same source where a C compiler was found at install (``setup.py``). ``GRIDSIM_PURE=1`` (or
"true", "yes") runs them interpreted even where they were built: a finder installed here loads
the ``.py`` source of each instead of its extension — as it does where the compiled daily
kernels they cimport cannot be imported.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import sys
from pathlib import Path

COMPILED_MODULES = ("clock", "marks", "workers", "cases", "desks", "workflow")
"""The modules of ``sim.core`` that a build compiles (``setup.py`` lists them too)."""


def _kernels_compiled() -> bool:
    """Do the compiled daily kernels run? The compiled core cimports their rosters, so it runs with them
    (``sim.kernels`` is the one switch: ``GRIDSIM_PURE``, or nothing built)."""
    from sim import kernels

    return kernels.compiled is not None


class _SourceFinder:
    """Finds ``sim.core.<m>`` for the compiled modules as their ``.py`` source, when interpreted."""

    here = Path(__file__).resolve().parent

    def __init__(self) -> None:
        self.interpreted: bool | None = None  # decided at the first core import

    def find_spec(self, name: str, path: object = None, target: object = None) -> importlib.machinery.ModuleSpec | None:
        pkg, _, mod = name.rpartition(".")
        if pkg != __name__ or mod not in COMPILED_MODULES:
            return None
        if self.interpreted is None:
            self.interpreted = not _kernels_compiled()
        if not self.interpreted:
            return None  # the usual finders: the extension where built, else the source
        source = self.here / f"{mod}.py"
        return importlib.util.spec_from_file_location(
            name, source, loader=importlib.machinery.SourceFileLoader(name, str(source))
        )


if not any(isinstance(f, _SourceFinder) for f in sys.meta_path):
    sys.meta_path.insert(0, _SourceFinder())


def is_compiled() -> bool:
    """Is the event core running compiled (in this process)?"""
    from sim.core import clock

    return not str(clock.__file__).endswith(".py")
