"""The client against the running stack: submit, wait, download once, unpack, list."""

from __future__ import annotations

import asyncio
import csv
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from client import (
    BulkQRClient,
    BulkStatus,
    ClientConfig,
    Gone,
    ProtocolError,
    WaitTimeout,
    export_archive,
)
from client.export import load_archive
from client.transport import Transport
from tests.client.images import decode_png_file, decode_svg_file

ROWS: list[dict[str, Any]] = [
    {"uid": "static/1", "data": "https://example.com/s1"},
    {"uid": "dyn-1", "qrType": "dynamic", "data": "https://example.com/d1",
     "sources": ["flyer", "poster"]},
    {"uid": "svg-1", "dataType": "text", "data": "hello svg", "styling": {"format": "svg"}},
    {"uid": "bad", "data": "notaurl"},
    {"data": "https://example.com/no-uid"},
    {"uid": 42, "data": "https://example.com/s2"},
]


def _files(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir())


def _manifest(folder: Path) -> list[dict[str, str]]:
    with (folder / "manifest.csv").open(newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


async def test_submit_wait_download_unpack(client: BulkQRClient, http: aiohttp.ClientSession,
                                           tmp_path: Path) -> None:
    bulk_id = await client.submit(ROWS)
    seen: list[BulkStatus] = []
    done = await client.wait(bulk_id, on_progress=seen.append)
    assert done.status == "completed" and done.count == len(ROWS) and done.bulk_id == bulk_id
    assert seen[-1] == done and all(s.status == "processing" for s in seen[:-1])
    assert dict(done.failed_features) == {"dynamicQr": 0, "securedQr": 0, "sourceQr": 0}

    progress: list[tuple[int, int | None]] = []
    archive = await client.download(bulk_id, tmp_path, name="result.json",
                                    on_progress=lambda got, total: progress.append((got, total)))
    assert archive == tmp_path / "result.json"
    assert progress[-1] == (archive.stat().st_size, archive.stat().st_size)
    assert _files(tmp_path) == ["result.json"]  # no temporary file left beside it
    assert len(load_archive(archive.read_bytes())) == len(ROWS)

    summary = export_archive(archive, tmp_path, ROWS)
    assert (summary.images, summary.failed_rows, summary.unsaved_images) == (6, 2, 0)
    await _check_unpacked(tmp_path, http)

    again = tmp_path / "again"
    with pytest.raises(Gone) as gone:
        await client.download(bulk_id, again)
    assert gone.value.status == 410 and "already downloaded" in gone.value.message
    assert _files(again) == []
    assert (await client.status(bulk_id)).status == "resultDownloaded"


async def _check_unpacked(tmp_path: Path, http: aiohttp.ClientSession) -> None:
    """Files named by uid that scan back to their payloads, and a manifest line for each."""
    assert _files(tmp_path) == ["42.png", "dyn-1--flyer.png", "dyn-1--poster.png", "dyn-1.png",
                                "manifest.csv", "result.json", "static_1.png", "svg-1.svg"]
    assert decode_png_file(tmp_path / "static_1.png") == "https://example.com/s1"
    assert decode_png_file(tmp_path / "42.png") == "https://example.com/s2"
    assert decode_svg_file(tmp_path / "svg-1.svg") == "hello svg"

    manifest = _manifest(tmp_path)
    assert [(m["uid"], m["status"], m["code"], m["file"], m["source"]) for m in manifest] == [
        ("static/1", "ok", "", "static_1.png", ""),
        ("dyn-1", "ok", "", "dyn-1.png", ""),
        ("dyn-1", "ok", "", "dyn-1--flyer.png", "flyer"),
        ("dyn-1", "ok", "", "dyn-1--poster.png", "poster"),
        ("svg-1", "ok", "", "svg-1.svg", ""),
        ("bad", "failed", "400", "", ""),
        ("", "failed", "400", "", ""),
        ("42", "ok", "", "42.png", ""),
    ]
    assert manifest[5]["message"] == "Invalid URL provided for dataType: url"
    assert manifest[6]["message"] == "uid is required"
    dynamic = manifest[1:4]
    assert dynamic[0]["id"].startswith("qr_") and len({m["id"] for m in dynamic}) == 1
    assert len({m["short_url"] for m in dynamic}) == 3
    for line in dynamic:  # each image shows its own short link, which leads to the data
        assert decode_png_file(tmp_path / line["file"]) == line["short_url"]
        async with http.get(line["short_url"].removeprefix(str(http._base_url)),
                            allow_redirects=False) as answer:
            assert answer.status == 302
            assert answer.headers["Location"] == "https://example.com/d1"


async def test_download_refuses_to_replace_a_file_before_asking(client: BulkQRClient,
                                                                tmp_path: Path) -> None:
    bulk_id = await client.submit([{"uid": "x", "data": "https://example.com/x"}])
    await client.wait(bulk_id)
    (tmp_path / f"{bulk_id}.json").write_bytes(b"an earlier copy")
    with pytest.raises(FileExistsError):
        await client.download(bulk_id, tmp_path)
    assert (await client.status(bulk_id)).status == "completed"  # nothing was consumed
    assert (tmp_path / f"{bulk_id}.json").read_bytes() == b"an earlier copy"
    saved = await client.download(bulk_id, tmp_path / "fresh")
    assert load_archive(saved.read_bytes())[0].startswith("data:image/png;base64,")


async def test_wait_polls_on_the_injected_schedule_and_times_out(config: ClientConfig,
                                                                 tmp_path: Path) -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        await asyncio.sleep(seconds)

    rows = [{"uid": i, "data": f"https://example.com/{i}", "styling": {"size": 4096}}
            for i in range(60)]
    async with BulkQRClient(config, sleep=sleep) as client:
        bulk_id = await client.submit(rows)
        with pytest.raises(Gone, match="not ready"):
            await client.download(bulk_id, tmp_path)
        assert _files(tmp_path) == []
        with pytest.raises(WaitTimeout, match="still processing") as timed_out:
            await client.wait(bulk_id, timeout_s=0)
        assert timed_out.value.last.status == "processing"
        slept.clear()
        done = await client.wait(bulk_id)
    assert done.status == "completed" and done.count == 60
    assert slept, "the batch should take a few polls"
    schedule = [0.05, 0.1, 0.2, 0.4] + [0.4] * 1000
    assert slept == schedule[: len(slept)]


async def test_list_walks_every_page_newest_first(client: BulkQRClient) -> None:
    ids = [await client.submit([{"uid": n, "data": f"https://example.com/l{n}"}])
           for n in range(5)]
    listed = [item.bulk_id async for item in client.list(page_size=2)]
    assert listed == ids[::-1]
    first = await client.list_page(limit=3)
    assert [item.bulk_id for item in first.items] == ids[:1:-1] and first.next is not None
    rest = await client.list_page(limit=3, cursor=first.next)
    assert [item.bulk_id for item in rest.items] == ids[1::-1] and rest.next is None
    assert all(item.count == 1 and item.product == "qr" for item in first.items)


async def test_redirects_are_not_followed_with_the_api_key(client: BulkQRClient,
                                                            config: ClientConfig,
                                                            tmp_path: Path) -> None:
    bulk_id = await client.submit([{"uid": "r", "qrType": "dynamic",
                                    "data": "https://example.com/elsewhere"}])
    await client.wait(bulk_id)
    [entry] = load_archive((await client.download(bulk_id, tmp_path)).read_bytes())
    short_path = "/r/" + entry["url"].rsplit("/r/", 1)[1]
    transport = Transport(config)
    try:
        with pytest.raises(ProtocolError, match=r"unexpected redirect \(HTTP 302\)"):
            await transport.call("GET", short_path, retry=True)
    finally:
        await transport.close()
