"""Run a scenario and write its run directory (summary, tables, resolved scenario).

The whole directory is written into a temporary sibling, each file flushed to disk, and
swapped in at once: an interrupted write leaves the previous run directory (or none), never
files of two runs side by side. Output files get the permissions the umask allows.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import yaml

from sim import __version__
from sim.model import GridModel
from sim.output.files import WriteBack, atomic_write, fsync_dir, umask
from sim.output.kpis import summarize, workforce_kpis
from sim.output.locations import RUN_FILES, check_out, is_run_dir
from sim.output.tables import (
    daily_table,
    grids_table,
    incident_kpi_columns,
    incident_row_groups,
    scores_table,
    transition_row_groups,
    workers_table,
)
from sim.scenario.schema import Scenario


def run_scenario(
    config: Scenario, seed: int | None = None, days: int | None = None, transitions: bool = True
) -> GridModel:
    """Build and run a model for ``days`` (default: the scenario's); ``transitions=False``
    skips the per-transition log (no transitions.parquet to write; the incident table is unchanged)."""
    if days is not None:
        config = config.model_copy(update={"days": days})
    model = GridModel(config, seed=seed, transitions=transitions)
    model.run()
    return model


def summary_of(model: GridModel, incidents=None, workers=None, scores=None) -> dict:
    """The run's ``summary.json``: scenario, seed, days and version, then the KPIs of its tables
    (each table is built from ``model`` unless given; without ``incidents`` the KPIs read the
    incident log's columns, the same numbers as of its table, without building it)."""
    return _summary(model, _incident_kpis(model, incidents), workers, scores)


def _incident_kpis(model: GridModel, incidents=None) -> dict:
    """The service KPIs of the incident table ``incidents`` (default: of the log's columns)."""
    inc = incident_kpi_columns(model) if incidents is None else incidents
    sc = model.config
    return summarize(
        inc,
        [lv.name for lv in sc.levels],
        model.busy_hours(),
        model.duty_hours(),
        sc.scoring.true_value.severity_weights,
        24.0 * model.day,
    )


def _summary(model: GridModel, incident_kpis: dict, workers=None, scores=None) -> dict:
    """``summary.json`` from the incident KPIs and the workers and scores tables (built unless given)."""
    workers = workers_table(model) if workers is None else workers
    scores = scores_table(model) if scores is None else scores
    sc = model.config
    out = {"scenario": sc.name, "seed": model.seed, "days": model.day, "version": __version__}
    out.update(incident_kpis)
    out.update(workforce_kpis(workers, scores, model.day, dict(sc.staffing.costs), list(sc.scoring.kinds)))
    return out


def resolved_scenario(model: GridModel) -> dict:
    """The scenario as run, every default filled in, with seed and days: the run directory's
    ``scenario.yaml``, which reproduces the run byte for byte."""
    data = model.config.model_dump(mode="json")
    data["seed"] = model.seed
    data["days"] = model.day
    for key in ("community_types", "categories"):  # complete as written: no catalogue merge
        data[key] = {"replace": True, **data[key]}
    return data


ROW_GROUP = 1024 * 1024
"""Rows per Parquet row group: pyarrow's default, so the files' layout is what it always was."""


def _parquet(table: pd.DataFrame, path: str, rows: int = ROW_GROUP) -> None:
    """Write ``table`` as Parquet, exactly as ``DataFrame.to_parquet(index=False)`` would store it
    (same Arrow schema and pandas metadata, same row groups), converting one row group at a time
    (a city-year's tables are never copied into Arrow whole)."""
    import pyarrow as pa

    def chunks():
        first = pa.Table.from_pandas(table.iloc[:rows], preserve_index=False)  # its schema: every chunk's
        schema = first.schema
        yield first
        del first
        for start in range(rows, len(table), rows):
            yield pa.Table.from_pandas(table.iloc[start : start + rows], schema, preserve_index=False)

    _row_groups(chunks(), path)


def _row_groups(tables, path: str, ahead: WriteBack | None = None) -> None:
    """Write Arrow ``tables`` (one schema) as the row groups of one Parquet file, dictionary-encoding
    only the label columns: the writer's default also tries a dictionary on every float and id
    column, which costs two thirds of the write and, on a run's times, makes the file larger.
    Integer columns (ids, counts) are delta-encoded (Parquet's DELTA_BINARY_PACKED): ids that
    climb and small counts pack into a few bits each, so a city-year's incident and transition
    tables encode 10–20 % faster, come out ~18 % smaller and read back ~30 % faster than as plain
    values compressed. Min/max statistics are kept for the number columns (a reader filtering on
    a time or an id skips row groups by them); on a label column they cost half its encoding and
    would rarely skip anything, each row group holding most labels. While a row group is
    encoded, the disk writes the ones before it (``ahead``)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    tables = iter(tables)
    first = next(tables)
    schema = first.schema
    labels = [
        f.name
        for f in schema
        if pa.types.is_dictionary(f.type) or pa.types.is_string(f.type) or pa.types.is_large_string(f.type)
    ]
    numbers = [f.name for f in schema if f.name not in labels]
    deltas = {f.name: "DELTA_BINARY_PACKED" for f in schema if pa.types.is_integer(f.type)}
    with pq.ParquetWriter(
        path, schema, use_dictionary=labels, write_statistics=numbers, column_encoding=deltas or None
    ) as writer:
        writer.write_table(first)
        del first
        ahead = WriteBack(path) if ahead is None else ahead
        for table in tables:
            ahead()
            writer.write_table(table)
            del table  # (not held while the next row group is built)


def write_run(model: GridModel, out: str | Path, transitions: bool = True, force: bool = False) -> dict:
    """Write summary.json, incidents/daily/workers/scores/grids(/transitions).parquet and
    scenario.yaml into a temporary sibling of ``out``, then swap it in whole (a run directory
    already there is replaced, never mixed with). ``force``: ``out`` is a folder of other
    things (:func:`check_out`); the run's files are written into it, stale ones removed.

    The incident table and the transition log are encoded in two more threads while this one
    computes the KPIs and writes the other files (Arrow's Parquet writer releases the GIL): on two
    cores the user waits for about half their sum. The transitions start first: their row groups
    are small (five columns), and they keep the second core busy while the incident KPIs, past
    one row group of incidents, run before the incident table is built — their scratch arrays and
    a row group's never add up (a city-year's peak stays under 1.5 GB); a smaller log's KPIs
    overlap the incident table's encoding too."""
    out = check_out(out, force)
    out.parent.mkdir(parents=True, exist_ok=True)
    with_log = transitions and model.log.recording
    names = [n for n in RUN_FILES if n != "transitions.parquet" or with_log]
    into_folder = force and out.is_dir() and any(out.iterdir()) and not is_run_dir(out)
    if into_folder:  # a folder of other things: only the run's own files change
        for name in RUN_FILES:
            if name not in names:
                (out / name).unlink(missing_ok=True)
        target = out
    else:
        _clear_leftovers(out)
        target = Path(tempfile.mkdtemp(prefix=f".{out.name}.new-", dir=out.parent))
    try:
        if not into_folder:
            os.chmod(target, 0o777 & ~umask())
        with ThreadPoolExecutor(max_workers=2) as pool:
            tracing = None
            if with_log:  # a row group at a time, straight from the log
                tracing = pool.submit(
                    atomic_write,
                    target / "transitions.parquet",
                    lambda p: _row_groups(transition_row_groups(model, ROW_GROUP), p),
                )
            # the incident KPIs' scratch arrays are the write's largest: before the incident table,
            # unless the log is one row group (then the two fit side by side and overlap)
            kpis = _incident_kpis(model) if model.log.n > ROW_GROUP else None
            incidents = incident_row_groups(model, ROW_GROUP)  # (a city-year: never one table)
            written: list[WriteBack] = []

            def encode(p: str) -> None:
                written.append(WriteBack(p))
                _row_groups(incidents, p, written[0])

            encoding = pool.submit(atomic_write, target / "incidents.parquet", encode)
            summary = _write_rest(model, target, _incident_kpis(model) if kpis is None else kpis)
            if written and not encoding.done():  # the disk takes what is encoded while the rest is
                written[0]()
            encoding.result()
            if tracing is not None:
                tracing.result()
        text = json.dumps(summary, indent=2, ensure_ascii=False, sort_keys=False) + "\n"
        atomic_write(target / "summary.json", lambda p: Path(p).write_text(text, encoding="utf-8"))  # last: complete
        if not into_folder:
            _swap_in(target, out)
    finally:
        if not into_folder:
            shutil.rmtree(target, ignore_errors=True)
    return summary


def _write_rest(model: GridModel, target: Path, incident_kpis: dict) -> dict:
    """Write every file but the incident and transition tables and the summary into ``target``;
    return the summary."""
    workers, scores = workers_table(model), scores_table(model)
    summary = _summary(model, incident_kpis, workers, scores)
    header = (
        f"# Resolved scenario written by gridsim {__version__}: every default filled in.\n"
        f"# `gridsim run` on this file reproduces the run exactly.\n"
    )
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml's emitter: the same text, 4× faster
    scenario_text = header + yaml.dump(resolved_scenario(model), Dumper=dumper, sort_keys=False, allow_unicode=True)
    atomic_write(target / "daily.parquet", lambda p: _parquet(daily_table(model), p))
    atomic_write(target / "workers.parquet", lambda p, t=workers: _parquet(t, p))
    atomic_write(target / "scores.parquet", lambda p, t=scores: _parquet(t, p))
    del workers, scores
    atomic_write(target / "grids.parquet", lambda p: _parquet(grids_table(model), p))
    atomic_write(target / "scenario.yaml", lambda p: Path(p).write_text(scenario_text, encoding="utf-8"))
    return summary


def _swap_in(new: Path, out: Path) -> None:
    """Put directory ``new`` at ``out``: a rename onto an absent or empty ``out``; else the old
    run directory is renamed aside first and removed after (a crash between the two renames
    leaves no ``out`` and the complete new one beside it, never a mixture)."""
    try:
        os.replace(new, out)
    except OSError:  # out is a non-empty run directory
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
        os.replace(out, old / "run")
        os.replace(new, out)
        shutil.rmtree(old, ignore_errors=True)
    fsync_dir(out.parent)


def _clear_leftovers(out: Path) -> None:
    """Remove temporary siblings a killed write left beside ``out``."""
    for junk in out.parent.glob(f".{out.name}.new-*"):
        shutil.rmtree(junk, ignore_errors=True)
    for junk in out.parent.glob(f".{out.name}.old-*"):
        shutil.rmtree(junk, ignore_errors=True)
