"""Real grid maps (sim/output/maps.py): outlines flattened so distances read true, communities
outlined by their grids' union, and the reports' choropleth drawing each grid's own value."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.output import maps


@settings(max_examples=30, deadline=None)
@given(lat=st.floats(-70, 70), lon=st.floats(-170, 170), w=st.floats(0.001, 0.5), h=st.floats(0.001, 0.5))
def test_a_lon_lat_box_keeps_its_true_proportions(lat, lon, w, h):
    """A box ``w`` degrees of longitude by ``h`` of latitude is ``w·cos φ`` by ``h`` flat."""
    box = shapely.box(lon, lat, lon + w, lat + h).wkt
    (flat,) = maps.flatten([box])
    x0, y0, x1, y1 = flat.bounds
    assert (x1 - x0) == pytest.approx(w * math.cos(math.radians(lat + h / 2)), rel=1e-6)
    assert (y1 - y0) == pytest.approx(h, rel=1e-9)


def test_projected_coordinates_are_kept_and_crumbs_left_out():
    a = shapely.box(500_000, 3_000_000, 501_000, 3_001_000)
    (flat,) = maps.flatten([a.wkt])
    assert flat.equals(a)  # metres, not degrees: nothing scaled
    crumb = shapely.box(600_000, 3_000_000, 600_001, 3_000_001)
    parts = maps.rings(shapely.MultiPolygon([crumb, a]))
    assert len(parts) == 1 and shapely.Polygon(parts[0]).equals(a)  # largest first, the crumb left out


def test_the_choropleth_colours_each_grid_by_its_own_value():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    outlines = [shapely.box(i, j, i + 1, j + 1).wkt for i in range(4) for j in range(3)]
    obs, sim = np.arange(12.0), np.arange(12.0)[::-1] * 2
    fig = maps.choropleth(outlines, [("observed", obs), ("simulated", sim)])
    shown = [ax for ax in fig.axes if ax.get_title()]
    assert [ax.get_title() for ax in shown] == ["observed", "simulated"]
    for ax, v in zip(shown, (obs, sim), strict=True):
        (coll,) = ax.collections
        assert np.array_equal(np.asarray(coll.get_array()), v) and coll.get_clim() == (0, 22.0)  # one scale
    plt.close(fig)
