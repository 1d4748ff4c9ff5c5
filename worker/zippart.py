"""A chunk's ZIP part (shared/formats/zippart.py), made from its rendered entries and its rows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from shared.formats.zippart import ZipPart, pack_part
from shared.formats.ziprows import Manifest, ZipRows
from shared.formats.zipstream import ZipStream, date_time_of
from shared.pipeline import RowInput
from shared.rows.plan import label_of, uid_of


def zip_part(entries: Sequence[Any], rows: Sequence[RowInput], rendered_at_s: float) -> bytes:
    """The entries of the chunk's images, dated when they were rendered (UTC), and their
    manifest lines; `entries[i]` is the archive entry of `rows[i]`. An image of a format
    the registry does not know raises UnknownImageFormat: the chunk is dead-lettered at once
    (worker/policy.py) and its rows fail with 500, rather than a ZIP delivered without it."""
    zip_stream, manifest = ZipStream(date_time_of(rendered_at_s)), Manifest(header=False)
    zip_rows = ZipRows(zip_stream, manifest)
    try:
        for row, entry in zip(rows, entries, strict=True):
            zip_rows.add(row.index, entry, uid_of(row.raw), label_of(row.raw))
        local, records = zip_stream.drain(), zip_stream.records()
        return pack_part(
            ZipPart(zip_rows.claims, records, local, b"".join(manifest.pieces()), manifest.lines)
        )
    finally:
        manifest.close()
        zip_stream.release()
