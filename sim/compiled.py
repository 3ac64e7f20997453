"""Which implementation of the daily kernels runs: the compiled one (``sim._kernels``,
built at install) or the numpy reference in the domain modules.

``kernels`` is the compiled module, or ``None`` where it was not built or where
``GRIDSIM_PURE=1`` asks for the reference. Both give bit-identical results.
"""

from __future__ import annotations

import os

kernels = None
if os.environ.get("GRIDSIM_PURE", "") not in ("1", "true", "yes"):
    try:
        from . import _kernels as kernels
    except (ImportError, ValueError):  # not built (no C compiler), or built for another numpy
        kernels = None
