"""The ZIP built from an archive's pieces: names, manifest, images and result.json agree."""

from __future__ import annotations

import hashlib
from typing import Any

import orjson
import pytest

from gateway.zipbuild import ZipBuilder
from shared.rowindex import rows_text
from shared.schemas import ARCHIVE_CLOSE, ARCHIVE_OPEN, fragment
from tests.client.images import png_data_uri, svg_data_uri
from tests.zipfiles import assert_safe_name, decode_png, manifest_rows, open_zip

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
