"""A ZIP written front to back with the stdlib's zipfile into memory that the caller drains.

Nothing is ever sought back to: every entry carries a data descriptor, so the bytes can go
out on a socket as they are made. zipfile keeps one ZipInfo (about 400 bytes) per entry for
the central directory it writes at the end; for a quarter of a million images that alone
would be 100 MB, so each finished entry is packed into a few dozen bytes of a spooled file
(DirectoryFile) and turned back into a ZipInfo only while the directory is written.
Zip64 records appear where sizes, offsets or the entry count need them.
"""

from __future__ import annotations

import struct
import tempfile
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from typing import IO

# header offset, compressed size, size, CRC, method, flags, extract and create versions,
# length of the name; then the name's UTF-8 bytes.
RECORD = struct.Struct("<QQQIHHBBH")
SPOOL_BYTES = 4 * 1024 * 1024
DEFLATE_LEVEL = 1  # already-dense text (base64 inside JSON): level 6 costs 3x for ~5 % less
ZIP64_SAFETY = 0.95  # zipfile's own margin: a stream over this share of 4 GiB goes Zip64
FILE_MODE = 0o644 << 16
DateTime = tuple[int, int, int, int, int, int]


class _Sink:
    """Where zipfile writes: a buffer that counts its bytes (tell) but cannot seek, so
    zipfile streams, and writes to it directly rather than through a counting wrapper."""

    def __init__(self) -> None:
        self.buffer = bytearray()
        self._written = 0

    def write(self, data: bytes) -> int:
        self.buffer += data
        self._written += len(data)
        return len(data)

    def tell(self) -> int:
        return self._written

    def flush(self) -> None:
        """zipfile flushes at the end; the caller drains instead."""

    def close(self) -> None:
        """zipfile leaves a file object it was given open; nothing to close."""


class _Forgetful(dict[str, zipfile.ZipInfo]):
    """zipfile's name index, kept empty: names are unique by construction (names.py)."""

    def __setitem__(self, key: str, value: zipfile.ZipInfo) -> None:
        return


class DirectoryFile:
    """The list of finished entries as zipfile sees it: appended, counted and iterated."""

    def __init__(self, date_time: DateTime) -> None:
        self._date_time = date_time
        # Open as long as the ZIP is being written: close() ends it.
        self._spool: IO[bytes] = tempfile.SpooledTemporaryFile(  # noqa: SIM115
            max_size=SPOOL_BYTES)
        self._count = 0

    def append(self, info: zipfile.ZipInfo) -> None:
        name = info.filename.encode("utf-8")
        self._spool.write(RECORD.pack(
            info.header_offset, info.compress_size, info.file_size, info.CRC,
            info.compress_type, info.flag_bits, info.extract_version, info.create_version,
            len(name)) + name)
        self._count += 1

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[zipfile.ZipInfo]:
        self._spool.seek(0)
        for _ in range(self._count):
            fields = RECORD.unpack(self._spool.read(RECORD.size))
            info = zipfile.ZipInfo(self._spool.read(fields[-1]).decode("utf-8"),
                                   self._date_time)
            (info.header_offset, info.compress_size, info.file_size, info.CRC,
             info.compress_type, info.flag_bits, info.extract_version,
             info.create_version) = fields[:-1]
            info.external_attr = FILE_MODE
            yield info
        self._spool.seek(0, 2)

    def close(self) -> None:
        self._spool.close()


class ZipStream:
    """Entries added one after another; `drain()` hands over the bytes made so far."""

    def __init__(self, date_time: DateTime) -> None:
        self._date_time = date_time
        self._sink = _Sink()
        self._directory = DirectoryFile(date_time)
        self._zip = zipfile.ZipFile(self._sink, "w")
        self._zip.filelist = self._directory  # type: ignore[assignment]
        self._zip.NameToInfo = _Forgetful()
        self.entries = 0

    def add(self, name: str, data: bytes, *, compress: bool) -> None:
        """One whole entry, e.g. an image."""
        info = self._info(name, compress)
        info.file_size = len(data)
        self.entries += 1
        if not compress:
            self._add_stored(info, data)
            return
        with self._zip.open(info, "w") as entry:
            entry.write(data)

    def _add_stored(self, info: zipfile.ZipInfo, data: bytes) -> None:
        """A stored entry whose size and CRC are known before its header: written with
        zipfile's own header, without a data descriptor and without zipfile's writer
        object, which costs more than a small image's bytes (its directory entry is
        zipfile's as usual). Relies on `start_dir`, where zipfile writes the next header
        and finally its central directory (3.11's name, as everywhere since 2.x)."""
        info.compress_size, info.CRC = len(data), zlib.crc32(data)
        info.header_offset = self._sink.tell()
        self._sink.write(info.FileHeader(None))
        self._sink.write(data)
        self._zip.start_dir = self._sink.tell()
        self._zip._didModify = True  # type: ignore[attr-defined]
        self._directory.append(info)

    def open(self, name: str, *, compress: bool, max_bytes: int) -> IO[bytes]:
        """An entry written piece by piece (drain between pieces); `max_bytes` bounds its
        size, so it gets Zip64 sizes when it might pass 4 GiB."""
        info = self._info(name, compress)
        self.entries += 1
        return self._zip.open(info, "w",
                              force_zip64=max_bytes > zipfile.ZIP64_LIMIT * ZIP64_SAFETY)

    def stream(self, name: str, pieces: Iterable[bytes], *, compress: bool,
               max_bytes: int) -> Iterator[bytes]:
        """An entry whose content comes from `pieces` (a manifest, a PDF being drawn): the
        ZIP's bytes after each piece, so neither the content nor the output piles up."""
        with self.open(name, compress=compress, max_bytes=max_bytes) as entry:
            for piece in pieces:
                entry.write(piece)
                yield self.drain()
        yield self.drain()

    def drain(self) -> bytes:
        data = bytes(self._sink.buffer)
        self._sink.buffer.clear()
        return data

    def close(self) -> bytes:
        """The central directory and end records: the last bytes of the ZIP."""
        self._zip.close()
        self._directory.close()
        return self.drain()

    def release(self) -> None:
        """Give back the spooled directory of a ZIP abandoned half-way (idempotent)."""
        self._directory.close()

    def _info(self, name: str, compress: bool) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, self._date_time)
        info.external_attr = FILE_MODE
        if compress:
            info.compress_type = zipfile.ZIP_DEFLATED
            info._compresslevel = DEFLATE_LEVEL  # type: ignore[attr-defined]  # 3.11's name
        return info
