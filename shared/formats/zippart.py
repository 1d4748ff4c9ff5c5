"""A ZIP part: the ZIP entries and manifest lines of one chunk's rows, made by the worker
that rendered them, so that a ZIP download only names and relays (docs/architecture.md).

A part is one frame: a header (its magic and the sizes of what follows), then JSON meta
(how each image entry got its name: `[stem, extension, manifest line]`, which a download
needs only to rename an entry another chunk's name took), the central-directory records
and the local entries of a ZIP made from offset 0, and the chunk's manifest lines. A
batch's parts are joined, in chunk order, into one object beside the archive.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass

import orjson

MAGIC = b"BQZ1"
HEADER = struct.Struct("<4s4Q")  # magic; bytes of meta, records, local entries, manifest
MAX_META_BYTES = 64 * 1024 * 1024  # a damaged header is refused before it is waited for


class PartUnreadable(ValueError):
    """The joined parts are not a sequence of whole frames."""


@dataclass(frozen=True)
class ZipPart:
    claims: Sequence[tuple[str, str, int]]  # per image entry: stem, extension, manifest line
    records: bytes
    local: bytes
    manifest: bytes
    lines: int  # manifest lines in `manifest`


def pack_part(part: ZipPart) -> bytes:
    meta = orjson.dumps({"claims": part.claims, "lines": part.lines})
    return b"".join(
        (
            HEADER.pack(MAGIC, len(meta), len(part.records), len(part.local), len(part.manifest)),
            meta,
            part.records,
            part.local,
            part.manifest,
        )
    )


class PartReader:
    """Frames from the pieces of the joined parts, as each one is complete."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, piece: bytes) -> list[ZipPart]:
        self._buffer += piece
        parts = []
        while (part := self._next()) is not None:
            parts.append(part)
        return parts

    def finish(self) -> None:
        if self._buffer:
            raise PartUnreadable(f"the ZIP parts end inside a frame ({len(self._buffer)} bytes)")

    def _next(self) -> ZipPart | None:
        if len(self._buffer) < HEADER.size:
            return None
        magic, *sizes = HEADER.unpack_from(self._buffer)
        if magic != MAGIC or sizes[0] > MAX_META_BYTES:
            raise PartUnreadable("a ZIP part's header is damaged")
        end = HEADER.size + sum(sizes)
        if len(self._buffer) < end:
            return None
        view, at = memoryview(self._buffer), HEADER.size
        meta_bytes, records, local, manifest = (
            bytes(view[at + sum(sizes[:i]) : at + sum(sizes[: i + 1])]) for i in range(4)
        )
        del view
        del self._buffer[:end]
        try:
            meta = orjson.loads(meta_bytes)
            claims = [(str(stem), str(ext), int(line)) for stem, ext, line in meta["claims"]]
            lines = int(meta["lines"])
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise PartUnreadable(f"a ZIP part's meta is damaged: {exc}") from exc
        return ZipPart(claims, records, local, manifest, lines)
