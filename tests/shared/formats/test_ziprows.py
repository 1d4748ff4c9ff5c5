"""ZIP rows: an image of every registered format goes into the ZIP, stored or deflated as
its entry says; an image of another format is an error, never an image left out with only
a manifest line."""

from __future__ import annotations

import base64
import zipfile
from typing import Any

import pytest

from shared.formats import registry
from shared.formats.archive import UnknownImageFormat
from shared.formats.ziprows import Manifest, ZipRows
from shared.formats.zipstream import ZipStream
from tests.zipfiles import manifest_rows, open_zip

WHEN = (2026, 3, 4, 5, 6, 8)
WEBP = "data:image/webp;base64,UklGRg=="  # a format the registry does not have


def uri(media_type: str, data: bytes) -> str:
    return f"data:{media_type};base64," + base64.b64encode(data).decode()


def zip_of(rows: list[tuple[Any, str]]) -> bytes:
    """The ZIP of archive entries with their uids: the images, then manifest.csv."""
    zip_stream, manifest = ZipStream(WHEN), Manifest()
    zip_rows = ZipRows(zip_stream, manifest)
    try:
        for row, (raw, uid) in enumerate(rows):
            zip_rows.add(row, raw, uid, None)
        body = bytearray(zip_stream.drain())
        for piece in zip_stream.stream("manifest.csv", manifest.pieces(), compress=True,
                                       max_bytes=manifest.size()):
            body += piece
        return bytes(body + zip_stream.close())
    finally:
        manifest.close()
        zip_stream.release()


def test_an_image_of_every_registered_format_is_saved() -> None:
    formats = registry.formats()
    archive = open_zip(zip_of([(uri(fmt.media_type, f"body {fmt.name}".encode()), f"u{i}")
                               for i, fmt in enumerate(formats)]))
    lines = manifest_rows(archive)
    assert [line["file"] for line in lines] == [f"images/u{i}{fmt.extension}"
                                                for i, fmt in enumerate(formats)]
    assert all(line["status"] == "ok" for line in lines)
    for i, fmt in enumerate(formats):
        info = archive.getinfo(f"images/u{i}{fmt.extension}")
        assert archive.read(info) == f"body {fmt.name}".encode()
        stored = zipfile.ZIP_STORED if fmt.compressed else zipfile.ZIP_DEFLATED
        assert info.compress_type == stored
    # png and pdf are compressed already; svg and eps are text
    assert [fmt.name for fmt in formats if fmt.compressed] == ["png", "pdf"]


@pytest.mark.parametrize("raw", [
    WEBP,  # a static row's image
    {"id": "qr_1", "uid": "d", "url": "http://h/r/1", "QRs": uri("image/png", b"png"),
     "sources": [{"source": "flyer", "url": "http://h/r/2", "QRs": WEBP}]},  # a source's
])
def test_an_image_of_a_format_the_table_does_not_name_is_an_error(raw: Any) -> None:
    with pytest.raises(UnknownImageFormat, match="image/webp"):
        zip_of([(uri("image/png", b"first"), "a"), (raw, "d")])


def test_damaged_data_of_a_known_format_is_listed_as_not_saved() -> None:
    archive = open_zip(zip_of([("data:image/png;base64,@@@@", "bad"),
                               (uri("image/png", b"fine"), "good")]))
    bad, good = manifest_rows(archive)
    assert (bad["uid"], bad["status"], bad["file"]) == ("bad", "failed", "")
    assert bad["message"].startswith("image not saved: bad base64 image data")
    assert good["file"] == "images/good.png"
    assert archive.namelist() == ["images/good.png", "manifest.csv"]
