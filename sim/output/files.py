"""Files written whole or not at all (原子写入): through a flushed temporary sibling renamed into
place, with the permissions the umask allows.

Kept apart from the run writer so that what only writes files (a sweep's driver, the report)
does not import the model to do it.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def umask() -> int:
    """The process's umask, read without changing it where the system allows."""
    try:  # Linux: read it without changing it (changing it is not thread-safe)
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def fsync_dir(path: Path) -> None:
    """Flush folder ``path``'s entries to disk (a rename in it survives a power loss)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # a system that cannot open folders (Windows): renames are durable there
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class WriteBack:
    """Starts the disk write of a file's pages as the file grows, without waiting for it (where
    the system can: ``posix_fadvise`` DONTNEED starts the write-back of dirty pages), so that
    the flush at the end has less left to wait for. Each call asks only for the bytes added
    since the last (pages written back by then would be dropped from the cache); two threads
    calling at once may ask for a stretch twice, which costs nothing but the call."""

    def __init__(self, path: str | Path):
        self.path = path
        self.start = 0

    def __call__(self) -> None:
        """Ask for the bytes written since the last call."""
        if not hasattr(os, "posix_fadvise"):
            return
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except OSError:
            return
        try:
            size = os.fstat(fd).st_size
            if size > self.start:
                os.posix_fadvise(fd, self.start, size - self.start, os.POSIX_FADV_DONTNEED)
                self.start = size
        finally:
            os.close(fd)


def atomic_write(path: Path, write) -> None:
    """Write ``path`` through ``write(tmp)`` into a temporary sibling, flushed to disk, then
    renamed into place: a reader or a power loss sees the old file or the whole new one."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~umask())
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
        fsync_dir(path.parent)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
