"""Unpacking an archive: images named by uid, sources beside them, a manifest of every row."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import orjson

from client.export import export_archive
from tests.client.images import decode_png_file, png_data_uri, svg_data_uri


def _archive(tmp_path: Path, entries: list[Any]) -> Path:
    path = tmp_path / "result.json"
    path.write_bytes(orjson.dumps(orjson.dumps(entries).decode()))  # as the API sends it
    return path


def _manifest(folder: Path) -> list[dict[str, str]]:
    with (folder / "manifest.csv").open(newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


def _every_shape() -> tuple[list[Any], list[Any]]:
    """Entries of every kind the archive holds, and the rows they were submitted as."""
    entries: list[Any] = [
        png_data_uri("https://example.com/static"),
        {"id": "qr_1", "uid": "dyn/1", "url": "http://h/r/a", "QRs": png_data_uri("http://h/r/a"),
         "sources": [{"source": "flyer", "url": "http://h/r/b", "QRs": png_data_uri("http://h/r/b")},
                     {"source": "../poster", "url": "http://h/r/c",
                      "QRs": png_data_uri("http://h/r/c")}]},
        {"uid": None, "status": "failed", "message": "uid is required", "code": 400},
        {"uid": "=2+3", "status": "failed", "message": "-quota used up", "code": 429},
        svg_data_uri("vector"),
        png_data_uri("https://example.com/no-rows-uid"),
        "data:text/html;base64,PGI+",
    ]
    rows: list[Any] = [{"uid": "static-1"}, {}, {}, {}, {"uid": 7}, {"data": "x"}, {"uid": "html"}]
    return entries, rows


def test_every_shape_of_entry(tmp_path: Path) -> None:
    entries, rows = _every_shape()
    summary = export_archive(_archive(tmp_path, entries), tmp_path, rows)

    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["7.svg", "dyn_1--_poster.png", "dyn_1--flyer.png", "dyn_1.png",
                     "manifest.csv", "result.json", "row-6.png", "static-1.png"]
    assert decode_png_file(tmp_path / "static-1.png") == "https://example.com/static"
    assert decode_png_file(tmp_path / "dyn_1.png") == "http://h/r/a"
    assert decode_png_file(tmp_path / "dyn_1--flyer.png") == "http://h/r/b"
    assert decode_png_file(tmp_path / "dyn_1--_poster.png") == "http://h/r/c"
    assert decode_png_file(tmp_path / "row-6.png") == "https://example.com/no-rows-uid"
    assert (tmp_path / "7.svg").read_bytes().lstrip().startswith(b"<?xml")
    assert (summary.images, summary.failed_rows, summary.unsaved_images) == (6, 2, 1)

    manifest = _manifest(tmp_path)
    assert [(m["uid"], m["status"], m["file"], m["source"]) for m in manifest] == [
        ("static-1", "ok", "static-1.png", ""),
        ("dyn/1", "ok", "dyn_1.png", ""),
        ("dyn/1", "ok", "dyn_1--flyer.png", "flyer"),
        ("dyn/1", "ok", "dyn_1--_poster.png", "../poster"),
        ("", "failed", "", ""),
        ("'=2+3", "failed", "", ""),
        ("7", "ok", "7.svg", ""),
        ("", "ok", "row-6.png", ""),
        ("html", "failed", "", ""),
    ]
    assert manifest[1]["id"] == "qr_1" and manifest[1]["short_url"] == "http://h/r/a"
    assert manifest[2]["short_url"] == "http://h/r/b"
    assert (manifest[4]["code"], manifest[4]["message"]) == ("400", "uid is required")
    assert (manifest[5]["code"], manifest[5]["message"]) == ("429", "'-quota used up")
    assert manifest[8]["message"] == "image not saved: unsupported image type 'text/html'"


def test_duplicate_and_unsafe_uids_never_overwrite(tmp_path: Path) -> None:
    (tmp_path / "a.png").write_bytes(b"someone else's file")
    uri = png_data_uri("same")
    entries = [{"id": f"qr_{i}", "uid": uid, "url": "u", "QRs": uri}
               for i, uid in enumerate(["a", "A", "a", "/a", "..", "CON"])]
    export_archive(_archive(tmp_path, entries), tmp_path)
    assert (tmp_path / "a.png").read_bytes() == b"someone else's file"
    assert [m["file"] for m in _manifest(tmp_path)] == [
        "a-2.png", "A-3.png", "a-4.png", "_a.png", "row-5.png", "_CON.png"]
