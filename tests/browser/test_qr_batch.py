"""The QR codes page's batch change in headless Chromium: preview, apply, check the redirects."""

from __future__ import annotations

from playwright.async_api import BrowserContext, expect

from tests.api import Api
from tests.browser.scanned import redirect_of, submit_batch
from tests.browser.test_dashboard import sign_in
from tests.conftest import Stack

UIDS = ["flyer 1", "flyer-2", "flyer-3"]


async def test_a_batch_is_previewed_then_repointed_then_disabled(
    context: BrowserContext, stack: Stack, api: Api
) -> None:
    rows = [{"uid": u, "qrType": "dynamic", "data": "https://example.com/old"} for u in UIDS]
    batch = await submit_batch(api, rows)
    page = await context.new_page()
    await sign_in(page, stack, api.tenant)
    await page.get_by_role("link", name="QR codes", exact=True).click()
    panel = page.locator("#batch-edit")
    await expect(panel).to_be_hidden()  # only for one chosen batch
    await page.get_by_label("Batch").select_option(batch.bulk_id)
    await expect(page.locator("#codes-table tbody tr")).to_have_count(len(UIDS))
    await panel.locator("summary").click()

    destination = page.get_by_label("New destination")
    await destination.fill("not a url/{uid}")
    await page.get_by_role("button", name="Preview").click()
    await expect(page.locator("#batch-error")).to_contain_text("Could not preview the change:")
    await destination.fill("https://example.com/spring/{uid}")
    await page.keyboard.press("Enter")  # Enter previews
    status = page.locator("#batch-status")
    await expect(status).to_have_text("3 of 3 codes would change.")
    await expect(page.locator("#batch-error")).to_be_empty()
    await expect(page.locator("#batch-sample li").first).to_have_text(
        "flyer 1: destination https://example.com/old → https://example.com/spring/flyer%201"
    )
    for record in batch.codes.values():  # a preview writes nothing
        assert await redirect_of(api.http, record, 302) == (302, "https://example.com/old")

    apply = page.get_by_role("button", name="Apply to the batch")
    await apply.click()
    await expect(status).to_have_text("Changed 3 of 3 codes.")
    await expect(page.locator("#codes-table tbody td[data-label=Destination]")).to_have_text(
        [f"https://example.com/spring/{u.replace(' ', '%20')}" for u in UIDS]
    )
    for uid, record in batch.codes.items():
        expected = f"https://example.com/spring/{uid.replace(' ', '%20')}"
        assert await redirect_of(api.http, record, 302) == (302, expected)

    await destination.fill("")
    await page.get_by_label("Disable", exact=True).check()
    await expect(apply).to_be_disabled()  # a changed form needs a new preview
    await page.get_by_role("button", name="Preview").click()
    await expect(page.locator("#batch-sample li").first).to_have_text(
        "flyer 1: state active → disabled"
    )
    await apply.click()
    await expect(page.locator("#codes-table tbody .badge")).to_have_text(["Disabled"] * 3)
    for record in batch.codes.values():
        assert (await redirect_of(api.http, record, 410))[0] == 410
