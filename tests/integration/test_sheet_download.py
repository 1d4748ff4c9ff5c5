"""Label sheets in the one-shot download: format=pdf&sheet=… alone, sheet.pdf in the ZIP,
400s that consume nothing, and a cut PDF that can be downloaded again."""

from __future__ import annotations

import asyncio
import io
import math
from typing import Any

import pytest
from pypdf import PdfReader

from shared.sheets import layout_for
from shared.sheets.cells import PT_PER_MM
from shared.store import CLAIMS, Database
from tests.api import Api, abort_download
from tests.conftest import Stack
from tests.shared.test_sheet_pdf import codes_by_cell, text_of
from tests.zipfiles import manifest_rows, open_zip

DYNAMIC_PDF, STATIC_EPS, FAILED = 5, 7, 29  # row numbers (from 0) of the odd rows


def sheet_rows(count: int = 30) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = [
        {"uid": f"uid-{i}", "dataType": "text", "data": f"sheet {i}"} for i in range(count)
    ]
    for i in range(0, count, 3):
        rows[i]["label"] = f"Shelf {i}"
    rows[DYNAMIC_PDF] = {
        "uid": f"uid-{DYNAMIC_PDF}",
        "qrType": "dynamic",
        "data": "https://example.com/sheet",
        "styling": {"modules": "dots", "format": "pdf"},
    }
    rows[STATIC_EPS]["styling"] = {"modules": "rounded", "format": "eps"}
    if count > FAILED:
        rows[FAILED] = {"uid": f"uid-{FAILED}", "data": "not a url"}
    return rows


def assert_pages(pdf: bytes, preset: str, labels: int) -> PdfReader:
    sheet = layout_for(preset, {})
    reader = PdfReader(io.BytesIO(pdf), strict=True)
    assert len(reader.pages) == math.ceil(labels / sheet.per_page)
    for page in reader.pages:  # skia rounds a page to whole points
        assert float(page.mediabox.width) == pytest.approx(sheet.page_w_mm * PT_PER_MM, abs=0.5)
        assert float(page.mediabox.height) == pytest.approx(sheet.page_h_mm * PT_PER_MM, abs=0.5)
    return reader


async def test_pdf_alone_has_a_label_per_row_in_order(api: Api, stack: Stack) -> None:
    rows = sheet_rows()
    bulk_id = await api.submit(rows)
    await api.wait_completed(bulk_id)
    async with api.http.get(
        f"/api/qr/bulk-generate/{bulk_id}/result",
        params={"format": "pdf", "sheet": "a4-3x8"},
        headers=api.tenant.headers,
    ) as answer:
        assert answer.status == 200, await answer.text()
        assert answer.content_type == "application/pdf"
        assert answer.headers["Content-Disposition"] == f'attachment; filename="{bulk_id}.pdf"'
        pdf = await answer.read()
    assert_pages(pdf, "a4-3x8", len(rows))
    codes = codes_by_cell(pdf, layout_for("a4-3x8", {}))
    dynamic = codes.pop(DYNAMIC_PDF)  # a branded pdf image, re-encoded from its short link
    assert dynamic.startswith(f"{stack.url}/r/")
    assert codes == {i: f"sheet {i}" for i in range(24) if i not in (DYNAMIC_PDF, STATIC_EPS)}
    first, second = text_of(pdf, 1), text_of(pdf, 2)
    assert "Shelf 0" in first and "uid-1" in first and "Shelf 3" in first
    assert "uid-0" not in first  # the label is the caption, not the uid
    assert f"uid-{STATIC_EPS} · no printable image" in first
    assert f"uid-{FAILED} · failed (400)" in second and "Shelf 27" in second
    await api.wait_consumed(bulk_id)
    assert (await api.download(bulk_id, "pdf", sheet="a4-3x8"))[0] == 410


