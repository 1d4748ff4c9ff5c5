"""The ZIP built from an archive's pieces, or from the workers' ZIP parts: names, manifest,
images and result.json agree, and the two ways give the same ZIP."""

from __future__ import annotations

import hashlib
from typing import Any

import orjson
import pytest

from gateway.zipbuild import ZipBuilder
from shared.formats.archive import UnknownImageFormat
from shared.formats.zippart import PartUnreadable
from shared.pipeline import RowInput
from shared.rowindex import rows_text
from shared.schemas import ARCHIVE_CLOSE, ARCHIVE_OPEN, fragment
from tests.client.images import png_data_uri, svg_data_uri
from tests.zipfiles import assert_safe_name, decode_png, manifest_rows, open_zip
from worker.zippart import zip_part

UIDS = ["../../etc/passwd", "CON", "a/b", '=HYPERLINK("x")', "\U0001f600 box", "u" * 300,
        "A/B", 42]


def build(entries: list[Any], rows: list[Any], piece_bytes: int) -> bytes:
    stored = ARCHIVE_OPEN + fragment(entries) + ARCHIVE_CLOSE
    index = rows_text(enumerate(rows))
    builder, body = ZipBuilder((2026, 1, 1, 0, 0, 0), len(stored)), bytearray()
    cuts = [stored[i:i + piece_bytes] for i in range(0, len(stored), piece_bytes)]
    for piece in [*cuts, None]:
        last = builder.parse(piece)
        while index and not builder.rows.covers(last):  # the index arrives a line at a time
            line, _, index = index.partition(b"\n")
            builder.rows.feed(line + b"\n")
        if not index:
            builder.rows.finish()
        body += builder.add_images()
    for data in builder.manifest():
        body += data
    for piece in [*cuts, None]:
        body += builder.add_result(piece)
    return bytes(body + builder.close())


@pytest.mark.parametrize("piece_bytes", [97, 1 << 20])
def test_images_are_named_safely_and_listed(piece_bytes: int) -> None:
    rows: list[Any] = [{"uid": uid, "label": f"label {i}"} for i, uid in enumerate(UIDS)]
    entries: list[Any] = [png_data_uri(f"content {i}") for i in range(len(UIDS))]
    rows.append({"uid": "dyn"})
    entries.append({"id": "qr_1", "uid": "dyn", "url": "http://h/r/1", "QRs": png_data_uri("one"),
                    "sources": [{"source": "fly/er", "url": "http://h/r/2",
                                 "QRs": svg_data_uri("two")}]})
    rows += [{"uid": "bad"}, {"uid": "-neg"}]
    entries += [{"uid": "bad", "status": "failed", "message": "=cmd", "code": 400},
                png_data_uri("minus")]
    archive = open_zip(build(entries, rows, piece_bytes))
    lines = manifest_rows(archive)
    assert [line["row"] for line in lines] == [str(i) for i in
                                              [1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 10, 11]]
    for i, line in enumerate(lines[:len(UIDS)]):
        assert line["status"] == "ok" and line["label"] == f"label {i}"
        assert_safe_name(line["file"])
        data = archive.read(line["file"])
        assert line["sha256"] == hashlib.sha256(data).hexdigest()
        assert decode_png(data) == f"content {i}"
    assert lines[3]["uid"] == "'=HYPERLINK(\"x\")"  # formula cells escaped
    assert lines[2]["file"] == "images/a_b.png" and lines[6]["file"] == "images/A_B-2.png"
    assert lines[8]["file"] == "images/dyn.png" and lines[8]["url"] == "http://h/r/1"
    assert lines[9]["file"] == "images/dyn--fly_er.svg" and lines[9]["source"] == "fly/er"
    assert lines[10] | {"message": ""} == {**dict.fromkeys(lines[10], ""), "row": "10",
                                           "uid": "bad", "status": "failed", "code": "400"}
    assert lines[10]["message"] == "'=cmd" and lines[11]["uid"] == "'-neg"
    names = [info.filename for info in archive.infolist()]
    assert names[-2:] == ["manifest.csv", "result.json"]
    assert len(names) == len(set(name.casefold() for name in names)) == len(lines) - 1 + 2
    assert orjson.loads(archive.read("result.json")) == entries


def test_rows_without_an_index_fall_back_to_their_position() -> None:
    entries = [png_data_uri("a"), {"uid": "x", "status": "failed", "message": "m", "code": 500}]
    archive = open_zip(build(entries, [], 1 << 20))
    lines = manifest_rows(archive)
    assert [(line["uid"], line["file"]) for line in lines] == [("", "images/row-1.png"),
                                                              ("x", "")]


