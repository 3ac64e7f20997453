"""Writing a run directory faster must not change what is written (issue 21).

The Parquet writer converts one row group at a time and dictionary-encodes only label columns;
the incident and transition tables go to Arrow straight from the log's columns, and the
summary's KPIs read the log rather than the incident table. Every file must still read back as
the same Arrow table, schema and pandas metadata included, as ``DataFrame.to_parquet(index=False)``
writes, and the summary must be the one computed from the tidy table.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import sim.output.files as files
import sim.output.runner as runner
from sim.model import GridModel
from sim.output.files import WriteBack
from sim.output.runner import _parquet, run_scenario, summary_of, write_run
from sim.output.tables import (
    INCIDENT_NEVER_MISSING,
    _arrow,
    _incident_columns,
    _schema,
    daily_table,
    grids_table,
    incident_row_groups,
    incidents_table,
    scores_table,
    transition_row_groups,
    transitions_table,
    workers_table,
)
from sim.scenario.loading import load_scenario

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml"


REQUIRED = {"incidents": INCIDENT_NEVER_MISSING, "transitions": {"incident", "time", "state", "level", "actor"}}
"""The columns written as required Parquet columns (never missing); every other column of every
file is optional, as pandas writes it."""


def _required(table: pa.Table, names) -> pa.Table:
    """``table`` with the columns ``names`` not nullable (what the run directory declares)."""
    fields = [f.with_nullable(f.name not in names) for f in table.schema]
    return pa.Table.from_arrays(table.columns, schema=pa.schema(fields, metadata=table.schema.metadata))


def _same_file(a, b, required=frozenset()) -> None:
    ta, tb = _required(pq.read_table(a), required), pq.read_table(b)
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
    tables["transitions"] = transitions_table(model)
    for name, table in tables.items():
        table.to_parquet(tmp_path / f"{name}.parquet", index=False)
        _same_file(tmp_path / f"{name}.parquet", tmp_path / "run" / f"{name}.parquet", REQUIRED.get(name, ()))
    written = json.loads((tmp_path / "run" / "summary.json").read_text(encoding="utf-8"))
    assert written == summary_of(model, incidents=tables["incidents"])  # the KPIs of the table itself
    group = pq.ParquetFile(tmp_path / "run" / "incidents.parquet").metadata.row_group(0)
    stats = {group.column(i).path_in_schema: group.column(i).statistics for i in range(group.num_columns)}
    t = tables["incidents"]["t_surfaced"]
    assert (stats["t_surfaced"].min, stats["t_surfaced"].max) == (t.min(), t.max())  # a reader's time filter
    assert stats["t_surfaced"].null_count == t.isna().sum() > 0 and stats["id"].min == 0
    assert stats["state"] is None and stats["category"] is None  # labels: none (half their encoding)
    for name in ("incidents", "transitions"):  # integers delta-encoded (ids and counts in a few bits), read back equal
        group = pq.ParquetFile(tmp_path / "run" / f"{name}.parquet").metadata.row_group(0)
        encodings = {group.column(i).path_in_schema: group.column(i).encodings for i in range(group.num_columns)}
        ints = [c for c, d in tables[name].dtypes.items() if pd.api.types.is_integer_dtype(d)]
        assert ints and all("DELTA_BINARY_PACKED" in encodings[c] for c in ints), encodings
        assert not any("DELTA_BINARY_PACKED" in e for c, e in encodings.items() if c not in ints)


@pytest.fixture(scope="module")
def paused():
    """A baseline model stopped in the middle of a day: surfacings and worsenings planned for
    later are hidden from its tables (the masks the Arrow path applies chunk by chunk)."""
    model = GridModel(load_scenario(BASELINE).model_copy(update={"days": 30}), seed=4)
    for _ in range(20):
        model.step()
    model.advance(9.5)
    return model


@pytest.mark.parametrize("rows", [997, 10**7])
def test_row_groups_from_the_log_are_the_pandas_tables_converted(paused, rows):
    for groups, table, required in (
        (incident_row_groups(paused, rows), incidents_table(paused), REQUIRED["incidents"]),
        (transition_row_groups(paused, rows), transitions_table(paused), REQUIRED["transitions"]),
    ):
        chunks = list(groups)
        assert [len(c) for c in chunks] == [min(rows, len(table) - s) for s in range(0, len(table), rows)]
        expected = _required(pa.Table.from_pandas(table, preserve_index=False), required)
        got = pa.concat_tables(chunks)
        assert got.schema.equals(expected.schema, check_metadata=True)  # pandas metadata included
        assert got.equals(expected)
        pd.testing.assert_frame_equal(got.to_pandas(), table)


def test_never_missing_columns_are_required_in_the_file_and_checked(paused, tmp_path):
    write_run(paused, tmp_path / "run")
    for name, required in REQUIRED.items():
        schema = pq.ParquetFile(tmp_path / "run" / f"{name}.parquet").schema
        levels = {schema.column(i).name: schema.column(i).max_definition_level for i in range(len(schema))}
        assert {c for c, d in levels.items() if d == 0} == set(required) & set(levels)  # required: no levels
    inc = incidents_table(paused)
    assert not inc[sorted(INCIDENT_NEVER_MISSING & set(inc))].isna().any().any()
    assert inc.drop(columns=list(INCIDENT_NEVER_MISSING & set(inc))).isna().any().all()  # the others do miss
    columns = _incident_columns(paused, slice(0, 50), own=True)
    columns["t_occurred"][7] = np.nan  # a never-missing column missing a value: an error, not a bad file
    with pytest.raises(ValueError, match="'t_occurred' has 1 missing"):
        _arrow(columns, _schema(columns, INCIDENT_NEVER_MISSING))


def test_summary_from_the_log_is_the_summary_of_the_table(paused):
    inc = incidents_table(paused)
    assert inc["t_surfaced"].isna().any() and (inc["state"] == "closed").any()  # both masks matter
    assert summary_of(paused) == summary_of(paused, incidents=inc)
    later = inc[inc["t_occurred"] >= 24.0 * 7].reset_index(drop=True)  # a caller's row selection (warm-up)
    part = summary_of(paused, incidents=later)
    assert part["incidents_created"] == len(later) < len(inc)
    assert part["incidents_known"] == int(later["t_surfaced"].notna().sum())


@pytest.mark.parametrize("table", ["incident_row_groups", "transition_row_groups"])
def test_a_failing_table_encoding_leaves_the_previous_run_directory(table, tmp_path, monkeypatch):
    """Either table encoded in a thread of its own fails: the error reaches the caller, the run
    directory already there is untouched and no temporary sibling is left."""
    model = run_scenario(load_scenario(BASELINE), days=10)
    out = tmp_path / "run"
    write_run(model, out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def broken(model, rows):
        yield from ()
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(runner, table, broken)
    with pytest.raises(OSError, match="No space"):
        write_run(run_scenario(load_scenario(BASELINE), days=12), out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]  # no temporary sibling left


def test_write_back_asks_once_for_each_new_stretch_of_a_growing_file(tmp_path, monkeypatch):
    asked = []
    monkeypatch.setattr(files.os, "posix_fadvise", lambda fd, start, n, advice: asked.append((start, n, advice)))
    path = tmp_path / "growing"
    path.write_bytes(b"x" * 1000)
    ahead = WriteBack(path)
    ahead()
    ahead()  # nothing new: nothing asked
    with path.open("ab") as f:
        f.write(b"y" * 500)
    ahead()
    assert asked == [(0, 1000, os.POSIX_FADV_DONTNEED), (1000, 500, os.POSIX_FADV_DONTNEED)]
    WriteBack(tmp_path / "absent")()  # a file not there (yet): nothing to ask, no error
    assert len(asked) == 2


def test_row_groups_are_handed_to_the_disk_while_the_next_is_encoded(paused, tmp_path, monkeypatch):
    seen = []
    real = files.os.posix_fadvise
    monkeypatch.setattr(files.os, "posix_fadvise", lambda fd, *a: (seen.append(a[:2]), real(fd, *a)))
    path = tmp_path / "incidents.parquet"
    runner._row_groups(incident_row_groups(paused, 300), str(path))
    groups = pq.ParquetFile(path).num_row_groups
    assert groups > 2 and len(seen) == groups - 1  # before each row group after the first
    assert [s for s, _ in seen] == [0, *np.cumsum([n for _, n in seen])[:-1].tolist()]  # contiguous, none twice
    pd.testing.assert_frame_equal(pd.read_parquet(path), incidents_table(paused))
