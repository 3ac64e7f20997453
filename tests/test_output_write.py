"""Writing a run directory faster must not change what is written (issue 21).

The Parquet writer converts one row group at a time and dictionary-encodes only label columns;
every file must still read back as the same Arrow table, schema and pandas metadata included,
as ``DataFrame.to_parquet(index=False)`` writes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from sim.output.runner import _parquet, run_scenario, write_run
from sim.output.tables import daily_table, grids_table, incidents_table, scores_table, workers_table
from sim.scenario.loading import load_scenario

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml"


def _same_file(a, b) -> None:
    ta, tb = pq.read_table(a), pq.read_table(b)
    assert ta.schema.equals(tb.schema, check_metadata=True)
    assert ta.equals(tb)
    pd.testing.assert_frame_equal(pd.read_parquet(a), pd.read_parquet(b))


def test_row_group_writer_equals_to_parquet_across_chunks(tmp_path):
    rng = np.random.default_rng(3)
    n = 2_500
    t = rng.exponential(size=n)
    t[rng.random(n) < 0.3] = np.nan
    df = pd.DataFrame(
        {
            "id": np.arange(n),
            "t": t,
            "state": pd.Categorical.from_codes(rng.integers(-1, 3, n), categories=["a", "b", "c"]),
            "name": [f"g{i % 7}" for i in range(n)],
            "satisfied": pd.array(np.where(rng.random(n) < 0.2, None, rng.random(n) < 0.5), dtype="boolean"),
            "flag": rng.random(n) < 0.5,
        }
    )
    df.to_parquet(tmp_path / "pandas.parquet", index=False)
    _parquet(df, str(tmp_path / "chunks.parquet"), rows=1_000)
    _same_file(tmp_path / "pandas.parquet", tmp_path / "chunks.parquet")
    assert pq.ParquetFile(tmp_path / "chunks.parquet").num_row_groups == 3
    _parquet(df.iloc[:0], str(tmp_path / "empty.parquet"))
    df.iloc[:0].to_parquet(tmp_path / "empty_pandas.parquet", index=False)
    _same_file(tmp_path / "empty_pandas.parquet", tmp_path / "empty.parquet")


def test_run_directory_tables_are_what_pandas_would_write(tmp_path):
    model = run_scenario(load_scenario(BASELINE), days=40)
    write_run(model, tmp_path / "run")
    tables = {
        "incidents": incidents_table(model),
        "daily": daily_table(model),
        "workers": workers_table(model),
        "scores": scores_table(model),
        "grids": grids_table(model),
    }
    for name, table in tables.items():
        table.to_parquet(tmp_path / f"{name}.parquet", index=False)
        _same_file(tmp_path / f"{name}.parquet", tmp_path / "run" / f"{name}.parquet")
    assert (tmp_path / "run" / "transitions.parquet").exists()
