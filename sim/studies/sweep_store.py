"""A sweep's directory (扫参结果): its design, the finished runs in batches, errors, manifest.

Finished runs are held in memory briefly and written together as a batch: one Parquet file per
table, ``parts/<table>/<batch>.parquet``, each flushed to disk before it is renamed into place,
the summary file last. A run is done if and only if its row is in the summary file of a complete,
verified batch: the three files readable, the daily and scores files holding only that batch's
runs, one summary row per run and, when the run length is known, one daily row per day. A batch
that fails the check is removed whole and its runs run again, so a sweep killed at any moment
resumes exactly and no run is ever stored twice; a kill loses at most the runs still waiting in
memory (about :data:`BATCH_SECONDS` of the workers' time). A thousand quarter-second runs on
two workers make about sixty batches, not three thousand files.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim import __version__
from sim.output.files import atomic_write
from sim.scenario.loading import ScenarioError

if TYPE_CHECKING:
    from sim.studies.experiment import Experiment, RunSpec

TABLES = ("daily", "scores", "summary")  # written in this order: the summary file completes a batch
IDS = ("key", "policy", "sample", "rep", "seed")
BATCH_SECONDS = 2.0
"""How long finished runs may wait in memory before their batch is written (seconds of wall time,
or of the workers' time summed over ``workers``); ``GRIDSIM_SWEEP_BATCH_SECONDS`` overrides it."""
BATCH_RUNS = 1000  # a batch holds at most this many runs
COLUMNS_META = b"gridsim.columns"  # runs whose columns differ from their batch file's, in their own order
READERS = 4
"""Batch files read at once (Arrow's reader lets go of the interpreter while it reads and decodes)."""


def batch_seconds() -> float:
    """The batch interval: ``GRIDSIM_SWEEP_BATCH_SECONDS`` if set (0: every run its own batch),
    else :data:`BATCH_SECONDS`."""
    text = os.environ.get("GRIDSIM_SWEEP_BATCH_SECONDS")
    if not text:
        return BATCH_SECONDS
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0.0 <= value < float("inf"):
        raise ScenarioError(f"GRIDSIM_SWEEP_BATCH_SECONDS={text!r}: not a number of seconds, 0 or more")
    return value


class Store:
    """A sweep's directory: design, batches of finished runs, errors, manifest. ``days``: the
    runs' length, when known, so that a daily table of another length is not taken as done;
    ``workers``: how many processes feed it (a batch waits for ``interval`` × that much work)."""

    def __init__(self, root: str | Path, days: int | None = None, workers: int = 1, interval: float | None = None):
        self.root = Path(root)
        self.days = days
        self.workers = max(workers, 1)
        self.interval = batch_seconds() if interval is None else interval
        self._index: dict[str, str] | None = None  # run key → its verified batch
        self._damaged: dict[str, tuple[str, list[str]]] = {}  # batch → (what is wrong, its runs)
        self._buffer: list[tuple[RunSpec, dict]] = []
        self._since = 0.0

    # ---------------------------------------------------------------- where things lie

    def batch_file(self, table: str, batch: str) -> Path:
        """Where batch ``batch``'s file of ``table`` lies."""
        return self.root / "parts" / table / f"{batch}.parquet"

    def error_file(self, key: str) -> Path:
        """Where run ``key``'s error and traceback are written if it fails."""
        return self.root / "errors" / f"{key}.txt"

    def batches(self) -> list[str]:
        """The batches whose summary file was written (complete or damaged), by name."""
        d = self.root / "parts" / "summary"
        return sorted(p.stem for p in d.glob("*.parquet") if not p.name.startswith(".")) if d.is_dir() else []

    def owner(self) -> str | None:
        """The name of the experiment whose sweep this directory holds (None: none yet)."""
        try:
            return str(json.loads((self.root / "experiment.json").read_text(encoding="utf-8"))["name"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def prepare(self, exp: Experiment) -> None:
        """Make the directories and remove what a killed write left behind (temporary files, the
        daily and scores files of a batch whose summary was never written); refuse a directory
        holding another experiment's sweep (their runs would mix)."""
        owner = self.owner()
        if owner is not None and owner != exp.name:
            raise ScenarioError(
                f"--out {self.root}: holds the sweep of experiment {owner!r}, not {exp.name!r} (choose another --out)"
            )
        for table in TABLES:
            d = self.root / "parts" / table
            d.mkdir(parents=True, exist_ok=True)
            for junk in d.glob(".*"):  # temporary files of a write that was killed
                junk.unlink(missing_ok=True)
        complete = set(self.batches())
        for table in TABLES[:-1]:
            for path in (self.root / "parts" / table).glob("*.parquet"):
                if path.stem not in complete:
                    path.unlink()
        (self.root / "errors").mkdir(exist_ok=True)
        text = Path(exp.path).read_text(encoding="utf-8")
        atomic_write(self.root / "experiment.yaml", lambda p: Path(p).write_text(text, encoding="utf-8"))

    # ---------------------------------------------------------------- what is done

    def index(self) -> dict[str, str]:
        """Run key → the verified batch holding it; every batch is checked once."""
        if self._index is None:
            self._index = {}
            batches = self.batches()
            for batch, (problem, keys) in zip(batches, _each(self.check, batches), strict=True):
                if problem is None:
                    self._index.update(dict.fromkeys(keys, batch))
                else:
                    self._damaged[batch] = (problem, keys)
        return self._index

    def stored(self) -> list[str]:
        """Every run key of every verified batch, once per batch holding it (a run stored twice
        would be listed twice)."""
        self.index()
        return [k for b in self.batches() if b not in self._damaged for k in self.check(b)[1]]

    def done(self, key: str) -> bool:
        """Whether run ``key`` is in a complete, verified batch."""
        return key in self.index()

    def damaged(self) -> dict[str, tuple[str, list[str]]]:
        """Batches that failed the check: batch → (what is wrong, the runs its summary names)."""
        self.index()
        return dict(self._damaged)

    def check(self, batch: str) -> tuple[str | None, list[str]]:
        """What is wrong with batch ``batch`` (None: nothing, it is complete) and its runs."""
        try:
            keys = _keys(self.batch_file("summary", batch))
        except (OSError, ValueError, KeyError) as exc:  # truncated, empty, not Parquet
            return f"summary file unreadable ({exc.__class__.__name__})", []
        if not keys or len(set(keys)) != len(keys):
            return "summary file empty or repeating a run", keys
        for table in TABLES[:-1]:
            try:
                rows = Counter(_keys(self.batch_file(table, batch)))
            except (OSError, ValueError, KeyError) as exc:
                return f"{table} file unreadable ({exc.__class__.__name__})", keys
            if not set(rows) <= set(keys):
                return f"{table} file holds runs of another batch", keys
            if table == "daily" and set(rows) != set(keys):
                return "daily file lacks runs of the batch", keys
            if table == "daily" and self.days is not None and set(rows.values()) != {self.days}:
                return f"daily file has runs of other than {self.days} days", keys
        return None, keys

    def discard(self, batch: str) -> None:
        """Remove batch ``batch`` (its summary file first), so that its runs run again."""
        for table in reversed(TABLES):
            self.batch_file(table, batch).unlink(missing_ok=True)
        self._damaged.pop(batch, None)
        if self._index is not None:
            self._index = {k: b for k, b in self._index.items() if b != batch}

    # ---------------------------------------------------------------- writing

    def write(self, spec: RunSpec, result: dict) -> None:
        """Take a finished run: its error is written at once; its tables join the batch being
        gathered, which is written when it is due (:meth:`flush` writes it at the end)."""
        if "error" in result:
            text = f"{result['error']}\n\n{result['traceback']}"
            atomic_write(self.error_file(spec.key), lambda p: Path(p).write_text(text, encoding="utf-8"))
            return
        if not self._buffer:
            self._since = time.monotonic()
        self._buffer.append((spec, result))
        work = sum(r["wall_s"] for _, r in self._buffer) / self.workers
        if len(self._buffer) >= BATCH_RUNS or work >= self.interval or time.monotonic() - self._since >= self.interval:
            self.flush()

    def flush(self) -> None:
        """Write the gathered runs as one batch (daily, scores, then summary), each file flushed
        to disk before it is renamed into place."""
        if not self._buffer:
            return
        runs, self._buffer = self._buffer, []
        batch = f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"
        ids = [{"key": s.key, "policy": s.policy, "sample": s.sample, "rep": s.rep, "seed": s.seed} for s, _ in runs]
        rows = []
        for (spec, result), row in zip(runs, ids, strict=True):
            row = {**row, **{f"param.{k}": v for k, v in spec.params.items()}, **result["summary"]}
            row["wall_s"] = result["wall_s"]
            rows.append(row)
        tables = {
            "daily": _stacked([r["daily"] for _, r in runs], ids),
            "scores": _stacked([r["scores"] for _, r in runs], ids),
            "summary": _rows(rows),
        }
        for table in TABLES:
            data, own = tables[table]
            atomic_write(self.batch_file(table, batch), lambda p, d=data, o=own: _write_parquet(d, o, p))
        if self._index is not None:
            self._index.update({spec.key: batch for spec, _ in runs})
        for spec, _ in runs:
            self.error_file(spec.key).unlink(missing_ok=True)

    def write_manifest(
        self, exp: Experiment, design: list[RunSpec], wall: dict[str, float], describe: bool = True
    ) -> pd.DataFrame:
        """The design with each run's status (done / error / pending), and (``describe``) the
        experiment's resolved description, written atomically."""
        rows = []
        for s in design:
            status = "done" if self.done(s.key) else ("error" if self.error_file(s.key).exists() else "pending")
            err = self.error_file(s.key).read_text(encoding="utf-8").split("\n", 1)[0] if status == "error" else ""
            rows.append(
                {
                    "key": s.key,
                    "policy": s.policy,
                    "sample": s.sample,
                    "rep": s.rep,
                    "seed": s.seed,
                    "status": status,
                    "error": err,
                    "wall_s": wall.get(s.key, float("nan")),
                    **{f"param.{k}": v for k, v in s.params.items()},
                }
            )
        manifest = pd.DataFrame(rows)
        atomic_write(self.root / "manifest.parquet", lambda p: manifest.to_parquet(p, index=False))
        if not describe:
            return manifest
        meta = {
            "name": exp.name,
            "description": exp.spec.description,
            "description_zh": exp.spec.description_zh,
            "warmup_rule": exp.warmup_rule,
            "experiment": exp.path,
            "scenario": exp.scenario_path,
            "days": exp.days,
            "seed": exp.seed,
            "policies": exp.policies,
            "names_zh": {p.name: p.name_zh for p in exp.spec.policies if p.name_zh},
            "reference": exp.reference,
            "kpis": exp.kpis,
            "thresholds": exp.spec.thresholds,
            "lang": exp.spec.lang,
            "warmup_days": exp.spec.warmup_days,
            "version": __version__,
            "uncertainties": {k: v.model_dump() for k, v in exp.spec.uncertainties.items()},
            "samples": len(exp.samples),
            "replications": max((s.rep for s in design), default=-1) + 1,
        }
        text = json.dumps(meta, indent=2, ensure_ascii=False, default=str) + "\n"
        atomic_write(self.root / "experiment.json", lambda p: Path(p).write_text(text, encoding="utf-8"))
        return manifest


def _read(path: Path) -> pa.Table | None:
    """The Parquet file ``path`` (None: unreadable)."""
    try:
        return pq.read_table(path)
    except (OSError, ValueError):
        return None


def _keys(path: Path) -> list[str]:
    return pq.read_table(path, columns=["key"]).column("key").to_pylist()


def _with_ids(frame: pd.DataFrame, ids: dict) -> pd.DataFrame:
    frame = frame.copy()
    for col, value in reversed(list(ids.items())):
        if col not in frame:
            frame.insert(0, col, value)
    return frame


def _rows(rows: list[dict]) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """Summary rows as one table, and the columns of each run whose columns differ from the
    table's, so that reading splits it back exactly."""
    data = pd.DataFrame(rows)
    whole = list(data.columns)
    return data, {str(r["key"]): list(r) for r in rows if list(r) != whole}


def _stacked(frames: list[pd.DataFrame], ids: list[dict]) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """The runs' frames of one table stacked, the run's ids in front (runs without rows left
    out, unless all are), and the columns of each run whose columns differ from the whole's."""
    kept = [(f, i) for f, i in zip(frames, ids, strict=True) if len(f)]
    if not kept:
        return _with_ids(frames[0], ids[0]), {}
    columns = list(kept[0][0].columns)
    if any(list(f.columns) != columns for f, _ in kept):  # runs of different shapes: one at a time
        parts = [_with_ids(f, i) for f, i in kept]
        data = pd.concat(parts, ignore_index=True)
        whole = list(data.columns)
        return data, {str(f["key"].iloc[0]): list(f.columns) for f in parts if list(f.columns) != whole}
    data = pd.concat([f for f, _ in kept], ignore_index=True)
    lengths = [len(f) for f, _ in kept]
    for col in reversed(IDS):
        if col not in data:
            data.insert(0, col, np.repeat([i[col] for _, i in kept], lengths))
    return data, {}


def _write_parquet(data: pd.DataFrame, own: dict[str, list[str]], path: str) -> None:
    table = pa.Table.from_pandas(data, preserve_index=False)
    if own:
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), COLUMNS_META: json.dumps(own)})
    pq.write_table(table, path)


