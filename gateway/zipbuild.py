"""The ZIP of a batch: images named by uid, a manifest, and the archive itself, built from
the stored ZIP parts (a worker made each chunk's entries) or, for a batch stored before
them, from the archive's rows. Synchronous and CPU-bound; gateway/zipdownload.py feeds it.

Entries, in this order: `images/<uid>.<ext>` (`images/<uid>--<source>.<ext>` for a source's
code), `manifest.csv`, `result.json`. How images are named, stored or deflated and listed:
shared/formats/ziprows.py. A part's names are unique within its chunk; an entry whose name an
earlier chunk already took is renamed here, as if the whole batch had been named in one
go. result.json is stored (deflate would save about a third of it at the cost of about as
much CPU as all the images; docs/benchmarks.md). The manifest is spooled (to disk past a
few MB) until the images are out.
"""

from __future__ import annotations

from collections.abc import Iterator

from shared.archiverows import ArchiveRows
from shared.archivestream import ArchiveText
from shared.formats.rowindex import RowIndex
from shared.formats.zippart import PartReader, PartUnreadable, ZipPart
from shared.formats.ziprows import IMAGES_FOLDER, Manifest, ZipRows, refile
from shared.formats.zipstream import DateTime, ZipEntry, ZipStream

MANIFEST_NAME, RESULT_NAME = "manifest.csv", "result.json"


class ZipBuilder:
    """Fed the images (the ZIP parts, or the archive with its row index), then the archive
    again for result.json."""

    def __init__(self, date_time: DateTime, archive_bytes: int) -> None:
        self.zip = ZipStream(date_time)
        self._manifest = Manifest()
        self._rows = ZipRows(self.zip, self._manifest)
        self.archive = ArchiveRows()
        self.rows: RowIndex = self.archive.index
        self._parts = PartReader()
        self._archive_bytes = archive_bytes  # the JSON text is never longer than its string
        self._text = ArchiveText()
        self._result: ZipEntry | None = None

    def add_parts(self, piece: bytes | None) -> bytes:
        """A piece of the joined ZIP parts (None: their end) into the ZIP."""
        if piece is None:
            self._parts.finish()
            return b""
        for part in self._parts.feed(piece):
            self._splice(part)
        return self.zip.drain()

    def parse(self, piece: bytes | None) -> int:
        """Parse a piece of the archive (None: its end); the last row number parsed so far."""
        return self.archive.parse(piece)

    def add_images(self) -> bytes:
        """The images of the parsed rows whose uid and label the row index has given."""
        for row, raw, names in self.archive.ready():
            self._rows.add(row, raw, names.uid, names.label)
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

    def _splice(self, part: ZipPart) -> None:
        names = self._rows.names

        def rename(i: int, path: str) -> str:
            if names.take(path.removeprefix(IMAGES_FOLDER)):
                return path
            try:
                stem, extension, _ = part.claims[i]
            except IndexError as exc:
                raise PartUnreadable("a ZIP part names more entries than it claims") from exc
            return IMAGES_FOLDER + names.claim(stem, extension)

        renamed = self.zip.splice(part.local, part.records, rename)
        manifest = part.manifest
        if renamed:
            manifest = refile(manifest, {part.claims[i][2]: path for i, path in renamed})
        self._manifest.add_text(manifest, part.lines)