async def test_zip_with_a_sheet_holds_sheet_pdf(api: Api) -> None:
    rows = sheet_rows(35)
    bulk_id = await api.submit(rows)
    await api.wait_completed(bulk_id)
    status, body = await api.download(bulk_id, "zip", sheet="letter-3x10", cropMarks="true")
    assert status == 200, body
    archive = open_zip(body)
    names = archive.namelist()
    assert names[-3:] == ["manifest.csv", "sheet.pdf", "result.json"]
    assert len(manifest_rows(archive)) == 35
    pdf = archive.read("sheet.pdf")
    assert_pages(pdf, "letter-3x10", len(rows))
    codes = codes_by_cell(pdf, layout_for("letter-3x10", {}))
    assert codes[0] == "sheet 0" and codes[28] == "sheet 28" and FAILED not in codes
    await api.wait_consumed(bulk_id)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"format": "pdf"}, "format=pdf needs sheet: one of a4-3x8"),
        ({"sheet": "a4-3x8"}, "sheet applies to format=zip"),
        ({"format": "json", "sheet": "a4-3x8"}, "sheet applies to format=zip"),
        ({"format": "pdf", "sheet": "a5-9x9"}, "unknown sheet 'a5-9x9'"),
        ({"format": "zip", "sheet": "a4-3x8", "cols": "2"}, "cols only apply to sheet=custom"),
        (
            {
                "format": "pdf",
                "sheet": "custom",
                "cols": "3",
                "rows": "8",
                "cellW": "80",
                "cellH": "30",
            },
            "the grid is 240 mm wide",
        ),
        (
            {"format": "pdf", "sheet": "a4-2x5", "cropMarks": "yes"},
            "cropMarks must be true or false",
        ),
        ({"format": "zip", "cropMarks": "true"}, "cropMarks only apply with sheet"),
    ],
)
async def test_bad_sheet_queries_consume_nothing(
    api: Api, query: dict[str, str], message: str
) -> None:
    bulk_id = await api.submit([{"uid": "kept", "data": "https://example.com/kept"}])
    await api.wait_completed(bulk_id)
    status, body = await api.download(bulk_id, **query)
    assert status == 400 and message in body.decode(), body
    assert (await api.status(bulk_id))["status"] == "completed"
    assert (await api.download(bulk_id))[0] == 200  # the JSON download still works


async def test_custom_sheet(api: Api) -> None:
    bulk_id = await api.submit(sheet_rows(12))
    await api.wait_completed(bulk_id)
    custom = {
        "sheet": "custom",
        "page": "letter",
        "cols": "2",
        "rows": "5",
        "cellW": "101.6",
        "cellH": "50.8",
        "marginLeft": "3.97",
        "marginTop": "12.7",
        "gapX": "4.76",
    }
    status, pdf = await api.download(bulk_id, "pdf", **custom)
    assert status == 200, pdf
    sheet = layout_for("custom", custom)
    reader = PdfReader(io.BytesIO(pdf), strict=True)
    assert len(reader.pages) == 2
    assert float(reader.pages[0].mediabox.width) == pytest.approx(
        sheet.page_w_mm * PT_PER_MM, abs=0.5
    )
    assert codes_by_cell(pdf, sheet)[1] == "sheet 1"


async def test_a_pdf_cut_mid_way_can_be_downloaded_again(
    api: Api, stack: Stack, db: Database
) -> None:
    rows = [{"uid": f"cut-{i}", "dataType": "text", "data": f"cut {i}"} for i in range(200)]
    bulk_id = await api.submit(rows)
    await api.wait_completed(bulk_id)
    head = await abort_download(
        stack.settings.http_port,
        f"/api/qr/bulk-generate/{bulk_id}/result?format=pdf&sheet=a4-2x5",
        api.tenant.headers,
        2000,
    )
    assert head.startswith(b"HTTP/1.1 200") and b"application/pdf" in head
    for _ in range(100):  # the gateway notices the reset on its next write or its ack wait
        if await db[CLAIMS].find_one({"_id": f"download:{bulk_id}"}) is None:
            break
        await asyncio.sleep(0.1)
    assert (await api.status(bulk_id))["status"] == "completed"
    status, pdf = await api.download(bulk_id, "pdf", sheet="a4-2x5")
    assert status == 200
    assert_pages(pdf, "a4-2x5", 200)
    assert codes_by_cell(pdf, layout_for("a4-2x5", {}), page=20)[9] == "cut 199"
    await api.wait_consumed(bulk_id)
    assert (await api.download(bulk_id, "pdf", sheet="a4-2x5"))[0] == 410


async def test_concurrent_pdf_zip_and_json_downloads_one_wins(api: Api) -> None:
    bulk_id = await api.submit(sheet_rows(40))
    await api.wait_completed(bulk_id)
    asks = [("pdf", {"sheet": "a4-3x8"})] * 4 + [("zip", {"sheet": "a4-2x5"}), ("json", {})]
    answers = await asyncio.gather(*(api.download(bulk_id, fmt, **query) for fmt, query in asks))
    assert sorted(status for status, _ in answers) == [200] + [410] * 5
    body = next(body for status, body in answers if status == 200)
    assert body.startswith((b"%PDF", b"PK", b'"'))
    await api.wait_consumed(bulk_id)
