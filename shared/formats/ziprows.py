"""An archive's rows as ZIP entries and manifest lines: each image under `images/`, named
safely and uniquely by its row's uid, and one manifest line per image or failed row.

Used where the rows are rendered (a worker's ZIP part of one chunk) and where a ZIP is
built from a stored archive alone. Names come from names.py (safe on Windows, macOS and
Linux, unique case-insensitively); manifest cells are escaped as in manifest.py. A format
the registry marks `compressed` (PNG, PDF) is stored as it is, any other deflated. An image
of a format the registry does not have raises UnknownImageFormat: it is never left out of
the ZIP with only a manifest line to say so (an image whose data is damaged is, with
"image not saved: …").
"""

from __future__ import annotations

import csv
import hashlib
import io
import tempfile
from collections.abc import Iterator, Sequence
from typing import IO, Any

from shared.formats.archive import UnknownImageFormat, decode_format, read_entry
from shared.formats.manifest import escape_cell
from shared.formats.names import NameRegistry, safe_stem, source_stem
from shared.formats.zipstream import ZipStream

IMAGES_FOLDER = "images/"
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
FILE_COLUMN = MANIFEST_COLUMNS.index("file")
SPOOL_BYTES = 4 * 1024 * 1024
TEXT_FLUSH_BYTES = 64 * 1024
PIECE_BYTES = 256 * 1024


class Manifest:
    """manifest.csv as it is written (spooled to disk past a few MB); `header=False` for
    the lines of one chunk, which go into a manifest that has one."""

    def __init__(self, *, header: bool = True) -> None:
        self._spool: IO[bytes] = tempfile.SpooledTemporaryFile(  # noqa: SIM115
            max_size=SPOOL_BYTES
        )  # open until close(), like the ZIP it goes into
        self._text = io.StringIO()
        self._csv = csv.writer(self._text)
        self.lines = 0  # lines added, the header not counted
        if header:
            self._csv.writerow(MANIFEST_COLUMNS)

    def add(self, cells: Sequence[str]) -> None:
        """A line; the caller escapes the cells that can hold caller-chosen text."""
        self._csv.writerow(cells)
        self.lines += 1
        if self._text.tell() > TEXT_FLUSH_BYTES:
            self._flush()

    def add_text(self, text: bytes, lines: int) -> None:
        """Lines already written (a chunk's), as they are."""
        self._flush()
        self._spool.write(text)
        self.lines += lines

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


def refile(text: bytes, files: dict[int, str]) -> bytes:
    """Manifest lines with the `file` cell of some of them (by line number) replaced."""
    lines = list(csv.reader(io.StringIO(text.decode("utf-8"), newline="")))
    for line, file in files.items():
        lines[line][FILE_COLUMN] = file
    out = io.StringIO()
    csv.writer(out).writerows(lines)
    return out.getvalue().encode("utf-8")


class ZipRows:
    """Rows added in order become entries of `zip` and lines of `manifest`."""

    def __init__(self, zip_stream: ZipStream, manifest: Manifest) -> None:
        self.zip, self.manifest = zip_stream, manifest
        self.names = NameRegistry()
        # How each image entry got its name, in order: (stem, extension, its manifest line).
        self.claims: list[tuple[str, str, int]] = []

    def add(self, row: int, raw: Any, uid: str | int | None, label: str | None) -> None:
        """Row number `row` (from 0) of the archive: its entry `raw`, its row's uid and label."""
        entry = read_entry(row, raw, uid)
        # row, status, code, id, url, file and sha256 are ours: digits, words, `qr_…`,
        # the gateway's short links, `images/…`, hex. The rest come from the caller.
        first = (str(row + 1), "" if entry.uid is None else escape_cell(str(entry.uid)))
        caption = escape_cell(label) if label else ""
        if not entry.ok:
            code = "" if entry.code is None else str(entry.code)
            self.manifest.add(
                (
                    *first,
                    "failed",
                    code,
                    escape_cell(entry.message),
                    entry.qr_id,
                    "",
                    "",
                    "",
                    "",
                    caption,
                )
            )
            return
        stem = safe_stem(entry.uid, f"row-{row + 1}")
        for image in entry.images:
            source = "" if image.source is None else escape_cell(image.source)
            try:
                image_format, data = decode_format(image.data_uri)
            except UnknownImageFormat:
                raise  # the renderer's format, missing from the table: never a row's fault
            except ValueError as exc:
                self.manifest.add(
                    (
                        *first,
                        "failed",
                        "",
                        escape_cell(f"image not saved: {exc}"),
                        entry.qr_id,
                        "",
                        "",
                        "",
                        source,
                        caption,
                    )
                )
                continue
            name_stem = source_stem(stem, image.source)
            extension = image_format.extension
            path = IMAGES_FOLDER + self.names.claim(name_stem, extension)
            self.claims.append((name_stem, extension, self.manifest.lines))
            self.zip.add(path, data, compress=not image_format.compressed)
            self.manifest.add(
                (
                    *first,
                    "ok",
                    "",
                    "",
                    entry.qr_id,
                    image.url,
                    path,
                    hashlib.sha256(data).hexdigest(),
                    source,
                    caption,
                )
            )
