"""Builds the compiled daily kernels (sim/_kernels.pyx); everything else is in pyproject.toml.

The extension is optional: where no C compiler is found the package installs without it and
runs the numpy reference of each kernel (identical results, slower days).
"""

from Cython.Build import cythonize
from setuptools import Extension, setup

setup(
    ext_modules=cythonize(
        [Extension("sim._kernels", ["sim/_kernels.pyx"],
                   # no fused multiply-add: the kernels must round exactly as numpy does
                   extra_compile_args=["-O2", "-ffp-contract=off"], optional=True)],
        language_level=3,
    )
)
