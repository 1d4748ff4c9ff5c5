"""The `bulkqr` console script's client commands, run as a user runs them."""

from __future__ import annotations

import asyncio
import csv
import os
import subprocess
from pathlib import Path
from typing import Any

import orjson

from client import BulkQRClient
from tests.api import Tenant
from tests.client.images import decode_png_file
from tests.conftest import Stack
from tests.processes import BULKQR

ROWS: list[dict[str, Any]] = [
    {"uid": "=HYPERLINK(\"http://evil\")", "data": "https://example.com/cli-1"},
    {"uid": "dyn", "qrType": "dynamic", "data": "https://example.com/cli-2",
     "sources": ["flyer"]},
    {"uid": "broken", "data": "nope"},
]


def bulkqr(*args: str, tenant: Tenant | None, url: str) -> subprocess.CompletedProcess[str]:
    """Run the console script with credentials in the environment, as documented."""
    env = _env(tenant, url)
    return subprocess.run([str(BULKQR), *args], env=env, capture_output=True, text=True,
                          timeout=120, check=False)


def _manifest(folder: Path) -> list[dict[str, str]]:
    with (folder / "manifest.csv").open(newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


def test_submit_wait_out_then_a_second_download_fails(stack: Stack, tenant: Tenant,
                                                      tmp_path: Path) -> None:
    rows_file = tmp_path / "rows.json"
    rows_file.write_bytes(orjson.dumps(ROWS))
    out = tmp_path / "out"
    done = bulkqr("submit", str(rows_file), "--out", str(out), tenant=tenant, url=stack.url)
    assert done.returncode == 0, done.stderr
    bulk_line, summary_line = done.stdout.splitlines()
    assert bulk_line.startswith("bulk_")
    summary = orjson.loads(summary_line)
    assert summary == {"bulkId": bulk_line, "archive": str(out / "result.json"),
                       "manifest": str(out / "manifest.csv"), "images": 3, "failedRows": 1,
                       "unsavedImages": 0}
    assert "completed" in done.stderr and '"level"' not in done.stderr  # no server logging
    assert sorted(p.name for p in out.iterdir()) == [
        "_=HYPERLINK(_http___evil_).png", "dyn--flyer.png", "dyn.png", "manifest.csv",
        "result.json"]
    assert decode_png_file(out / "_=HYPERLINK(_http___evil_).png") == "https://example.com/cli-1"
    manifest = _manifest(out)
    assert [(m["uid"], m["status"], m["file"]) for m in manifest] == [
        ("'=HYPERLINK(\"http://evil\")", "ok", "_=HYPERLINK(_http___evil_).png"),
        ("dyn", "ok", "dyn.png"), ("dyn", "ok", "dyn--flyer.png"), ("broken", "failed", "")]
    assert decode_png_file(out / "dyn.png") == manifest[1]["short_url"]
    assert decode_png_file(out / "dyn--flyer.png") == manifest[2]["short_url"]
    assert manifest[3]["message"] == "Invalid URL provided for dataType: url"

    again = bulkqr("download", bulk_line, "--out", str(tmp_path / "again"), tenant=tenant,
                   url=stack.url)
    assert again.returncode == 1 and again.stdout == ""
    assert "already downloaded" in again.stderr and "(HTTP 410)" in again.stderr
    assert not any((tmp_path / "again").iterdir())

    status = bulkqr("status", bulk_line, tenant=tenant, url=stack.url)
    assert status.returncode == 0
    assert orjson.loads(status.stdout)["status"] == "resultDownloaded"
    listed = bulkqr("list", "--limit", "1", tenant=tenant, url=stack.url)
    assert [orjson.loads(line)["bulkId"] for line in listed.stdout.splitlines()] == [bulk_line]


async def test_download_names_static_rows_from_the_rows_file(stack: Stack, tenant: Tenant,
                                                             client: BulkQRClient,
                                                             tmp_path: Path) -> None:
    rows_file = tmp_path / "rows.json"
    rows_file.write_bytes(orjson.dumps([{"uid": "s1", "data": "https://example.com/s1"},
                                        {"uid": "s2", "data": "https://example.com/s2"}]))
    ids = []
    for _ in range(2):
        submitted = await asyncio.to_thread(bulkqr, "submit", str(rows_file), tenant=tenant,
                                            url=stack.url)
        assert submitted.returncode == 0, submitted.stderr
        ids.append(submitted.stdout.strip())
        await client.wait(ids[-1])
    named = await asyncio.to_thread(bulkqr, "download", ids[0], "--out", str(tmp_path / "a"),
                                    "--rows", str(rows_file), tenant=tenant, url=stack.url)
    assert named.returncode == 0, named.stderr
    assert decode_png_file(tmp_path / "a" / "s2.png") == "https://example.com/s2"
    unnamed = await asyncio.to_thread(bulkqr, "download", ids[1], "--out", str(tmp_path / "b"),
                                      tenant=tenant, url=stack.url)
    assert unnamed.returncode == 0, unnamed.stderr  # a static entry carries no uid: by position
    assert decode_png_file(tmp_path / "b" / "row-2.png") == "https://example.com/s2"


def test_credentials_and_server_refusals_exit_non_zero(stack: Stack, tenant: Tenant,
                                                       tmp_path: Path) -> None:
    missing = bulkqr("list", tenant=None, url=stack.url)
    assert missing.returncode == 2 and "BULKQR_API_KEY" in missing.stderr
    wrong = bulkqr("status", "bulk_" + "0" * 32, "--api-key", "wrong", tenant=tenant,
                   url=stack.url)
    assert wrong.returncode == 1 and "(HTTP 401)" in wrong.stderr
    unknown = bulkqr("status", "bulk_" + "0" * 32, tenant=tenant, url=stack.url)
    assert unknown.returncode == 1 and "(HTTP 404)" in unknown.stderr
    empty = tmp_path / "empty.json"
    empty.write_bytes(b"[]")
    refused = bulkqr("submit", str(empty), tenant=tenant, url=stack.url)
    assert refused.returncode == 1 and refused.stdout == "" and "empty array" in refused.stderr
    down = bulkqr("list", tenant=tenant, url="http://127.0.0.1:9")
    assert down.returncode == 1 and "bulkqr:" in down.stderr


def test_a_20000_row_csv_is_parsed_here_submitted_as_json_and_downloaded(
        stack: Stack, tenant: Tenant, tmp_path: Path) -> None:
    """Issue 16: past the workspace's 500 rows; the same column rules (styling.*, data.*)."""
    rows_file = tmp_path / "big.csv"
    lines = ["uid,dataType,data,data.to,styling.size,styling.errorCorrection"]
    lines += [f"r{i},url,https://example.com/csv/{i},,{200 + i % 3},M" for i in range(19_999)]
    lines.append("mail,email,,a@example.com,,")
    rows_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    done = subprocess.run([str(BULKQR), "submit", str(rows_file), "--out", str(out)],
                          env=_env(tenant, stack.url), capture_output=True, text=True,
                          timeout=900, check=False)
    assert done.returncode == 0, done.stderr
    summary = orjson.loads(done.stdout.splitlines()[1])
    assert (summary["images"], summary["failedRows"], summary["unsavedImages"]) == (20_000, 0, 0)
    manifest = _manifest(out)
    assert [m["uid"] for m in manifest] == [f"r{i}" for i in range(19_999)] + ["mail"]
    assert decode_png_file(out / "r0.png") == "https://example.com/csv/0"
    assert decode_png_file(out / "r19998.png") == "https://example.com/csv/19998"
    assert decode_png_file(out / "mail.png") == "mailto:a@example.com"

    workspace = subprocess.run([str(BULKQR), "submit", str(rows_file), "--workspace"],
                               env=_env(tenant, stack.url), capture_output=True, text=True,
                               timeout=120, check=False)
    assert workspace.returncode == 1 and "at most 500" in workspace.stderr  # the in-app path


def test_a_bad_csv_is_refused_before_anything_is_sent(stack: Stack, tenant: Tenant,
                                                      tmp_path: Path) -> None:
    rows_file = tmp_path / "bad.csv"
    rows_file.write_text("uid,styling\nx,1\n", encoding="utf-8")
    done = bulkqr("submit", str(rows_file), tenant=tenant, url=stack.url)
    assert done.returncode == 1 and done.stdout == ""
    assert "bad.csv: line 1: column 'styling' needs a key" in done.stderr


def _env(tenant: Tenant | None, url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BULKQR_")}
    env["BULKQR_URL"] = url
    if tenant is not None:
        env |= {"BULKQR_CLIENT_ID": tenant.client_id, "BULKQR_API_KEY": tenant.api_key}
    return env