def build_from_parts(entries: list[Any], rows: list[Any], chunk_rows: int,
                     piece_bytes: int) -> bytes:
    """The same ZIP from ZIP parts, as the workers make them for chunks of `chunk_rows`."""
    inputs = [RowInput(i, raw) for i, raw in enumerate(rows)]
    joined = b"".join(zip_part(entries[i:i + chunk_rows], inputs[i:i + chunk_rows], 0.0)
                      for i in range(0, len(rows), chunk_rows))
    stored = ARCHIVE_OPEN + fragment(entries) + ARCHIVE_CLOSE
    builder, body = ZipBuilder((2026, 1, 1, 0, 0, 0), len(stored)), bytearray()
    for piece in [joined[i:i + piece_bytes] for i in range(0, len(joined), piece_bytes)]:
        body += builder.add_parts(piece)
    builder.add_parts(None)
    for data in builder.manifest():
        body += data
    body += builder.add_result(stored) + builder.add_result(None)
    return bytes(body + builder.close())


def colliding_rows() -> tuple[list[Any], list[Any]]:
    """Uids whose safe names collide within a chunk and across chunks, hostile ones, a
    failed row, a dynamic row with sources and a row whose image data is damaged."""
    uids: list[Any] = [*UIDS, "a_b", "a_B-2", "a_b", "CON", "con", "x", "X"]
    rows: list[Any] = [{"uid": uid, "label": f"label {i}"} for i, uid in enumerate(uids)]
    entries: list[Any] = [png_data_uri(f"content {i}") for i in range(len(uids))]
    rows += [{"uid": "dyn"}, {"uid": "bad"}, {"uid": "a/b"}, {"uid": "junk"}]
    entries += [{"id": "qr_1", "uid": "dyn", "url": "http://h/r/1", "QRs": png_data_uri("one"),
                 "sources": [{"source": "x", "url": "http://h/r/2", "QRs": svg_data_uri("2")}]},
                {"uid": "bad", "status": "failed", "message": "=cmd", "code": 400},
                png_data_uri("last"), "data:image/png;base64,@@@@"]
    return entries, rows


@pytest.mark.parametrize(("chunk_rows", "piece_bytes"), [(1, 97), (3, 4096), (7, 1 << 20)])
def test_parts_give_the_zip_the_archive_gives(chunk_rows: int, piece_bytes: int) -> None:
    entries, rows = colliding_rows()
    from_archive = open_zip(build(entries, rows, 1 << 20))
    from_parts = open_zip(build_from_parts(entries, rows, chunk_rows, piece_bytes))
    assert from_parts.namelist() == from_archive.namelist()
    assert manifest_rows(from_parts) == manifest_rows(from_archive)
    for name in from_archive.namelist():
        assert from_parts.read(name) == from_archive.read(name), name
    files = [line["file"] for line in manifest_rows(from_parts)]
    assert files[8:15] == ["images/a_b-3.png", "images/a_B-2-2.png", "images/a_b-4.png",
                           "images/_CON-2.png", "images/_con-3.png", "images/x.png",
                           "images/X-2.png"]
    assert files[15:17] == ["images/dyn.png", "images/dyn--x.svg"]
    assert files[18] == "images/a_b-5.png" and files[19] == ""


def test_damaged_parts_are_refused() -> None:
    entries, rows = colliding_rows()
    part = zip_part(entries[:2], [RowInput(i, raw) for i, raw in enumerate(rows[:2])], 0.0)
    damaged, cut = ZipBuilder((2026, 1, 1, 0, 0, 0), 0), ZipBuilder((2026, 1, 1, 0, 0, 0), 0)
    try:
        with pytest.raises(PartUnreadable, match="header is damaged"):
            damaged.add_parts(b"XXXX" + part[4:])
        assert cut.add_parts(part[:-1]) == b""
        with pytest.raises(PartUnreadable, match="end inside a frame"):
            cut.add_parts(None)
    finally:
        damaged.release()
        cut.release()


def test_an_image_of_an_unknown_format_fails_the_chunk_part() -> None:
    """Not an image silently left out of the ZIP: the worker's part cannot be made."""
    rows = [RowInput(0, {"uid": "a"}), RowInput(1, {"uid": "b"})]
    with pytest.raises(UnknownImageFormat, match="image/gif"):
        zip_part([png_data_uri("a"), "data:image/gif;base64,R0lG"], rows, 0.0)
