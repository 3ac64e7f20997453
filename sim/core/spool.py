"""A spool: an append-only table of typed columns that lives in memory up to a size, then on disk.

Hot paths append rows to the spool's :attr:`~Spool.pending` marks (:class:`sim.core.marks.Marks`:
a row is a few C stores); :meth:`Spool.flush` packs them into typed ``array.array`` columns, and once those
pass ``spill_bytes`` it appends them to an anonymous temporary file and starts afresh. A
city-year's trace then costs a few megabytes of memory instead of hundreds, and reads back
chunk by chunk in the order it was recorded. The file has no name (it is unlinked as it is
made, :func:`tempfile.TemporaryFile`): nothing is left on disk whatever ends the process.
"""

from __future__ import annotations

import tempfile
import weakref
from array import array
from collections.abc import Callable, Iterator, Sequence
from typing import BinaryIO

import numpy as np

from sim.core.marks import Marks

SPILL_BYTES = 4 * 1024 * 1024
"""Bytes of packed columns a spool keeps in memory before it appends them to its file."""

Chunk = dict[str, np.ndarray]
"""Rows of a spool, one numpy array per column, in the spool's column order."""

_TYPECODES = {np.dtype(np.int64): "q", np.dtype(np.float64): "d", np.dtype(np.int8): "b"}


class Spool:
    """Append-only columns ``columns`` (name, numpy type: int64, float64 or int8), in memory up
    to ``spill_bytes`` (default :data:`SPILL_BYTES`), the rest in a temporary file."""

    def __init__(self, columns: Sequence[tuple[str, type]], spill_bytes: int | None = None):
        self.dtypes = {name: np.dtype(t) for name, t in columns}
        self.spill_bytes = SPILL_BYTES if spill_bytes is None else spill_bytes
        self.pending = Marks(len(self.dtypes))
        """Rows appended since the last flush: ``pending.add5(…)`` (five columns) in the event core."""
        self.mark = self.pending.extend
        """Append rows given as flat values, ``len(columns)`` a row (exact below 2**53)."""
        self._tail = self._fresh()
        self._file: BinaryIO | None = None  # opened at the first spill
        self._chunks: list[tuple[int, int]] = []  # (offset, rows) of each chunk in the file
        self._rows_spilled = 0
        self._row_bytes = sum(d.itemsize for d in self.dtypes.values())

    def _fresh(self) -> dict[str, array]:
        return {name: array(_TYPECODES[d]) for name, d in self.dtypes.items()}

    def __len__(self) -> int:
        """Rows recorded (pending rows packed first)."""
        self.flush()
        return self._rows_spilled + len(next(iter(self._tail.values())))

    @property
    def spilled(self) -> int:
        """Rows already in the file."""
        return self._rows_spilled

    def flush(self) -> None:
        """Pack the pending rows into the typed columns (and spill them if they grew past the size)."""
        if not len(self.pending):
            return
        rows = self.pending.take()
        for k, (name, d) in enumerate(self.dtypes.items()):
            self._tail[name].frombytes(rows[:, k].astype(d).tobytes())
        del rows
        self._spill_if_full()

    def extend(self, **columns: np.ndarray) -> None:
        """Append rows given column by column (every column, equal lengths), after the pending rows."""
        self.flush()
        for name, d in self.dtypes.items():
            self._tail[name].frombytes(np.ascontiguousarray(columns[name], dtype=d).tobytes())
        self._spill_if_full()

    def _spill_if_full(self) -> None:
        n = len(next(iter(self._tail.values())))
        if n * self._row_bytes < self.spill_bytes:
            return
        try:
            if self._file is None:
                self._file = tempfile.TemporaryFile(prefix="gridsim-spool-")
                weakref.finalize(self, self._file.close)  # (also at exit; the file has no name to leave behind)
            f = self._file
            offset = f.seek(0, 2)
            for col in self._tail.values():
                f.write(memoryview(col).cast("B"))
            f.flush()
        except OSError as exc:  # e.g. a full disk: name the folder (the file itself has no name)
            raise OSError(exc.errno, f"{exc.strerror} (spilling the transition log)", tempfile.gettempdir()) from exc
        self._chunks.append((offset, n))
        self._rows_spilled += n
        self._tail = self._fresh()  # (the full columns are freed, not kept for reuse)

    def chunks(self) -> Iterator[Chunk]:
        """Every row in the order recorded, a chunk at a time: the file's chunks read back, then
        a copy of the rows in memory (a few megabytes: no view holds the columns from growing)."""
        self.flush()
        for offset, n in list(self._chunks):
            assert self._file is not None
            self._file.seek(offset)
            data = self._file.read(n * self._row_bytes)
            chunk, at = {}, 0
            for name, d in self.dtypes.items():
                chunk[name] = np.frombuffer(data, dtype=d, count=n, offset=at)
                at += n * d.itemsize
            yield chunk
            del data, chunk  # (a chunk at a time)
        tail = {name: np.frombuffer(col, dtype=self.dtypes[name]).copy() for name, col in self._tail.items()}
        if len(next(iter(tail.values()))):
            yield tail

    def columns(self, keep: Callable[[Chunk], np.ndarray] | None = None) -> Chunk:
        """All rows (or those where ``keep(chunk)`` is true) as fresh arrays, one per column."""
        parts = [_select(c, keep) for c in self.chunks()]
        return {name: np.concatenate([p[name] for p in parts] or [np.empty(0, d)]) for name, d in self.dtypes.items()}

    def blocks(self, size: int, keep: Callable[[Chunk], np.ndarray] | None = None) -> Iterator[Chunk]:
        """The rows (or those where ``keep(chunk)`` is true) in blocks of ``size`` rows, the last
        shorter (one empty block if there are none): a table's row groups, each filled from the
        chunks as they are read (a block and a chunk in memory, never the whole spool)."""
        block: Chunk = {}
        filled, sent = 0, False
        left = len(self)  # rows not yet read (at most so many still to place)
        for chunk in self.chunks():
            left -= _rows(chunk)
            part = _select(chunk, keep)
            del chunk
            n, at = _rows(part), 0
            while at < n:
                if not filled and n - at >= size:  # a whole block inside the chunk: a view of it
                    k, out = size, {name: v[at : at + size] for name, v in part.items()}
                else:
                    if not filled:
                        block = {name: np.empty(min(size, n - at + left), d) for name, d in self.dtypes.items()}
                    k = min(size - filled, n - at)
                    for name, v in part.items():
                        block[name][filled : filled + k] = v[at : at + k]
                    filled += k
                    if filled < size:
                        break
                    out, block, filled = block, {}, 0
                at += k
                yield out
                del out  # (not held while the next block is filled)
                sent = True
            del part
        if filled or not sent:
            yield {name: block[name][:filled] if filled else np.empty(0, d) for name, d in self.dtypes.items()}


def _rows(chunk: Chunk) -> int:
    return len(next(iter(chunk.values())))


def _select(chunk: Chunk, keep: Callable[[Chunk], np.ndarray] | None) -> Chunk:
    if keep is None:
        return chunk
    mask = keep(chunk)
    if mask.all():
        return chunk
    return {name: v[mask] for name, v in chunk.items()}
