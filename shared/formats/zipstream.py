"""A ZIP written front to back into memory that the caller drains, its records packed here.

Nothing is ever sought back to, so the bytes can go out on a socket as they are made: an
entry whose size is known (an image) gets its sizes and CRC in its local header; an entry
written piece by piece (the manifest, result.json, sheet.pdf) gets a data descriptor after
its data. Each entry's central-directory record is packed as soon as the entry ends and
spooled (to disk past a few MB), so memory does not grow with the entry count. Zip64
records appear wherever a size, an offset or the entry count needs them (APPNOTE 4.3.9,
4.4.1.4, 4.5.3). Entries made by another ZipStream (a worker's ZIP part) are spliced in
with their records, moved to where they land. The stdlib's zipfile writes the same bytes,
but its ZipInfo, header and directory code cost more per entry than a small image's bytes
(docs/benchmarks.md, "ZIP download"); it is what the tests read every ZIP back with.
"""

from __future__ import annotations

import struct
import tempfile
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from typing import IO

DateTime = tuple[int, int, int, int, int, int]
Rename = Callable[[int, str], str]  # (entry number, name in the part) -> name in the ZIP

LOCAL = struct.Struct("<4s5H3L2H")  # signature, versions … name and extra lengths
DIRECTORY = struct.Struct("<4s6H3L5H2L")
END = struct.Struct("<4s4H2LH")
END64 = struct.Struct("<4sQ2H2L4Q")
LOCATOR64 = struct.Struct("<4sLQL")
DESCRIPTOR = struct.Struct("<4s3L")
DESCRIPTOR64 = struct.Struct("<4sL2Q")
OFFSET = struct.Struct("<L")  # a directory record's last field: its entry's offset
ZIP64_TAG = 0x0001
LIMIT32, LIMIT16 = 0xFFFFFFFF, 0xFFFF
VERSION, VERSION64 = 20, 45  # deflate; Zip64
MADE_ON_UNIX = 3 << 8
STORED, DEFLATED = 0, 8
FLAG_DESCRIPTOR, FLAG_UTF8 = 0x08, 0x800
FILE_MODE = 0o644 << 16
DEFLATE_LEVEL = 1  # already-dense text (base64 inside JSON): level 6 costs 3x for ~5 % less
SPOOL_BYTES = 4 * 1024 * 1024
RECORDS_FLUSH_BYTES = 64 * 1024
DOS_EPOCH_S = 315_532_800  # 1980-01-01, the earliest time a ZIP entry can have
ZIP64_SAFETY = 0.95  # an entry that may pass this share of 4 GiB is written with Zip64 sizes


