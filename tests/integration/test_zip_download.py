"""format=zip: the one-shot archive as a ZIP of safely named images, a manifest and the JSON."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson

from shared.formats.manifest import escape_cell
from shared.keys import parts_prefix, result_key, result_rows_key, result_zip_key
from shared.s3 import ObjectStore
from shared.store import CLAIMS, Database
from tests.api import Api, abort_download
from tests.conftest import Stack
from tests.zipfiles import assert_safe_name, decode_png, manifest_rows, open_zip

# The longest uid a row may have is 256 characters; a 300-character one fails its row.
UIDS = ["../../etc/passwd", "CON", "a/b", '=HYPERLINK("x")', "\U0001f4e6 box", "u" * 256, "A/B", 7]


def tricky_rows() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = [
        {"uid": uid, "dataType": "text", "data": f"content {i}", "label": f"Shelf {i}"}
        for i, uid in enumerate(UIDS)
    ]
    rows.append(
        {
            "uid": "dyn",
            "qrType": "dynamic",
            "data": "https://example.com/d",
            "sources": ["flyer", "post/er"],
            "label": "=SUM(A1)",
        }
    )
    rows.append({"uid": "long-label", "data": "https://example.com", "label": "x" * 201})
    rows.append({"uid": "bad", "data": "not a url"})
    rows.append({"uid": "v" * 300, "data": "https://example.com"})  # past the uid limit
    return rows


async def test_zip_names_every_image_safely_and_lists_it(api: Api, store: ObjectStore) -> None:
    rows = tricky_rows()
    bulk_id = await api.submit(rows)
    await api.wait_completed(bulk_id)
    assert await store.exists(result_rows_key(bulk_id))
    status, body = await api.download(bulk_id, "zip")
    assert status == 200
    archive = open_zip(body)
    lines = manifest_rows(archive)
    entries = orjson.loads(archive.read("result.json"))
    assert len(entries) == len(rows)
    ok = [line for line in lines if line["status"] == "ok"]
    assert len(ok) == len(UIDS) + 3 == len(archive.namelist()) - 2
    for i, line in enumerate(ok[: len(UIDS)]):
        assert line["row"] == str(i + 1) and line["label"] == f"Shelf {i}"
        assert line["uid"] == escape_cell(str(UIDS[i]))
        assert_safe_name(line["file"])
        assert decode_png(archive.read(line["file"])) == f"content {i}"
    dynamic = ok[len(UIDS) :]
    entry = entries[len(UIDS)]
    assert [line["file"] for line in dynamic] == [
        "images/dyn.png",
        "images/dyn--flyer.png",
        "images/dyn--post_er.png",
    ]
    assert [line["url"] for line in dynamic] == [entry["url"]] + [
        source["url"] for source in entry["sources"]
    ]
    for line in dynamic:
        assert line["id"] == entry["id"] and line["label"] == "'=SUM(A1)"
        assert decode_png(archive.read(line["file"])) == line["url"]
    failed = [line for line in lines if line["status"] == "failed"]
    assert [(line["uid"], line["code"], line["message"]) for line in failed] == [
        ("long-label", "400", "label must be a string of at most 200 characters"),
        ("bad", "400", "Invalid URL provided for dataType: url"),
        ("v" * 300, "400", "uid must be at most 256 characters"),
    ]
    assert entries[len(UIDS) + 1] == {
        "uid": "long-label",
        "status": "failed",
        "code": 400,
        "message": failed[0]["message"],
    }
    await api.wait_consumed(bulk_id)
    assert not await store.exists(result_key(bulk_id))
    assert not await store.exists(result_rows_key(bulk_id))
    assert (await api.download(bulk_id, "zip"))[0] == 410
    assert (await api.download(bulk_id))[0] == 410


async def test_json_stays_the_stored_string_and_formats_are_checked(
    api: Api, store: ObjectStore
) -> None:
    bulk_id = await api.submit([{"uid": 1, "data": "https://example.com", "label": "L"}])
    await api.wait_completed(bulk_id)
    stored = await store.get(result_key(bulk_id))
    status, body = await api.download(bulk_id, "gif")
    assert status == 400 and b"format must be one of: json, zip, pdf" in body
    assert (await api.status(bulk_id))["status"] == "completed"
    assert await api.download(bulk_id, "json") == (200, stored)
    assert orjson.loads(orjson.loads(stored))[0].startswith("data:image/png;base64,")


async def test_concurrent_zip_downloads_one_wins(api: Api) -> None:
    bulk_id = await api.submit([{"uid": i, "data": f"https://example.com/{i}"} for i in range(60)])
    await api.wait_completed(bulk_id)
    answers = await asyncio.gather(*(api.download(bulk_id, fmt) for fmt in ["zip"] * 6 + ["json"]))
    assert sorted(status for status, _ in answers) == [200] + [410] * 6
    body = next(body for status, body in answers if status == 200)
    if body.startswith(b"PK"):
        assert len(manifest_rows(open_zip(body))) == 60
    await api.wait_consumed(bulk_id)


async def test_a_zip_cut_mid_way_can_be_downloaded_again(
    api: Api, stack: Stack, db: Database, store: ObjectStore
) -> None:
    rows = [
        {"uid": f"big-{i}", "data": f"https://example.com/{i}", "styling": {"size": 4096}}
        for i in range(300)
    ]
    bulk_id = await api.submit(rows)
    await api.wait_completed(bulk_id)
    assert await store.size(result_key(bulk_id)) > 8_000_000  # more than socket buffers hold
    head = await abort_download(
        stack.settings.http_port,
        f"/api/qr/bulk-generate/{bulk_id}/result?format=zip",
        api.tenant.headers,
        2000,
    )
    assert head.startswith(b"HTTP/1.1 200") and b"application/zip" in head
    for _ in range(100):  # the gateway notices the reset on its next write
        if await db[CLAIMS].find_one({"_id": f"download:{bulk_id}"}) is None:
            break
        await asyncio.sleep(0.1)
    assert (await api.status(bulk_id))["status"] == "completed"
    status, body = await api.download(bulk_id, "zip")
    assert status == 200
    archive = open_zip(body)
    assert len(manifest_rows(archive)) == 300
    assert decode_png(archive.read("images/big-299.png")) == "https://example.com/299"
    await api.wait_consumed(bulk_id)
    assert (await api.download(bulk_id, "zip"))[0] == 410


async def test_workers_zip_parts_name_across_chunks_as_the_archive_does(
    api: Api, store: ObjectStore
) -> None:
    """1,100 rows make two chunks: uids whose names collide across them are renamed when
    the parts are joined, exactly as a ZIP made from the archive alone names them."""
    rows = [{"uid": f"r{i}", "data": f"https://example.com/{i}"} for i in range(1100)]
    rows[0]["uid"], rows[1050]["uid"], rows[1060]["uid"] = "a/b", "A/B", "a_b"
    with_parts, without = await api.submit(rows), await api.submit(rows)
    await api.wait_completed(with_parts)
    await api.wait_completed(without)
    assert await store.exists(result_zip_key(with_parts))
    await store.delete(result_zip_key(without))  # as a batch stored before parts existed
    answers = [await api.download(bulk_id, "zip") for bulk_id in (with_parts, without)]
    assert [status for status, _ in answers] == [200, 200]
    from_parts, from_archive = (open_zip(body) for _, body in answers)
    lines = manifest_rows(from_parts)
    assert [lines[i]["file"] for i in (0, 1050, 1060)] == [
        "images/a_b.png",
        "images/A_B-2.png",
        "images/a_b-3.png",
    ]
    assert from_parts.namelist() == from_archive.namelist()
    assert lines == manifest_rows(from_archive)
    for line in lines[::97]:
        assert decode_png(from_parts.read(line["file"])) == rows[int(line["row"]) - 1]["data"]
    await api.wait_consumed(with_parts)
    assert not await store.exists(result_zip_key(with_parts))
    assert [key async for key in store.keys(parts_prefix(with_parts))] == []