def load_results(root: str | Path, table: str = "summary") -> pd.DataFrame:
    """One table of a sweep (summary, daily or scores) for the runs of its current design
    that finished, in design order. Labels (policy, sample, replication) come from the
    design: two policies that set the same values are one simulation, reported under both."""
    return load_tables(root, (table,))[table]


def load_tables(root: str | Path, tables: Sequence[str] = TABLES) -> dict[str, pd.DataFrame]:
    """:func:`load_results` of each of ``tables``, the batches checked once for all of them (a
    report reads three tables; checking a batch reads its three files)."""
    root = Path(root)
    manifest_path = root / "manifest.parquet"
    if not manifest_path.exists():
        raise ScenarioError(f"{root}: not a sweep directory (no manifest.parquet; run `gridsim sweep` first)")
    try:
        manifest = pd.read_parquet(manifest_path)
    except (OSError, ValueError) as exc:
        raise ScenarioError(
            f"{manifest_path}: unreadable ({exc.__class__.__name__}); run `gridsim sweep` again"
        ) from None
    store = Store(root)
    index = store.index()  # a damaged batch is skipped: the next sweep runs its runs again
    labels = manifest[["key", "policy", "sample", "rep", "seed"]]
    batches = sorted({index[k] for k in labels["key"] if k in index})
    return {table: _in_design(store, table, batches, index, labels) for table in tables}