class ZipStream:
    """Entries added one after another; `drain()` hands over the bytes made so far."""

    def __init__(self, date_time: DateTime) -> None:
        year, month, day, hour, minute, second = date_time
        self._dos_time = hour << 11 | minute << 5 | second // 2
        self._dos_date = (year - 1980) << 9 | month << 5 | day
        self._out = bytearray()
        self._offset = 0  # bytes of the ZIP made so far, drained or not
        # Open as long as the ZIP is being written: close() or release() ends it.
        self._directory: IO[bytes] = tempfile.SpooledTemporaryFile(  # noqa: SIM115
            max_size=SPOOL_BYTES)
        self._records = bytearray()  # the latest records, on their way to the spool
        self.entries = 0

    def add(self, name: str, data: bytes, *, compress: bool) -> None:
        """One whole entry, e.g. an image: sizes and CRC in its header, no descriptor."""
        crc = zlib.crc32(data)
        packed = _deflate(data) if compress else data
        method = DEFLATED if compress else STORED
        encoded, flags = _name(name)
        offset, out = self._offset, self._out
        before = len(out)
        if len(data) < LIMIT32 and len(packed) < LIMIT32:
            out += LOCAL.pack(b"PK\x03\x04", VERSION, flags, method, self._dos_time,
                              self._dos_date, crc, len(packed), len(data), len(encoded), 0)
            out += encoded
        else:
            extra = struct.pack("<2H2Q", ZIP64_TAG, 16, len(data), len(packed))
            out += LOCAL.pack(b"PK\x03\x04", VERSION64, flags, method, self._dos_time,
                              self._dos_date, crc, LIMIT32, LIMIT32, len(encoded), len(extra))
            out += encoded + extra
        out += packed
        self._offset += len(out) - before
        self._record(encoded, flags, method, crc, len(packed), len(data), offset)

    def open(self, name: str, *, compress: bool, max_bytes: int) -> ZipEntry:
        """An entry written piece by piece (drain between pieces); `max_bytes` bounds its
        size, so it gets Zip64 sizes when it might pass 4 GiB."""
        return ZipEntry(self, name, compress=compress, zip64=max_bytes > LIMIT32 * ZIP64_SAFETY)

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
        data = bytes(self._out)
        self._out.clear()
        return data

    def records(self) -> bytes:
        """The central-directory records of the entries so far, for `splice` into another
        ZIP (a ZIP part: entries made where the rows were rendered)."""
        self._directory.write(self._records)
        self._records.clear()
        self._directory.seek(0)
        data = self._directory.read()
        self._directory.seek(0, 2)
        return data

    def splice(self, local: bytes, records: bytes, rename: Rename) -> list[tuple[int, str]]:
        """Append the entries of another ZipStream that were added whole from its offset 0:
        its drained bytes (`local`) and its `records()`. `rename(i, name)` gives entry i's
        name here; the entries it renames get a new local header. Returns their (i, name)."""
        renamed: list[tuple[int, str]] = []
        base, shift, copied, at, i = self._offset, 0, 0, 0, 0
        while at < len(records):
            (_, _, _, flags, method, dos_time, dos_date, crc, packed_bytes, data_bytes,
             name_bytes, extra_bytes, comment_bytes, _, _, _, offset) = DIRECTORY.unpack_from(
                records, at)
            if extra_bytes or comment_bytes:
                raise ValueError("a spliced record carries an extra field or a comment")
            end = at + DIRECTORY.size + name_bytes
            name = records[at + DIRECTORY.size:end].decode("utf-8")
            new_name = rename(i, name)
            if new_name == name and base + offset + shift < LIMIT32:
                self._records += records[at:end]  # as it is, but for its entry's offset
                OFFSET.pack_into(self._records, len(self._records) - name_bytes - OFFSET.size,
                                 base + offset + shift)
                self._count_record()
            else:
                encoded, utf8 = _name(new_name)
                flags = flags & ~FLAG_UTF8 | utf8
                self._record(encoded, flags, method, crc, packed_bytes, data_bytes,
                             base + offset + shift, (dos_time, dos_date))
            if new_name != name:  # the bytes before the entry as they are, then its header
                *_, local_name_bytes, local_extra_bytes = LOCAL.unpack_from(local, offset)
                self._out += local[copied:offset]
                self._out += LOCAL.pack(b"PK\x03\x04", VERSION, flags, method, dos_time,
                                        dos_date, crc, packed_bytes, data_bytes, len(encoded),
                                        0) + encoded
                copied = offset + LOCAL.size + local_name_bytes + local_extra_bytes
                shift += len(encoded) - local_name_bytes - local_extra_bytes
                renamed.append((i, new_name))
            at, i = end, i + 1
        self._out += local[copied:]
        self._offset += len(local) + shift
        return renamed

    def close(self) -> bytes:
        """The central directory and end records: the last bytes of the ZIP."""
        self._directory.write(self._records)
        start, size = self._offset, self._directory.tell()
        self._directory.seek(0)
        self._write(self._directory.read())
        self._directory.close()
        if self.entries >= LIMIT16 or start >= LIMIT32 or size >= LIMIT32:
            self._write(END64.pack(b"PK\x06\x06", END64.size - 12, MADE_ON_UNIX | VERSION64,
                                   VERSION64, 0, 0, self.entries, self.entries, size, start))
            self._write(LOCATOR64.pack(b"PK\x06\x07", 0, start + size, 1))
        count = min(self.entries, LIMIT16)
        self._write(END.pack(b"PK\x05\x06", 0, 0, count, count, min(size, LIMIT32),
                             min(start, LIMIT32), 0))
        return self.drain()

    def release(self) -> None:
        """Give back the spooled directory of a ZIP abandoned half-way (idempotent)."""
        self._directory.close()

    def _write(self, data: bytes) -> None:
        self._out += data
        self._offset += len(data)

    def _record(self, encoded: bytes, flags: int, method: int, crc: int, packed_bytes: int,
                data_bytes: int, offset: int, dos: tuple[int, int] | None = None) -> None:
        """The entry's central-directory record, spooled until close(); `dos` is its time
        and date when not the ZIP's own."""
        dos_time, dos_date = dos or (self._dos_time, self._dos_date)
        if data_bytes < LIMIT32 and packed_bytes < LIMIT32 and offset < LIMIT32:
            self._records += DIRECTORY.pack(
                b"PK\x01\x02", MADE_ON_UNIX | VERSION, VERSION, flags, method, dos_time,
                dos_date, crc, packed_bytes, data_bytes, len(encoded), 0, 0, 0, 0,
                FILE_MODE, offset)
            self._records += encoded
        else:
            big = [value for value in (data_bytes, packed_bytes, offset) if value >= LIMIT32]
            extra = struct.pack(f"<2H{len(big)}Q", ZIP64_TAG, 8 * len(big), *big)
            self._records += DIRECTORY.pack(
                b"PK\x01\x02", MADE_ON_UNIX | VERSION64, VERSION64, flags, method, dos_time,
                dos_date, crc, min(packed_bytes, LIMIT32), min(data_bytes, LIMIT32),
                len(encoded), len(extra), 0, 0, 0, FILE_MODE, min(offset, LIMIT32))
            self._records += encoded + extra
        self._count_record()

    def _count_record(self) -> None:
        self.entries += 1
        if len(self._records) >= RECORDS_FLUSH_BYTES:
            self._directory.write(self._records)
            self._records.clear()


