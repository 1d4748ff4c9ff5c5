"""The dashboard's download buttons: Download shows the codes, Download ZIP saves the
server's ZIP, Download print sheet saves a label-sheet PDF of the chosen preset; each warns
once, and any one uses the result up."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from playwright.async_api import BrowserContext, Locator, Page, expect
from pypdf import PdfReader

from shared.sheets import layout_for
from shared.sheets.cells import PT_PER_MM
from tests.api import Api, Tenant
from tests.browser.test_dashboard import sign_in
from tests.conftest import Stack
from tests.shared.test_sheet_pdf import codes_by_cell, text_of
from tests.zipfiles import decode_png, manifest_rows, open_zip

ROWS = [
    {"uid": "zip/1", "data": "https://example.com/zip-button", "label": "Crate 1"},
    {"uid": "zip-2", "dataType": "text", "data": "second code"},
]


async def confirm(page: Page, bulk_id: str, format_: str, text: str) -> None:
    row = page.locator(f'tr[data-bulk-id="{bulk_id}"]')
    await row.locator(f'button[data-format="{format_}"]').click()
    dialog = page.locator("dialog#confirm")
    await expect(dialog).to_be_visible()
    await expect(dialog).to_contain_text("can be downloaded only once")
    await expect(dialog).to_contain_text(text)
    await dialog.get_by_role("button", name="Download now").click()


async def order_row(
    context: BrowserContext, stack: Stack, tenant: Tenant, api: Api
) -> tuple[str, Page, Locator]:
    """A completed order of ROWS, and its row on a signed-in dashboard."""
    bulk_id = await api.submit(ROWS)
    await api.wait_completed(bulk_id)
    page = await context.new_page()
    await sign_in(page, stack, tenant)
    return bulk_id, page, page.locator(f'tr[data-bulk-id="{bulk_id}"]')


async def save(page: Page, bulk_id: str, format_: str, text: str, tmp_path: Path) -> bytes:
    """Confirm the `format_` download and return the file the browser saved."""
    async with page.expect_download() as saving:
        await confirm(page, bulk_id, format_, text)
    download = await saving.value
    assert download.suggested_filename == f"{bulk_id}.{format_}"
    path = tmp_path / download.suggested_filename
    await download.save_as(path)
    return path.read_bytes()


async def test_download_zip_saves_the_servers_zip(
    context: BrowserContext, stack: Stack, tenant: Tenant, api: Api, tmp_path: Path
) -> None:
    bulk_id, page, row = await order_row(context, stack, tenant, api)
    buttons = row.get_by_role("button")
    await expect(buttons).to_have_text(["Download", "Download ZIP", "Download print sheet"])
    dialog = page.locator("dialog#confirm")
    for name, text in (
        (f"Download the result of {bulk_id} (once only)", "show on this page"),
        (f"Download the result of {bulk_id} as a ZIP (once only)", "ZIP file"),
    ):
        await row.get_by_role("button", name=name, exact=True).click()
        await expect(dialog).to_contain_text(text)
        await dialog.get_by_role("button", name="Cancel").click()  # nothing is used up
        await expect(dialog).to_be_hidden()
    assert (await api.status(bulk_id))["status"] == "completed"
    archive = open_zip(await save(page, bulk_id, "zip", "ZIP file", tmp_path))
    lines = manifest_rows(archive)
    assert [(line["uid"], line["file"], line["label"]) for line in lines] == [
        ("zip/1", "images/zip_1.png", "Crate 1"),
        ("zip-2", "images/zip-2.png", ""),
    ]
    assert decode_png(archive.read("images/zip-2.png")) == "second code"
    await expect(page.locator("#download-status")).to_contain_text(f"saved as {bulk_id}.zip")
    await expect(row.locator(".badge")).to_have_text("Downloaded")
    await expect(row.get_by_role("button")).to_have_count(0)


async def test_after_download_the_zip_button_explains_410(
    context: BrowserContext, stack: Stack, tenant: Tenant, api: Api
) -> None:
    bulk_id = await api.submit(ROWS[:1])
    await api.wait_completed(bulk_id)
    page = await context.new_page()
    await sign_in(page, stack, tenant)
    await expect(page.locator(f'tr[data-bulk-id="{bulk_id}"] button')).to_have_count(3)
    assert (await api.download(bulk_id))[0] == 200  # used up elsewhere, the page not told
    await confirm(page, bulk_id, "zip", "ZIP file")
    alert = page.locator("#download-status")
    await expect(alert).to_contain_text("cannot be downloaded again")
    await expect(alert).to_contain_text("already downloaded")
    await expect(page.locator(f'tr[data-bulk-id="{bulk_id}"] .badge')).to_have_text("Downloaded")


async def test_download_print_sheet_saves_the_pdf_of_the_chosen_preset(
    context: BrowserContext, stack: Stack, tenant: Tenant, api: Api, tmp_path: Path
) -> None:
    bulk_id, page, row = await order_row(context, stack, tenant, api)
    picker = row.get_by_role("combobox", name=f"Label sheet for {bulk_id}")
    await expect(picker.locator("option")).to_have_text(
        ["A4, 3x8 labels", "Letter, 3x10 (Avery 5160)", "A4, 2x5 business cards"]
    )
    await picker.select_option("letter-3x10")
    name = f"Download the result of {bulk_id} as a print sheet (once only)"
    dialog = page.locator("dialog#confirm")
    await row.get_by_role("button", name=name, exact=True).click()
    await expect(dialog).to_contain_text("PDF print sheet")
    await dialog.get_by_role("button", name="Cancel").click()  # nothing is used up
    assert (await api.status(bulk_id))["status"] == "completed"
    pdf = await save(page, bulk_id, "pdf", "PDF print sheet", tmp_path)
    sheet = layout_for("letter-3x10", {})
    page_box = PdfReader(io.BytesIO(pdf), strict=True).pages[0].mediabox
    assert float(page_box.width) == pytest.approx(sheet.page_w_mm * PT_PER_MM, abs=0.5)
    assert codes_by_cell(pdf, sheet) == {0: "https://example.com/zip-button", 1: "second code"}
    assert "Crate 1" in text_of(pdf) and "zip-2" in text_of(pdf)
    await expect(page.locator("#download-status")).to_contain_text(f"saved as {bulk_id}.pdf")
    await expect(row.locator(".badge")).to_have_text("Downloaded")
    await expect(row.get_by_role("button")).to_have_count(0)
