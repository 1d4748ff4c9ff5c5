"""The dashboard's Bulk page in headless Chromium: sign in, upload, watch, download once, save.

These tests upload at most one CSV per run through the session gateway (which counts
every test's calls against 127.0.0.1); other orders are made through the JSON API.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import orjson
import zxingcpp
from PIL import Image
from playwright.async_api import BrowserContext, Page, expect

from tests.api import Api, Tenant
from tests.conftest import Stack

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = ROOT / "docs" / "dashboard.png"
CSV = ("uid,qrType,dataType,data,styling.size\n"
       "s-1,static,url,https://example.com/dash/1,160\n"
       "s-2,,text,Hello from the dashboard,\n"
       "d-1,dynamic,url,https://example.com/dash/d,\n"
       "bad-1,,url,not a url,\n"
       "d-bad,dynamic,url,ftp://example.com/nope,\n")
UIDS = ["s-1", "s-2", "d-1", "bad-1", "d-bad"]


async def sign_in(page: Page, stack: Stack, tenant: Tenant) -> None:
    """Sign in with the keyboard only: type, Tab, type, Enter."""
    await page.goto(f"{stack.url}/dashboard")
    await page.get_by_label("Client id").focus()
    await page.keyboard.type(tenant.client_id)
    await page.keyboard.press("Tab")
    await page.keyboard.type(tenant.api_key)
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", name="Bulk orders")).to_be_visible()


async def upload_csv(page: Page, folder: Path) -> str:
    """Upload the CSV through the form; returns the new order's bulkId."""
    path = folder / "rows.csv"
    path.write_text(CSV)
    await page.get_by_label("CSV file").set_input_files(path)
    await page.get_by_role("button", name="Upload").click()
    status = page.locator("#upload-status")
    await expect(status).to_contain_text("Queued rows.csv as order bulk_")
    await expect(page.locator("#upload-bar")).to_have_js_property("value", 100)
    found = re.search(r"bulk_[0-9a-f]+", await status.inner_text())
    assert found is not None
    return found.group(0)


async def download_once(page: Page, bulk_id: str) -> None:
    """Click Download, read the one-shot warning, and confirm."""
    await page.locator(f'tr[data-bulk-id="{bulk_id}"] button[data-format="json"]').click()
    dialog = page.locator("dialog#confirm")
    await expect(dialog).to_be_visible()
    await expect(dialog).to_contain_text("can be downloaded only once")
    await dialog.get_by_role("button", name="Download now").click()


async def check_grid(page: Page) -> None:
    await expect(page.locator("#grid > li")).to_have_count(len(UIDS))
    await expect(page.locator("#grid img.qr")).to_have_count(3)
    assert await page.locator("#grid .uid").all_inner_texts() == UIDS
    failed = page.locator("#grid li.failed")
    await expect(failed).to_have_count(2)
    await expect(failed.first).to_contain_text("Invalid URL provided for dataType: url")
    await expect(page.locator("#preview-summary")).to_have_text("5 rows: 3 QR codes, 2 failed.")
    loaded = await page.eval_on_selector_all(
        "#grid img.qr", "imgs => imgs.map(i => i.complete && i.naturalWidth)")
    assert loaded == [160, 300, 300]


async def check_zip(page: Page) -> None:
    """Save all as ZIP: a valid archive (CRCs checked) with the images and the archive."""
    async with page.expect_download() as info:
        await page.get_by_role("button", name="Save all as ZIP").click()
    download = await info.value
    assert download.suggested_filename.startswith("bulk_")
    saved = Path(await download.path())
    with zipfile.ZipFile(saved) as archive:
        assert archive.testzip() is None
        assert archive.namelist() == ["s-1.png", "s-2.png", "d-1.png", "archive.json"]
        image = Image.open(io.BytesIO(archive.read("s-1.png"))).convert("L")
        assert [r.text for r in zxingcpp.read_barcodes(image)] == ["https://example.com/dash/1"]
        assert len(orjson.loads(archive.read("archive.json"))) == len(UIDS)
    async with page.expect_download() as single:
        await page.locator("#grid li").nth(1).get_by_role("link").click()
    assert (await single.value).suggested_filename == "s-2.png"


async def test_upload_watch_download_once_and_preview(context: BrowserContext, stack: Stack,
                                                      tenant: Tenant, api: Api,
                                                      tmp_path: Path) -> None:
    page = await context.new_page()
    await sign_in(page, stack, tenant)
    kept = await page.evaluate("() => [Object.keys(sessionStorage), localStorage.length]")
    assert kept == [["bulkqr.credentials"], 0]
    bulk_id = await upload_csv(page, tmp_path)
    row = page.locator(f'tr[data-bulk-id="{bulk_id}"]')
    await expect(row.locator(".badge")).to_have_text("Completed", timeout=60_000)
    await expect(row.locator('td[data-label^="Failed"]')).to_have_text("1 · 0 · 0")
    other_tab = await context.new_page()  # signed in before the first download happens
    await sign_in(other_tab, stack, tenant)
    await download_once(page, bulk_id)
    await check_grid(page)
    await expect(row.locator(".badge")).to_have_text("Downloaded")
    await check_zip(page)

    await download_once(other_tab, bulk_id)
    alert = other_tab.locator("#download-status")
    await expect(alert).to_contain_text("cannot be downloaded again")
    await expect(alert).to_contain_text("already downloaded")
    await expect(other_tab.locator(f'tr[data-bulk-id="{bulk_id}"] .badge')).to_have_text(
        "Downloaded")
    await save_screenshot(page, api)


