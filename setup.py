"""Builds the compiled daily kernels (sim/kernels/_kernels.pyx) and event core (sim/core/_core.pyx); everything
else is in pyproject.toml.

The extension is optional: where no C compiler is found the package installs without it and
runs the pure-Python reference of each (identical results, slower). It links numpy's
static random library (``numpy/random/lib/libnpyrandom.a``) to draw as ``numpy.random`` does.
"""

from pathlib import Path

import numpy as np
from Cython.Build import cythonize
from setuptools import Extension, setup

NUMPY_RANDOM_LIB = str(Path(np.get_include()).parent.parent / "random" / "lib")


def extension(name: str) -> Extension:
    """``name`` dotted under ``sim``, e.g. ``kernels._kernels``."""
    return Extension(f"sim.{name}", [f"sim/{name.replace('.', '/')}.pyx"],
                     include_dirs=[np.get_include()], library_dirs=[NUMPY_RANDOM_LIB], libraries=["npyrandom", "m"],
                     define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
                     # no fused multiply-add: the kernels must round exactly as numpy does
                     extra_compile_args=["-O2", "-ffp-contract=off"])


# the daily kernels, and the event core (calendar, desks, workflow) that cimports their rosters
extensions = cythonize([extension("kernels._kernels"), extension("core._core")], language_level=3)
for ext in extensions:
    ext.optional = True  # a failed compile warns and installs without it (cythonize drops the flag)

setup(ext_modules=extensions)