def _in_design(
    store: Store, table: str, batches: list[str], index: dict[str, str], labels: pd.DataFrame
) -> pd.DataFrame:
    """Table ``table`` of the runs of ``labels`` (the design) that ``batches`` hold, in design order."""
    whole = _whole_batches(store, table, batches, index)
    if whole is None:  # runs of their own shapes: one run at a time
        return _run_by_run(store, table, batches, index, labels)
    rows = whole.groupby("key", sort=False).indices  # each run's rows, in the order it wrote them
    found = labels["key"].isin(rows).to_numpy()
    design = labels[found]
    if not len(design):
        return pd.DataFrame()
    picks = [rows[k] for k in design["key"]]
    out = whole.take(np.concatenate(picks)).reset_index(drop=True)
    n = [len(p) for p in picks]
    return out.assign(**{c: np.repeat(design[c].to_numpy(), n) for c in ("policy", "sample", "rep", "seed")})


def _each(read: Callable, items: Sequence) -> Iterator:
    """``read`` of each of ``items``, in order, the next :data:`READERS` read ahead on threads
    (no more: a large sweep's batches are not all held at once)."""
    if len(items) < 2:
        yield from map(read, items)
        return
    with ThreadPoolExecutor(min(READERS, len(items))) as pool:
        ahead: deque = deque()
        for item in items:
            ahead.append(pool.submit(read, item))
            if len(ahead) > READERS:
                yield ahead.popleft().result()
        while ahead:
            yield ahead.popleft().result()


