"""Real grid maps (网格地图): an imported world's grid outlines as shapes on a flat plane.

`gridsim district` keeps each grid's outline as WKT in longitude / latitude degrees
(``World.grid_outlines``). Here they are parsed with shapely and flattened so that a
kilometre reads the same east–west as north–south (longitude scaled by the cosine of the
mean latitude; coordinates that are not degrees are kept as they are), and each
community's outline is the union of its grids'. The trainer's page (SVG) and the reports
(:func:`choropleth`, matplotlib) draw from this one place.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np


@dataclass(frozen=True)
class GridMap:
    """Flattened shapes: one shapely geometry per grid and per community (the union of its
    grids), and each grid's centre, all in the same plane (y grows northwards)."""

    grids: tuple
    communities: tuple
    centres: np.ndarray  # (G, 2)


def has_map(world) -> bool:
    """Whether every grid of ``world`` has an outline (an imported map, not a schematic)."""
    outlines = getattr(world, "grid_outlines", ())
    return bool(outlines) and all(outlines)


def grid_map(world) -> GridMap | None:
    """The flattened map of ``world``, or None unless every grid has an outline."""
    if not has_map(world):
        return None
    return flat_map(tuple(world.grid_outlines), tuple(world.grid_community.tolist()), int(world.n_communities))


def flatten(outlines) -> np.ndarray:
    """WKT outlines as shapely geometries on a flat plane: longitude scaled by the cosine of
    the mean latitude where the coordinates are degrees (as they are kept), else as given."""
    import shapely

    geoms = shapely.from_wkt(list(outlines))
    lo_x, lo_y, hi_x, hi_y = shapely.total_bounds(geoms)
    degrees = -180 <= lo_x and hi_x <= 180 and -90 <= lo_y and hi_y <= 90
    squeeze = math.cos(math.radians((lo_y + hi_y) / 2)) if degrees else 1.0
    return shapely.make_valid(shapely.transform(geoms, lambda xy: xy * np.array([squeeze, 1.0])))


@lru_cache(maxsize=4)
def flat_map(outlines: tuple[str, ...], community: tuple[int, ...], n_communities: int) -> GridMap:
    """The flattened map from the grids' WKT ``outlines`` and each grid's community index
    (computed once per map)."""
    import shapely

    flat = flatten(outlines)
    lo_x, lo_y, hi_x, hi_y = shapely.total_bounds(flat)
    owner = np.asarray(community)
    close = 1e-3 * max(hi_x - lo_x, hi_y - lo_y)  # closes slivers between neighbours' digitised edges
    comms = tuple(
        shapely.union_all(flat[owner == c]).buffer(close).buffer(-close) if (owner == c).any() else shapely.Polygon()
        for c in range(n_communities)
    )
    centres = shapely.get_coordinates(shapely.point_on_surface(flat))
    return GridMap(tuple(flat), comms, centres)


def rings(geom, min_share: float = 0.02) -> list[np.ndarray]:
    """The outer rings (``(k, 2)`` arrays) of a (Multi)Polygon's parts, largest first, leaving
    out parts smaller than ``min_share`` of the largest (digitising crumbs)."""
    parts = sorted(
        (g for g in getattr(geom, "geoms", [geom]) if hasattr(g, "exterior") and not g.is_empty),
        key=lambda p: -p.area,
    )
    if not parts:
        return []
    return [np.asarray(p.exterior.coords, dtype=float)[:, :2] for p in parts if p.area >= min_share * parts[0].area]


def choropleth(outlines, panels: list[tuple[str, np.ndarray]], cmap: str = "OrRd", panel_size: float = 5.0):
    """A matplotlib figure of the real map, one panel per ``(title, value per grid)``, every
    panel on one colour scale from 0 (so observed and simulated compare by eye), with a
    colour bar; ``outlines`` are the grids' WKT outlines in grid order."""
    import geopandas as gpd
    import matplotlib.pyplot as plt

    geo = gpd.GeoSeries(flatten(outlines))
    vmax = float(max(max((float(np.max(v)) for _, v in panels), default=1.0), 1.0))
    fig, axes = plt.subplots(1, len(panels), figsize=(panel_size * len(panels), panel_size), squeeze=False)
    for ax, (title, values) in zip(axes[0], panels, strict=True):
        gpd.GeoDataFrame({"v": np.asarray(values, dtype=float)}, geometry=geo).plot(
            column="v", ax=ax, cmap=cmap, vmin=0, vmax=vmax, edgecolor="grey", linewidth=0.3, legend=True
        )
        ax.set_title(title, fontsize=10)
        ax.set_axis_off()
    return fig
