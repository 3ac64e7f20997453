"""Builds the compiled daily kernels (sim/kernels/_kernels.pyx) and event core (the Python modules
sim/core/{clock,marks,workers,cases,desks,workflow}.py, compiled by Cython with the ``.pxd`` beside each);
everything else is in pyproject.toml.

Each extension is optional: where no C compiler is found the package installs without it and runs
the same Python source interpreted, and numpy in place of the kernels (identical results, slower).
The kernels link numpy's static random library (``numpy/random/lib/libnpyrandom.a``) to draw as
``numpy.random`` does.
"""

from pathlib import Path

import numpy as np
from Cython.Build import cythonize
from setuptools import Extension, setup

NUMPY_RANDOM_LIB = str(Path(np.get_include()).parent.parent / "random" / "lib")
CORE = ("clock", "marks", "workers", "cases", "desks", "workflow")
"""The event core's modules, in the order they cimport one another."""
CORE_DIRECTIVES = dict(
    boundscheck=False, wraparound=False, initializedcheck=False, cdivision=False, annotation_typing=False
)  # types come from the .pxd files: annotations are for readers and mypy


def extension(name: str, source: str) -> Extension:
    """``name`` dotted under ``sim``, e.g. ``kernels._kernels``, built from ``source``."""
    return Extension(
        f"sim.{name}",
        [source],
        include_dirs=[np.get_include()],
        library_dirs=[NUMPY_RANDOM_LIB],
        libraries=["npyrandom", "m"],
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
        # no fused multiply-add: the kernels must round exactly as numpy does
        extra_compile_args=["-O2", "-ffp-contract=off"],
    )


# the daily kernels, and the event core (calendar, desks, workflow) that cimports their rosters
extensions = cythonize([extension("kernels._kernels", "sim/kernels/_kernels.pyx")], language_level=3)
extensions += cythonize(
    [extension(f"core.{m}", f"sim/core/{m}.py") for m in CORE], language_level=3, compiler_directives=CORE_DIRECTIVES
)
for ext in extensions:
    ext.optional = True  # a failed compile warns and installs without it (cythonize drops the flag)

setup(ext_modules=extensions)