async def save_screenshot(page: Page, api: Api) -> None:
    """docs/dashboard.png: a completed order beside the downloaded one, and its grid."""
    bulk_id = await api.submit([
        {"uid": "poster-1", "qrType": "dynamic", "data": "https://example.com/p/1",
         "sources": ["flyer", "poster"]},
        {"uid": "wifi-1", "dataType": "wifi", "data": {"ssid": "Cafe", "password": "pw"}},
    ])
    await api.wait_completed(bulk_id)
    await page.get_by_role("button", name="Refresh").click()
    await expect(page.locator(f'tr[data-bulk-id="{bulk_id}"] .badge')).to_have_text("Completed")
    await page.evaluate("() => document.activeElement.blur()")
    SCREENSHOT.parent.mkdir(exist_ok=True)
    await page.screenshot(path=SCREENSHOT, full_page=True)
    with Image.open(SCREENSHOT) as shot:
        assert shot.size[0] == 1200


async def test_wrong_credentials_are_refused_and_not_kept(context: BrowserContext,
                                                          stack: Stack, tenant: Tenant) -> None:
    page = await context.new_page()
    await page.goto(f"{stack.url}/dashboard")
    await page.get_by_label("Client id").fill(tenant.client_id)
    await page.get_by_label("API key").fill("sk_wrong")
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("alert").first).to_contain_text("not accepted")
    assert await page.evaluate("() => sessionStorage.length") == 0
    await expect(page.get_by_role("heading", name="Bulk orders")).to_be_hidden()


async def test_narrow_screen_keyboard_and_labels(context: BrowserContext, stack: Stack,
                                                 tenant: Tenant, api: Api) -> None:
    bulk_id = await api.submit([{"uid": "narrow-1", "data": "https://example.com/n"}])
    await api.wait_completed(bulk_id)
    page = await context.new_page()
    await page.set_viewport_size({"width": 360, "height": 740})
    await sign_in(page, stack, tenant)
    download = page.locator(f'tr[data-bulk-id="{bulk_id}"] button[data-format="json"]')
    await expect(download).to_be_visible()
    width = await page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 360, f"the page scrolls sideways at 360 px ({width} px wide)"
    unlabelled = await page.eval_on_selector_all(
        "input, button, progress",
        "els => els.filter(e => !(e.labels?.length || e.getAttribute('aria-label')"
        " || e.textContent.trim())).map(e => e.outerHTML)")
    assert unlabelled == []
    for _ in range(30):  # Tab through the page until the Download button has focus
        await page.keyboard.press("Tab")
        if await download.evaluate("b => b === document.activeElement"):
            break
    outline = await download.evaluate("b => getComputedStyle(b).outlineStyle")
    assert outline == "solid"
    await page.keyboard.press("Enter")
    await expect(page.locator("dialog#confirm")).to_be_visible()
    await page.keyboard.press("Escape")
    await expect(page.locator("dialog#confirm")).to_be_hidden()
    assert (await api.status(bulk_id))["status"] == "completed"  # cancelled: not used up


async def test_a_processing_order_shows_its_progress(context: BrowserContext, stack: Stack,
                                                     tenant: Tenant, api: Api) -> None:
    """A bar fed by the status's `processed` grows while the order runs, then goes away."""
    count = 30_000
    bulk_id = await api.submit([{"uid": i, "data": f"p{i}"} for i in range(count)])
    page = await context.new_page()
    await sign_in(page, stack, tenant)
    bar = page.locator(f'tr[data-bulk-id="{bulk_id}"] progress')
    await expect(bar).to_have_attribute("max", str(count), timeout=20_000)
    seen: list[int] = []
    badge = page.locator(f'tr[data-bulk-id="{bulk_id}"] .badge')
    value_now = "(id) => document.querySelector(`tr[data-bulk-id='${id}'] progress`)?.value"
    while await badge.text_content() != "Completed":
        value = await page.evaluate(value_now, bulk_id)  # read at once: no waiting on a bar
        if value is not None:
            seen.append(int(value))
        await page.wait_for_timeout(200)
    assert any(0 < value < count for value in seen), seen
    assert seen == sorted(seen), "the bar went backwards"
    await expect(bar).to_have_count(0)