def _whole_batches(store: Store, table: str, batches: list[str], index: dict[str, str]) -> pd.DataFrame | None:
    """The rows of ``table`` in ``batches`` whose run the batch holds (by ``index``), as one
    frame; None where a run has columns of its own or the batches differ in columns (then
    :func:`_run_by_run` keeps each run's own)."""
    frames: list[pd.DataFrame] = []
    for batch, data in zip(batches, _each(lambda b: _read(store.batch_file(table, b)), batches), strict=True):
        if data is None:
            continue
        if json.loads((data.schema.metadata or {}).get(COLUMNS_META, b"{}")):
            return None
        frame = data.to_pandas()
        if frames and list(frame.columns) != list(frames[0].columns):
            return None
        mine = frame["key"].map(index).to_numpy() == batch
        frames.append(frame if mine.all() else frame[mine])
    if not frames:
        return pd.DataFrame(columns=["key"])
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0].reset_index(drop=True)


def _run_by_run(
    store: Store, table: str, batches: list[str], index: dict[str, str], labels: pd.DataFrame
) -> pd.DataFrame:
    """:func:`load_results` where runs have columns of their own: each run's rows with the columns
    it wrote, in its order, stacked in design order, then the design's labels — as if each run's
    frame were concatenated in turn. The runs of one batch and one set of columns are taken
    together: a sweep of thousands of runs has a handful of such groups, and a frame per run cost
    about 4 s a thousand runs."""
    frames: list[pd.DataFrame] = []
    where: dict[str, tuple[int, np.ndarray, tuple[str, ...]]] = {}  # run → (its frame, its rows, its columns)
    for batch, data in zip(batches, _each(lambda b: _read(store.batch_file(table, b)), batches), strict=True):
        try:
            own = json.loads((data.schema.metadata or {}).get(COLUMNS_META, b"{}")) if data is not None else None
        except ValueError:
            own = None
        if own is None:
            continue
        frame = data.to_pandas()
        whole = tuple(frame.columns)
        for key, rows in frame.groupby("key", sort=False).indices.items():
            if index.get(key) == batch:
                where[key] = (len(frames), rows, tuple(own.get(key, whole)))
        frames.append(frame)
    design = labels[labels["key"].isin(where).to_numpy()]
    if not len(design):
        return pd.DataFrame()
    keys: list[str] = design["key"].tolist()
    groups: dict[tuple[int, tuple[str, ...]], list[int]] = {}  # in order of first appearance (the columns' order)
    for at, key in enumerate(keys):
        f, _, columns = where[key]
        groups.setdefault((f, columns), []).append(at)
    parts, at_of_row = [], []
    for (f, columns), ats in groups.items():
        rows = [where[keys[a]][1] for a in ats]
        parts.append(frames[f].iloc[np.concatenate(rows)][list(columns)])
        at_of_row.append(np.repeat(ats, [len(r) for r in rows]))
    out = pd.concat(parts, ignore_index=True)
    order = np.argsort(np.concatenate(at_of_row), kind="stable")  # design order; each run's rows in its own
    out = out.take(order).reset_index(drop=True)
    n = [len(where[k][1]) for k in keys]
    return out.assign(**{c: np.repeat(design[c].to_numpy(), n) for c in ("policy", "sample", "rep", "seed")})
