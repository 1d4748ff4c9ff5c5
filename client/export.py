"""Unpack a saved archive into a folder: one image file per QR, and manifest.csv."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from client.errors import ProtocolError
from client.files import fsync_folder, write_durably
from shared.formats.archive import Entry, Image, decode_image, read_entries
from shared.formats.manifest import ManifestRow, manifest_bytes
from shared.formats.names import NameRegistry, safe_stem, source_stem

MANIFEST_NAME = "manifest.csv"


@dataclass(frozen=True)
class ExportSummary:
    images: int
    failed_rows: int  # rows the server reported as failed
    unsaved_images: int  # images the archive holds that could not be decoded
    manifest: Path
    rows: tuple[ManifestRow, ...]


def load_archive(body: bytes) -> list[Any]:
    """The entries of an archive as downloaded (a JSON string), or of the bare array."""
    try:
        value = orjson.loads(body)
        if isinstance(value, str):
            value = orjson.loads(value)
    except orjson.JSONDecodeError as exc:
        raise ProtocolError(f"the archive is not JSON: {exc}") from exc
    if not isinstance(value, list):
        raise ProtocolError("the archive does not hold a JSON array of entries")
    return value


def export_archive(archive_path: Path, folder: Path,
                   rows: Sequence[Any] | None = None) -> ExportSummary:
    """Write the images of `archive_path` into `folder`, never replacing a file there.

    Images are named by uid (made safe and unique); a static row's uid comes from `rows`
    when they are given, else it is named `row-N` by its 1-based position.
    """
    entries = read_entries(load_archive(archive_path.read_bytes()), rows)
    folder.mkdir(parents=True, exist_ok=True)
    names = NameRegistry(path.name for path in folder.iterdir())
    lines: list[ManifestRow] = []
    for entry in entries:
        lines.extend(_save(entry, folder, names) if entry.ok else [_failed(entry)])
    fsync_folder(folder)
    manifest = write_durably(folder, MANIFEST_NAME, manifest_bytes(lines))
    saved = sum(1 for line in lines if line.status == "ok")
    failed = sum(1 for entry in entries if not entry.ok)
    unsaved = sum(1 for line in lines if line.status == "failed") - failed
    return ExportSummary(saved, failed, unsaved, manifest, tuple(lines))


def _uid_text(entry: Entry) -> str:
    return "" if entry.uid is None else str(entry.uid)


def _failed(entry: Entry, message: str | None = None) -> ManifestRow:
    code = "" if entry.code is None else str(entry.code)
    return ManifestRow(_uid_text(entry), "failed", code, message or entry.message,
                       entry.qr_id)


def _save(entry: Entry, folder: Path, names: NameRegistry) -> list[ManifestRow]:
    stem = safe_stem(entry.uid, f"row-{entry.index + 1}")
    lines = []
    for image in entry.images:
        try:
            name = _write_image(image, folder, names, stem)
        except ValueError as exc:
            lines.append(_failed(entry, f"image not saved: {exc}"))
            continue
        lines.append(ManifestRow(_uid_text(entry), "ok", id=entry.qr_id,
                                 short_url=image.url, file=name, source=image.source or ""))
    return lines


def _write_image(image: Image, folder: Path, names: NameRegistry, stem: str) -> str:
    extension, data = decode_image(image.data_uri)
    name = names.claim(source_stem(stem, image.source), extension)
    with (folder / name).open("xb") as file:  # "x": fail rather than replace anything
        file.write(data)
    return name
