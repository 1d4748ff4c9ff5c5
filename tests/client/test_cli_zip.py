"""`bulkqr submit --out DIR --format zip` and `bulkqr download --format zip`: the server's ZIP."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from client import BulkQRClient
from tests.api import Tenant
from tests.client.test_cli import bulkqr
from tests.conftest import Stack
from tests.zipfiles import decode_png, manifest_rows, open_zip

ROWS: list[dict[str, Any]] = [
    {"uid": "a/b", "data": "https://example.com/zip-1", "label": "Bin 1"},
    {"uid": "dyn", "qrType": "dynamic", "data": "https://example.com/zip-2"},
    {"uid": "broken", "data": "nope"},
]


def test_submit_out_format_zip_saves_the_zip(stack: Stack, tenant: Tenant,
                                             tmp_path: Path) -> None:
    rows_file = tmp_path / "rows.json"
    rows_file.write_bytes(orjson.dumps(ROWS))
    out = tmp_path / "out"
    done = bulkqr("submit", str(rows_file), "--out", str(out), "--format", "zip",
                  tenant=tenant, url=stack.url)
    assert done.returncode == 0, done.stderr
    bulk_id, summary_line = done.stdout.splitlines()
    path = out / f"{bulk_id}.zip"
    assert orjson.loads(summary_line) == {"bulkId": bulk_id, "zip": str(path),
                                          "bytes": path.stat().st_size}
    assert [p.name for p in out.iterdir()] == [path.name]  # no temporary file left
    archive = open_zip(path.read_bytes())
    lines = manifest_rows(archive)
    assert [(line["uid"], line["status"], line["file"], line["label"]) for line in lines] == [
        ("a/b", "ok", "images/a_b.png", "Bin 1"), ("dyn", "ok", "images/dyn.png", ""),
        ("broken", "failed", "", "")]
    assert decode_png(archive.read("images/a_b.png")) == "https://example.com/zip-1"
    again = bulkqr("download", bulk_id, "--out", str(tmp_path / "again"), "--format", "zip",
                   tenant=tenant, url=stack.url)
    assert again.returncode == 1 and "already downloaded" in again.stderr


async def test_download_format_zip(stack: Stack, tenant: Tenant, client: BulkQRClient,
                                   tmp_path: Path) -> None:
    bulk_id = await client.submit(ROWS[:1])
    await client.wait(bulk_id)
    done = bulkqr("download", bulk_id, "--out", str(tmp_path), "--format", "zip",
                  tenant=tenant, url=stack.url)
    assert done.returncode == 0, done.stderr
    archive = open_zip((tmp_path / f"{bulk_id}.zip").read_bytes())
    assert archive.namelist() == ["images/a_b.png", "manifest.csv", "result.json"]
    assert (await client.status(bulk_id)).status == "resultDownloaded"
