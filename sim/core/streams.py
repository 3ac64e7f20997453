"""Random streams: one seed → independent ``SeedSequence`` children, one per purpose.

Keeping arrivals apart from handling and behaviour means two policies run with the same
seed see the identical incident sequence (common random numbers), whatever they do next.
"""

from __future__ import annotations

import numpy as np

STREAMS = ("arrivals", "behaviour", "handling", "feedback", "rework", "residents", "workforce", "activity", "picking")
"""Appending a name keeps every earlier stream unchanged (children are spawned by index)."""


def spawn_streams(seed: int) -> dict[str, np.random.Generator]:
    """One ``numpy.random.Generator`` per named stream, derived from ``seed``."""
    children = np.random.SeedSequence(seed).spawn(len(STREAMS))
    return {name: np.random.default_rng(child) for name, child in zip(STREAMS, children, strict=True)}