class ZipEntry:
    """One entry being written: its header is out, its data descriptor comes at close()."""

    def __init__(self, zip_stream: ZipStream, name: str, *, compress: bool,
                 zip64: bool) -> None:
        self._zip, self._zip64 = zip_stream, zip64
        self._encoded, flags = _name(name)
        self._flags = flags | FLAG_DESCRIPTOR
        self._method = DEFLATED if compress else STORED
        self._deflater = _deflater() if compress else None
        self._offset = zip_stream._offset
        self._crc = self._data_bytes = self._packed_bytes = 0
        self._closed = False
        extra = struct.pack("<2H2Q", ZIP64_TAG, 16, 0, 0) if zip64 else b""
        sizes = LIMIT32 if zip64 else 0
        zip_stream._write(LOCAL.pack(
            b"PK\x03\x04", VERSION64 if zip64 else VERSION, self._flags, self._method,
            zip_stream._dos_time, zip_stream._dos_date, 0, sizes, sizes,
            len(self._encoded), len(extra)) + self._encoded + extra)

    def write(self, data: bytes) -> int:
        self._crc = zlib.crc32(data, self._crc)
        self._data_bytes += len(data)
        self._put(self._deflater.compress(data) if self._deflater is not None else data)
        return len(data)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._deflater is not None:
            self._put(self._deflater.flush())
        if not self._zip64 and max(self._data_bytes, self._packed_bytes) >= LIMIT32:
            raise ValueError("entry passed 4 GiB though its max_bytes said it would not")
        descriptor = DESCRIPTOR64 if self._zip64 else DESCRIPTOR
        self._zip._write(descriptor.pack(b"PK\x07\x08", self._crc, self._packed_bytes,
                                         self._data_bytes))
        self._zip._record(self._encoded, self._flags, self._method, self._crc,
                          self._packed_bytes, self._data_bytes, self._offset)

    def __enter__(self) -> ZipEntry:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _put(self, data: bytes) -> None:
        self._packed_bytes += len(data)
        self._zip._write(data)


def date_time_of(epoch_s: float) -> DateTime:
    """A moment as an entry's modification time (UTC), within ZIP's range (from 1980)."""
    moment = time.gmtime(max(epoch_s, DOS_EPOCH_S))
    return (moment.tm_year, moment.tm_mon, moment.tm_mday, moment.tm_hour, moment.tm_min,
            moment.tm_sec)


def _name(name: str) -> tuple[bytes, int]:
    """The name's bytes and the flag that says they are UTF-8 (not needed for ASCII)."""
    return name.encode("utf-8"), 0 if name.isascii() else FLAG_UTF8


def _deflater() -> zlib._Compress:
    return zlib.compressobj(DEFLATE_LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS)


def _deflate(data: bytes) -> bytes:
    deflater = _deflater()
    return deflater.compress(data) + deflater.flush()
