"""Wire contracts: the work message envelope, the scan event, and the archive's text format."""

from __future__ import annotations

from typing import Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field


class WorkMessage(BaseModel):
    """What travels on the chunk queue: names of stored work, never the rows themselves.

    `split` fans one accepted batch out into `chunk` messages and carries every chunk's
    row count; a `chunk` names one stored slice of rows, its first row and its size, so
    even a chunk whose stored rows are unreadable can be failed row by row.
    """

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    v: Literal[1] = 1
    kind: Literal["split", "chunk"]
    bulk_id: str = Field(alias="bulkId")
    chunk: int = Field(default=0, ge=0)
    chunks: int = Field(ge=1)
    first: int = Field(default=0, ge=0)
    rows: int = Field(default=0, ge=0)
    sizes: list[int] = Field(default_factory=list)

    def chunk_messages(self) -> list[WorkMessage]:
        """The chunk messages a split fans out into."""
        firsts = [sum(self.sizes[:i]) for i in range(len(self.sizes))]
        return [WorkMessage(kind="chunk", bulk_id=self.bulk_id, chunk=i, chunks=self.chunks,
                            first=first, rows=size)
                for i, (first, size) in enumerate(zip(firsts, self.sizes, strict=True))]

    def to_bytes(self) -> bytes:
        return orjson.dumps(self.model_dump(by_alias=True))

    @classmethod
    def from_bytes(cls, body: bytes) -> WorkMessage:
        return cls.model_validate_json(body)

    @property
    def message_id(self) -> str:
        return f"{self.bulk_id}:{self.kind}:{self.chunk}"


class ScanEvent(BaseModel):
    """Scans of one short code counted by a gateway since its last flush."""

    code: str
    count: int = Field(ge=1)
    last_scan_ms: int = Field(alias="lastScanMs")


def fragment(entries: list[Any]) -> bytes:
    """A chunk's entries as they appear inside the archive's JSON string.

    The archive is a JSON string whose content is the JSON array of entries, so each
    chunk is stored already escaped: `"[" + ",".join(fragments) + "]"` is the archive.
    Escaping works character by character, so escaped pieces concatenate exactly.
    """
    array_text = orjson.dumps(entries)[1:-1]
    return orjson.dumps(array_text.decode())[1:-1]


ARCHIVE_OPEN, ARCHIVE_SEPARATOR, ARCHIVE_CLOSE = b'"[', b",", b']"'
