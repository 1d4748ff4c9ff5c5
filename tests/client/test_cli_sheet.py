"""`bulkqr download|submit --sheet PRESET`: a label sheet alone (--format pdf) or in the ZIP."""

from __future__ import annotations

import io
from pathlib import Path

import orjson
import pytest
from pypdf import PdfReader

from client import BulkQRClient
from shared.sheets import layout_for
from shared.sheets.cells import PT_PER_MM
from tests.api import Tenant
from tests.client.test_cli import bulkqr
from tests.client.test_cli_zip import ROWS
from tests.conftest import Stack
from tests.shared.test_sheet_pdf import codes_by_cell, text_of
from tests.zipfiles import open_zip


async def test_download_format_pdf_sheet(
    stack: Stack, tenant: Tenant, client: BulkQRClient, tmp_path: Path
) -> None:
    bulk_id = await client.submit(ROWS)
    await client.wait(bulk_id)
    for usage in (
        ["--format", "pdf"],
        ["--format", "json", "--sheet", "a4-3x8"],
        ["--format", "zip", "--crop-marks"],
    ):
        refused = bulkqr(
            "download", bulk_id, "--out", str(tmp_path), *usage, tenant=tenant, url=stack.url
        )
        assert refused.returncode == 2 and "--sheet" in refused.stderr, refused.stderr
    assert (await client.status(bulk_id)).status == "completed"  # nothing was asked for
    pdf_sheet = ["--format", "pdf", "--sheet", "a4-2x5", "--crop-marks"]
    done = bulkqr(
        "download", bulk_id, "--out", str(tmp_path), *pdf_sheet, tenant=tenant, url=stack.url
    )
    assert done.returncode == 0, done.stderr
    path = tmp_path / f"{bulk_id}.pdf"
    assert orjson.loads(done.stdout) == {
        "bulkId": bulk_id,
        "pdf": str(path),
        "bytes": path.stat().st_size,
    }
    pdf = path.read_bytes()
    reader = PdfReader(io.BytesIO(pdf), strict=True)
    assert len(reader.pages) == 1
    assert float(reader.pages[0].mediabox.height) == pytest.approx(297 * PT_PER_MM, abs=0.5)
    assert codes_by_cell(pdf, layout_for("a4-2x5", {}))[0] == "https://example.com/zip-1"
    text = text_of(pdf)
    assert "Bin 1" in text and "dyn" in text and "broken · failed (400)" in text
    assert (await client.status(bulk_id)).status == "resultDownloaded"


def test_submit_out_format_zip_sheet(stack: Stack, tenant: Tenant, tmp_path: Path) -> None:
    rows_file = tmp_path / "rows.json"
    rows_file.write_bytes(orjson.dumps(ROWS))
    out = tmp_path / "out"
    custom = ["--sheet", "custom", "--sheet-param", "cols=2", "--sheet-param", "rows=2"]
    cells = ["--sheet-param", "cellW=90", "--sheet-param", "cellH=90"]
    done = bulkqr(
        "submit",
        str(rows_file),
        "--out",
        str(out),
        "--format",
        "zip",
        *custom,
        *cells,
        tenant=tenant,
        url=stack.url,
    )
    assert done.returncode == 0, done.stderr
    bulk_id = done.stdout.splitlines()[0]
    archive = open_zip((out / f"{bulk_id}.zip").read_bytes())
    assert "sheet.pdf" in archive.namelist()
    pdf = archive.read("sheet.pdf")
    sheet = layout_for("custom", {"cols": "2", "rows": "2", "cellW": "90", "cellH": "90"})
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1
    assert codes_by_cell(pdf, sheet)[0] == "https://example.com/zip-1"
