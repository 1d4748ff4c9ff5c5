"""The ZIP of a batch built from its stored archive's pieces: images named by uid, a manifest,
and the archive itself. Synchronous and CPU-bound; gateway/zipdownload.py feeds it.

Entries, in this order: `images/<uid>.<ext>` (`images/<uid>--<source>.<ext>` for a source's
code), `manifest.csv`, `result.json`. Names come from client/names.py (safe on Windows,
macOS and Linux, unique case-insensitively); manifest cells are escaped as in
client/manifest.py. PNG and PDF are stored as they are (already compressed), SVG, EPS and
the manifest deflated, result.json stored (deflate would save about a third of it at the
cost of about as much CPU as all the images; docs/benchmarks.md). The manifest is spooled
(to disk past a few MB) until the images are out.
"""

from __future__ import annotations

import csv
import hashlib
import io
import tempfile
from collections.abc import Iterator, Sequence
from typing import IO, Any

from client.archive import decode_image, read_entry
from client.manifest import escape_cell
from client.names import NameRegistry, safe_stem
from shared.archiverows import ArchiveRows
from shared.archivestream import ArchiveText
from shared.rowindex import RowIndex, RowNames
from shared.zipstream import DateTime, ZipEntry, ZipStream

MANIFEST_NAME, RESULT_NAME, IMAGES_FOLDER = "manifest.csv", "result.json", "images/"
MANIFEST_COLUMNS = (
    "row",
    "uid",
    "status",
    "code",
    "message",
    "id",
    "url",
    "file",
    "sha256",
    "source",
    "label",
)
STORED_EXTENSIONS = frozenset({".png", ".pdf"})
SPOOL_BYTES = 4 * 1024 * 1024
TEXT_FLUSH_BYTES = 64 * 1024
PIECE_BYTES = 256 * 1024


class Manifest:
    """manifest.csv as it is written: one line per image or failed row, every cell escaped."""

    def __init__(self) -> None:
        self._spool: IO[bytes] = tempfile.SpooledTemporaryFile(  # noqa: SIM115
            max_size=SPOOL_BYTES
        )  # open until close(), like the ZIP it goes into
        self._text = io.StringIO()
        self._csv = csv.writer(self._text)
        self._csv.writerow(MANIFEST_COLUMNS)

    def add(self, cells: Sequence[str]) -> None:
        """A line; the caller escapes the cells that can hold caller-chosen text."""
        self._csv.writerow(cells)
        if self._text.tell() > TEXT_FLUSH_BYTES:
            self._flush()

    def size(self) -> int:
        self._flush()
        return self._spool.tell()

    def pieces(self) -> Iterator[bytes]:
        self._flush()
        self._spool.seek(0)
        while piece := self._spool.read(PIECE_BYTES):
            yield piece

    def close(self) -> None:
        self._spool.close()

    def _flush(self) -> None:
        self._spool.write(self._text.getvalue().encode("utf-8"))
        self._text.seek(0)
        self._text.truncate()


class ZipBuilder:
    """Fed the archive twice (once for the images, once for result.json) and the row index."""

    def __init__(self, date_time: DateTime, archive_bytes: int) -> None:
        self.zip = ZipStream(date_time)
        self.archive = ArchiveRows()
        self.rows: RowIndex = self.archive.index
        self._names = NameRegistry()
        self._manifest = Manifest()
        self._archive_bytes = archive_bytes  # the JSON text is never longer than its string
        self._text = ArchiveText()
        self._result: ZipEntry | None = None

    def parse(self, piece: bytes | None) -> int:
        """Parse a piece of the archive (None: its end); the last row number parsed so far."""
        return self.archive.parse(piece)

    def add_images(self) -> bytes:
        """The images of the parsed rows whose uid and label the row index has given."""
        for row, raw, names in self.archive.ready():
            self._add_row(row, raw, names)
        return self.zip.drain()

    def manifest(self) -> Iterator[bytes]:
        """The manifest.csv entry, piece by piece, once every image is in."""
        return self.zip.stream(
            MANIFEST_NAME, self._manifest.pieces(), compress=True, max_bytes=self._manifest.size()
        )

    def add_result(self, piece: bytes | None) -> bytes:
        """A piece of the archive (None: its end) into result.json, the archive's JSON text."""
        if self._result is None:  # stored: see the module's docstring
            self._result = self.zip.open(RESULT_NAME, compress=False, max_bytes=self._archive_bytes)
        self._result.write(self._text.feed(piece) if piece is not None else self._text.finish())
        return self.zip.drain()

    def close(self) -> bytes:
        """The ZIP's last bytes (its central directory)."""
        if self._result is not None:
            self._result.close()
        self._manifest.close()
        return self.zip.close()

    def release(self) -> None:
        """Give back the spooled files, whether or not the ZIP was finished."""
        self._manifest.close()
        self.zip.release()

    def _add_row(self, row: int, raw: Any, names: RowNames) -> None:
        entry = read_entry(row, raw, names.uid)
        # row, status, code, id, url, file and sha256 are ours: digits, words, `qr_…`,
        # the gateway's short links, `images/…`, hex. The rest come from the caller.
        first = (str(row + 1), "" if entry.uid is None else escape_cell(str(entry.uid)))
        label = escape_cell(names.label) if names.label else ""
        if not entry.ok:
            code = "" if entry.code is None else str(entry.code)
            self._manifest.add((*first, "failed", code, escape_cell(entry.message),
                                entry.qr_id, "", "", "", "", label))
            return
        stem = safe_stem(entry.uid, f"row-{row + 1}")
        for image in entry.images:
            source = "" if image.source is None else escape_cell(image.source)
            try:
                extension, data = decode_image(image.data_uri)
            except ValueError as exc:
                self._manifest.add((*first, "failed", "", escape_cell(f"image not saved: {exc}"),
                                    entry.qr_id, "", "", "", source, label))
                continue
            name_stem = (
                stem if image.source is None else f"{stem}--{safe_stem(image.source, 'source')}"
            )
            path = IMAGES_FOLDER + self._names.claim(name_stem, extension)
            self.zip.add(path, data, compress=extension not in STORED_EXTENSIONS)
            self._manifest.add((*first, "ok", "", "", entry.qr_id, image.url, path,
                                hashlib.sha256(data).hexdigest(), source, label))
