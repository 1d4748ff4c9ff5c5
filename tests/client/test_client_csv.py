"""A .csv rows file goes to the workspace endpoint as text/csv; its uids name the images.

The workspace endpoint allows 5 calls a minute from one address, and every test calls
from 127.0.0.1: these tests make three calls between them.
"""

from __future__ import annotations

import csv
from pathlib import Path

import orjson

from cli.rowfiles import read_rows
from client import BulkQRClient, export_archive
from shared.store import ORDERS, Database
from tests.api import Tenant
from tests.client.images import decode_png_file
from tests.client.test_cli import bulkqr
from tests.conftest import Stack

CSV_TEXT = (
    "\ufeffuid,data,qrType,sources\r\n"
    "c1,https://example.com/c1,,\r\n"
    ",,,\r\n"  # an all-empty line is skipped by the gateway, and by the naming too
    " c2 ,https://example.com/c2,dynamic,flyer;poster\r\n"
    "c3,not a url,,\r\n"
)


def test_read_rows_lines_up_with_the_gateways_rows(tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    path.write_text(CSV_TEXT, encoding="utf-8")
    assert read_rows(path) == [{"uid": "c1"}, {"uid": "c2"}, {"uid": "c3"}]
    (tmp_path / "rows.json").write_bytes(b'[{"uid": 1}, {"data": "x"}]')
    assert read_rows(tmp_path / "rows.json") == [{"uid": 1}, {"data": "x"}]
    (tmp_path / "bad.json").write_bytes(b"{not json")
    assert read_rows(tmp_path / "bad.json") is None


async def test_csv_submit_is_idempotent_and_unpacks_by_uid(client: BulkQRClient, db: Database,
                                                           tmp_path: Path) -> None:
    rows_file = tmp_path / "rows.csv"
    rows_file.write_text(CSV_TEXT, encoding="utf-8")
    bulk_id = await client.submit(rows_file, idempotency_key="csv-upload-1")
    assert await client.submit(rows_file, idempotency_key="csv-upload-1") == bulk_id
    assert await db[ORDERS].count_documents({"subscription": client.config.client_id}) == 1
    done = await client.wait(bulk_id)
    assert done.count == 3
    archive = await client.download(bulk_id, tmp_path / "out", name="result.json")
    summary = export_archive(archive, tmp_path / "out", read_rows(rows_file))
    assert (summary.images, summary.failed_rows) == (4, 1)
    out = tmp_path / "out"
    assert decode_png_file(out / "c1.png") == "https://example.com/c1"
    with (out / "manifest.csv").open(newline="", encoding="utf-8") as file:
        manifest = list(csv.DictReader(file))
    assert [(m["uid"], m["file"], m["source"]) for m in manifest] == [
        ("c1", "c1.png", ""), ("c2", "c2.png", ""), ("c2", "c2--flyer.png", "flyer"),
        ("c2", "c2--poster.png", "poster"), ("c3", "", "")]
    assert decode_png_file(out / "c2--poster.png") == manifest[3]["short_url"]


def test_cli_submits_a_csv_and_saves_it(stack: Stack, tenant: Tenant, tmp_path: Path) -> None:
    rows_file = tmp_path / "rows.csv"
    rows_file.write_text(CSV_TEXT, encoding="utf-8")
    done = bulkqr("submit", str(rows_file), "--out", str(tmp_path / "out"), tenant=tenant,
                  url=stack.url)
    assert done.returncode == 0, done.stderr
    summary = orjson.loads(done.stdout.splitlines()[1])
    assert (summary["images"], summary["failedRows"]) == (4, 1)
    assert decode_png_file(tmp_path / "out" / "c1.png") == "https://example.com/c1"
