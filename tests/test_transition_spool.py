"""The transition log spills to an unnamed temporary file past a few megabytes (issue 21: a
Jiamusi city-year with output under 1.5 GB): a run whose transitions spilled must give exactly
the tables, files and traces of one that kept them in memory, and leave no file behind.
"""

from __future__ import annotations

import gc
import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sim.core.spool as spool
from sim.core.marks import FIRST_ROWS, Marks
from sim.core.spool import Spool
from sim.model import GridModel
from sim.output.runner import write_run
from sim.output.tables import transition_row_groups, transitions_table
from sim.scenario.loading import load_scenario
from sim.ui.page.follow import case

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml"
COLUMNS = (("a", np.int64), ("t", np.float64), ("s", np.int8))


def _open_in(folder: Path) -> list[str]:
    """This process's open files that were made in ``folder`` (Linux: /proc/self/fd)."""
    out = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith(str(folder)):
            out.append(target)
    return out


@settings(max_examples=60, deadline=None)
@given(
    days=st.lists(st.integers(0, 40), min_size=0, max_size=12),
    spill_rows=st.integers(1, 60),
    size=st.integers(1, 50),
    cut=st.floats(0.0, 1.0),
)
def test_spooled_rows_read_back_in_order_in_blocks_of_the_size_asked(days, spill_rows, size, cut):
    sp = Spool(COLUMNS, spill_bytes=17 * spill_rows)  # 17 bytes a row
    rng = np.random.default_rng(len(days))
    expected = []
    for n in days:  # a day's rows: some marked one by one as flat values, some added as columns
        rows = [(int(rng.integers(-1, 2**40)), float(rng.random()), int(rng.integers(-128, 128))) for _ in range(n)]
        half = n // 2
        sp.mark([v for r in rows[:half] for v in r])
        sp.extend(**{name: np.array([r[k] for r in rows[half:]]) for k, (name, _) in enumerate(COLUMNS)})
        expected += rows
        sp.flush()
    ref = {name: np.array([r[k] for r in expected], dtype=d) for k, (name, d) in enumerate(COLUMNS)}
    assert len(sp) == len(expected)
    assert (sp.spilled > 0) == (len(expected) >= spill_rows)
    got = sp.columns()
    for name, d in COLUMNS:
        np.testing.assert_array_equal(got[name], ref[name])
        assert got[name].dtype == d
    keep = ref["t"] <= cut
    blocks = list(sp.blocks(size, lambda c: c["t"] <= cut))
    n = int(keep.sum())
    assert [len(b["a"]) for b in blocks] == [min(size, n - s) for s in range(0, max(n, 1), size)]
    for name, _ in COLUMNS:
        np.testing.assert_array_equal(np.concatenate([b[name] for b in blocks]), ref[name][keep])


_EXACT = st.one_of(st.integers(-(2**53), 2**53), st.floats(allow_nan=True, allow_infinity=True))


@settings(max_examples=60, deadline=None)
@given(
    width=st.sampled_from([3, 5]),
    days=st.lists(st.lists(st.lists(_EXACT, min_size=5, max_size=5), max_size=3 * FIRST_ROWS // 2), max_size=4),
)
def test_marks_take_every_row_exactly_as_marked(width, days):
    """The event core's marks (a row a few C stores, the buffer growing past its first size) give
    back each day's rows as the values marked, whole numbers exact below 2**53."""
    marks = Marks(width)
    add = marks.add3 if width == 3 else marks.add5
    for day in days:
        rows = [r[:width] for r in day]
        for r in rows[: len(rows) // 2]:
            add(*r)
        marks.extend([v for r in rows[len(rows) // 2 :] for v in r])
        assert len(marks) == len(rows)
        got = marks.take()
        assert got.shape == (len(rows), width) and got.dtype == np.float64
        np.testing.assert_array_equal(got, np.array(rows, dtype=np.float64).reshape(-1, width))
        assert len(marks) == 0 and marks.take().shape == (0, width)


def test_marks_refuse_values_that_are_not_whole_rows():
    marks = Marks(5)
    with pytest.raises(ValueError, match="7 values are not rows of 5"):
        marks.extend(range(7))
    assert len(marks) == 0


@pytest.fixture
def spool_dir(tmp_path, monkeypatch):
    """Temporary files go to a folder of their own (to see what is made there and left)."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def _run(days: int, paused: bool = False) -> GridModel:
    model = GridModel(load_scenario(BASELINE).model_copy(update={"days": days}), seed=11)
    if paused:  # stopped mid-day: transitions planned for later are not shown
        for _ in range(days - 5):
            model.step()
        model.advance(9.5)
    else:
        model.run()
    return model


def test_a_spilled_run_writes_the_same_transitions_and_leaves_no_file(spool_dir, tmp_path, monkeypatch):
    kept = _run(40)
    write_run(kept, tmp_path / "kept")
    assert kept.log.transition_log.rows.spilled == 0 and not _open_in(spool_dir)

    monkeypatch.setattr(spool, "SPILL_BYTES", 20_000)  # (a few hundred rows: spilled every day)
    spilled = _run(40)
    log = spilled.log.transition_log
    assert 0 < log.rows.spilled <= len(log) and log.work_blocks.spilled > 0
    assert _open_in(spool_dir) and not os.listdir(spool_dir)  # an open file without a name
    write_run(spilled, tmp_path / "spilled")

    for name in ("transitions.parquet", "incidents.parquet", "summary.json"):  # byte for byte
        assert (tmp_path / "spilled" / name).read_bytes() == (tmp_path / "kept" / name).read_bytes(), name
    pd.testing.assert_frame_equal(spilled.log.transitions(), kept.log.transitions())
    pd.testing.assert_frame_equal(spilled.log.transition_log.blocks(), kept.log.transition_log.blocks())
    for i in (0, spilled.log.n // 2, spilled.log.n - 1):  # the trainer's trace of a case reads the file too
        assert case(spilled, i) == case(kept, i)

    del spilled, log
    gc.collect()
    assert not _open_in(spool_dir) and not os.listdir(spool_dir)


def test_a_paused_spilled_model_shows_the_same_transitions(spool_dir, monkeypatch):
    kept = _run(20, paused=True)
    monkeypatch.setattr(spool, "SPILL_BYTES", 5_000)
    spilled = _run(20, paused=True)
    table = transitions_table(kept)
    assert (table["time"] <= kept.clock.now).all() and len(table) < len(kept.log.transitions())  # some hidden
    pd.testing.assert_frame_equal(transitions_table(spilled), table)
    groups = list(transition_row_groups(spilled, 997)) + list(transition_row_groups(kept, 10**7))
    converted = pa.Table.from_pandas(table, preserve_index=False)
    required = pa.schema([f.with_nullable(False) for f in converted.schema], metadata=converted.schema.metadata)
    expected = pa.Table.from_arrays(converted.columns, schema=required)  # (a transition's every field is known)
    assert pa.concat_tables(groups[:-1]).equals(expected)
    assert groups[-1].equals(expected)
    for model in (kept, spilled):  # the tables read hold no view that stops the log from growing
        model.advance(30.0)  # (past midnight: the day's rows are packed)
        assert len(transitions_table(model)) > len(table)


def test_a_spool_that_cannot_spill_names_the_temporary_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "absent"))  # TemporaryFile fails there
    sp = Spool(COLUMNS, spill_bytes=17)
    sp.mark((1, 2.0, 3))
    with pytest.raises(OSError) as err:
        sp.flush()
    assert err.value.filename == str(tmp_path / "absent") and "spilling the transition log" in str(err.value)
