"""The dashboard's two download buttons: Download shows the codes, Download ZIP saves the
server's ZIP; both warn once, and either one uses the result up."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import BrowserContext, Page, expect

from tests.api import Api, Tenant
from tests.browser.test_dashboard import sign_in
from tests.conftest import Stack
from tests.zipfiles import decode_png, manifest_rows, open_zip

ROWS = [{"uid": "zip/1", "data": "https://example.com/zip-button", "label": "Crate 1"},
        {"uid": "zip-2", "dataType": "text", "data": "second code"}]


async def confirm(page: Page, bulk_id: str, format_: str, text: str) -> None:
    row = page.locator(f'tr[data-bulk-id="{bulk_id}"]')
    await row.locator(f'button[data-format="{format_}"]').click()
    dialog = page.locator("dialog#confirm")
    await expect(dialog).to_be_visible()
    await expect(dialog).to_contain_text("can be downloaded only once")
    await expect(dialog).to_contain_text(text)
    await dialog.get_by_role("button", name="Download now").click()


async def test_download_zip_saves_the_servers_zip(context: BrowserContext, stack: Stack,
                                                  tenant: Tenant, api: Api,
                                                  tmp_path: Path) -> None:
    bulk_id = await api.submit(ROWS)
    await api.wait_completed(bulk_id)
    page = await context.new_page()
    await sign_in(page, stack, tenant)
    row = page.locator(f'tr[data-bulk-id="{bulk_id}"]')
    buttons = row.get_by_role("button")
    await expect(buttons).to_have_text(["Download", "Download ZIP"])
    dialog = page.locator("dialog#confirm")
    for name, text in ((f"Download the result of {bulk_id} (once only)", "show on this page"),
                       (f"Download the result of {bulk_id} as a ZIP (once only)", "ZIP file")):
        await row.get_by_role("button", name=name, exact=True).click()
        await expect(dialog).to_contain_text(text)
        await dialog.get_by_role("button", name="Cancel").click()  # nothing is used up
        await expect(dialog).to_be_hidden()
    assert (await api.status(bulk_id))["status"] == "completed"
    async with page.expect_download() as saving:
        await confirm(page, bulk_id, "zip", "ZIP file")
    download = await saving.value
    assert download.suggested_filename == f"{bulk_id}.zip"
    path = tmp_path / download.suggested_filename
    await download.save_as(path)
    archive = open_zip(path.read_bytes())
    lines = manifest_rows(archive)
    assert [(line["uid"], line["file"], line["label"]) for line in lines] == [
        ("zip/1", "images/zip_1.png", "Crate 1"), ("zip-2", "images/zip-2.png", "")]
    assert decode_png(archive.read("images/zip-2.png")) == "second code"
    await expect(page.locator("#download-status")).to_contain_text(f"saved as {bulk_id}.zip")
    await expect(row.locator(".badge")).to_have_text("Downloaded")
    await expect(row.get_by_role("button")).to_have_count(0)


async def test_after_download_the_zip_button_explains_410(context: BrowserContext,
                                                          stack: Stack, tenant: Tenant,
                                                          api: Api) -> None:
    bulk_id = await api.submit(ROWS[:1])
    await api.wait_completed(bulk_id)
    page = await context.new_page()
    await sign_in(page, stack, tenant)
    await expect(page.locator(f'tr[data-bulk-id="{bulk_id}"] button')).to_have_count(2)
    assert (await api.download(bulk_id))[0] == 200  # used up elsewhere, the page not told
    await confirm(page, bulk_id, "zip", "ZIP file")
    alert = page.locator("#download-status")
    await expect(alert).to_contain_text("cannot be downloaded again")
    await expect(alert).to_contain_text("already downloaded")
    await expect(page.locator(f'tr[data-bulk-id="{bulk_id}"] .badge')).to_have_text(
        "Downloaded")
