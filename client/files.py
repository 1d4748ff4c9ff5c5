"""Durable file writes: a hidden temporary file in the destination folder, fsynced, then named.

A reader never sees a half-written file under its final name: the data is written under a
`.NAME.*.part` name beside it, flushed to disk, and only then linked to the final name
(never replacing a file that is already there), after which the folder is fsynced too.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
from pathlib import Path
from types import TracebackType

PART_SUFFIX = ".part"
MAX_ALTERNATIVES = 1000


class PartFile:
    """One file being written; `commit()` names it, leaving it (or `discard()`) removes it."""

    def __init__(self, folder: Path, name: str) -> None:
        self.folder = folder
        self.name = name
        fd, temp = tempfile.mkstemp(prefix=f".{name}.", suffix=PART_SUFFIX, dir=folder)
        self.temp_path = Path(temp)
        self._file = os.fdopen(fd, "wb")
        self._lock = threading.Lock()  # commit may run in a thread while discard is called
        self._done = False
        self.size = 0

    def write(self, data: bytes) -> None:
        self._file.write(data)
        self.size += len(data)

    def commit(self) -> Path:
        """Flush and fsync the data, give it its name (or NAME-2… if that one is taken)."""
        with self._lock:
            if self._done:
                raise RuntimeError(f"{self.temp_path} was already committed or discarded")
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
            final = _name_unused(self.temp_path, self.folder, self.name)
            fsync_folder(self.folder)
            self._done = True
            return final

    def discard(self) -> None:
        """Remove the temporary file unless it was committed."""
        with self._lock:
            if self._done:
                return
            self._done = True
            self._file.close()
            self.temp_path.unlink(missing_ok=True)

    def __enter__(self) -> PartFile:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.discard()


def write_durably(folder: Path, name: str, data: bytes) -> Path:
    """Write a whole small file with the same guarantees."""
    with PartFile(folder, name) as part:
        part.write(data)
        return part.commit()


def fsync_folder(folder: Path) -> None:
    """Make the folder's entries (a new or renamed file) durable; a no-op where unsupported."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _name_unused(temp: Path, folder: Path, name: str) -> Path:
    """Move `temp` to `name`, or to `stem-2.ext`, `stem-3.ext`… if the name is taken.

    A hard link fails instead of replacing, so a file that appeared meanwhile is kept.
    Where hard links are not supported, an existence check and a rename do instead.
    """
    stem, ext = _split(name)
    for n in range(1, MAX_ALTERNATIVES + 1):
        final = folder / (name if n == 1 else f"{stem}-{n}{ext}")
        try:
            os.link(temp, final)
        except FileExistsError:
            continue
        except OSError:
            if final.exists():
                continue
            temp.replace(final)
            return final
        temp.unlink()
        return final
    raise FileExistsError(f"{name} and {MAX_ALTERNATIVES} alternatives exist in {folder}")


def _split(name: str) -> tuple[str, str]:
    stem, dot, ext = name.rpartition(".")
    return (stem, dot + ext) if stem else (name, "")
