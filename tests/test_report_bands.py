"""The report's series figure shades the middle 90 % of runs each day: computed for all days at
once (``sim.studies.report._across_runs``), it must equal pandas' day-by-day quantiles exactly,
with missing values (a run's first days of a rolling mean, a run that stopped) left out."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.studies.report import _across_runs


@settings(max_examples=80, deadline=None)
@given(
    days=st.integers(1, 40),
    runs=st.integers(1, 12),
    missing=st.floats(0.0, 1.0),
    seed=st.integers(0, 2**31),
    qs=st.lists(st.floats(0.0, 1.0), min_size=1, max_size=3),
)
def test_the_band_across_runs_is_pandas_day_by_day_quantile(days, runs, missing, seed, qs):
    rng = np.random.default_rng(seed)
    values = rng.normal(size=(days, runs)).round(rng.integers(0, 4))  # (ties too)
    values[rng.random((days, runs)) < missing * missing] = np.nan
    wide = pd.DataFrame(values, index=pd.RangeIndex(days, name="day"))
    got = _across_runs(wide, tuple(qs))
    for k, q in enumerate(qs):
        np.testing.assert_array_equal(got[k], wide.quantile(q, axis=1).to_numpy())
