"""The small street the workforce, scoring and day-close tests share: two communities of four
grids (an old estate and a gated estate), one worker per grid, arrivals three times the default."""

from __future__ import annotations


def merged(raw: dict, **sections) -> dict:
    """``raw`` with ``sections`` merged in: a dict updates that section, anything else replaces it."""
    out = dict(raw)
    for k, v in sections.items():
        out[k] = v if not isinstance(v, dict) else {**out.get(k, {}), **v}
    return out


def small_street(**sections) -> dict:
    """The small busy street as a scenario dict (seed 3, 60 days), ``sections`` merged in."""
    raw = {
        "name": "small",
        "seed": 3,
        "days": 60,
        "world": {
            "streets": 1,
            "communities_per_street": 2,
            "grids_per_community": 4,
            "community_mix": {"old_estate": 1, "gated": 1},
        },
        "arrivals": {"rate_scale": 3.0},
    }
    return merged(raw, **sections)
