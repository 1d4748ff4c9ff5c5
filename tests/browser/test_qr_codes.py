"""The dashboard's QR codes page and a code's page in headless Chromium, on the real servers.

The list: pages, search, the batch filter, inline edits and the disable toggle, checked
against the redirects. A code's page: its chart has a bar per interval with scans, and
its breakdowns count what was scanned. Both pages are saved as screenshots into docs/.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from playwright.async_api import BrowserContext, Page, expect

from shared.settings import Settings
from tests.api import Api
from tests.browser.scanned import (
    TOTAL,
    Batch,
    expected_breakdowns,
    record_scans,
    redirect_of,
    submit_batch,
)
from tests.browser.test_dashboard import sign_in
from tests.conftest import Stack

ROOT = Path(__file__).resolve().parents[2]
LIST_SHOT = ROOT / "docs" / "qr-codes.png"
CODE_SHOT = ROOT / "docs" / "qr-code-page.png"
PAGE = 25  # codes.js's page size
CAMPAIGN = 28


def campaign_rows() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = [
        {"uid": f"c-{i:02d}", "qrType": "dynamic", "data": f"https://example.com/campaign/{i}"}
        for i in range(1, CAMPAIGN + 1)
    ]
    rows[0]["sources"] = ["flyer"]
    return rows


async def uids_shown(page: Page) -> list[str]:
    uids: list[str] = await page.locator("#codes-table tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.uid)"
    )
    return uids


async def test_list_search_edit_disable_and_a_codes_chart(
    context: BrowserContext, stack: Stack, settings: Settings, api: Api
) -> None:
    campaign = await submit_batch(api, campaign_rows())
    other = await submit_batch(
        api,
        [
            {"uid": f"poster-{c}", "qrType": "dynamic", "data": f"https://example.com/poster/{c}"}
            for c in "ab"
        ],
    )
    await record_scans(settings, api, campaign.codes["c-01"])
    page = await context.new_page()
    await sign_in(page, stack, api.tenant)
    await page.get_by_role("link", name="QR codes", exact=True).click()
    await expect(page.get_by_role("heading", name="QR codes", exact=True)).to_be_focused()
    await check_list(page, campaign, other)
    await check_edits(page, api, campaign)
    await page.get_by_label("Search uid or destination").fill("c-0")
    await expect(page.locator("#codes-table tbody tr")).to_have_count(9)
    await screenshot(page, LIST_SHOT)

    await page.get_by_role("link", name="Scans of c-01").click()
    await expect(page.get_by_role("heading", name="QR code c-01")).to_be_visible()
    await check_chart(page, api, campaign.codes["c-01"]["id"])
    await check_breakdowns(page)
    await check_range_errors(page)
    await page.get_by_label("First day (UTC)").fill(utc_day(days_ago=3))
    await page.get_by_label("Hour", exact=True).check()  # shows the range at once
    await expect(page.locator("#scans-total")).to_contain_text("by the hour")
    await screenshot(page, CODE_SHOT)


async def check_list(page: Page, campaign: Batch, other: Batch) -> None:
    """Paging through every code, the search, the batch filter, and the scan total."""
    rows = page.locator("#codes-table tbody tr")
    await expect(rows).to_have_count(PAGE)
    await page.get_by_role("button", name="Load more").click()
    await expect(rows).to_have_count(CAMPAIGN + 2)
    await expect(page.get_by_role("button", name="Load more")).to_be_hidden()
    assert sorted(await uids_shown(page)) == sorted([*campaign.codes, *other.codes])

    await page.get_by_label("Search uid or destination").fill("c-2")  # searched as typed
    await expect(rows).to_have_count(9)
    assert await uids_shown(page) == [f"c-2{i}" for i in range(9)]
    await page.get_by_label("Search uid or destination").fill("poster/b")  # a destination
    await expect(rows).to_have_count(1)
    assert await uids_shown(page) == ["poster-b"]

    await page.get_by_label("Search uid or destination").fill("")
    await page.get_by_label("Batch").select_option(other.bulk_id)
    await expect(rows).to_have_count(2)
    assert sorted(await uids_shown(page)) == ["poster-a", "poster-b"]
    await page.get_by_label("Batch").select_option(campaign.bulk_id)
    await page.get_by_label("Search uid or destination").fill("c-01")
    await page.keyboard.press("Enter")
    await expect(rows).to_have_count(1)
    await expect(rows.locator('td[data-label="Scans"]')).to_have_text(str(TOTAL))
    await page.get_by_label("Search uid or destination").fill("")
    await page.keyboard.press("Enter")
    await expect(rows).to_have_count(PAGE)


async def check_edits(page: Page, api: Api, campaign: Batch) -> None:
    """Edit with the keyboard; refusals show the API's message; disabling answers 410."""
    alert = page.locator("#codes-error")
    row = page.locator('#codes-table tr[data-uid="c-02"]')
    await row.get_by_role("button", name="Edit c-02").click()
    destination = row.get_by_label("Destination of c-02")
    await expect(destination).to_be_focused()
    await destination.fill("not a url")
    await page.keyboard.press("Enter")
    await expect(alert).to_contain_text("Could not save c-02:")
    await expect(alert).to_contain_text("destination")
    await destination.fill("https://example.com/moved/2")
    await row.get_by_label("Expiry of c-02 (empty: never)").fill("2001-01-01T00:00")
    await page.keyboard.press("Enter")
    await expect(alert).to_contain_text("expiry is in the past")
    assert await page.get_by_role("alert").filter(has_text="expiry is in the past").count() == 1
    await row.get_by_label("Expiry of c-02 (empty: never)").fill("2031-06-01T12:00")
    await page.keyboard.press("Enter")
    await expect(row.locator('td[data-label="Destination"]')).to_have_text(
        "https://example.com/moved/2"
    )
    await expect(row.get_by_role("button", name="Edit c-02")).to_be_focused()
    await expect(alert).to_be_empty()
    expiry_ms = await page.evaluate("() => new Date('2031-06-01T12:00').getTime()")
    assert (await record_of(api, campaign.codes["c-02"]["id"]))["expiry"] == expiry_ms
    assert await redirect_of(api.http, campaign.codes["c-02"], 302) == (
        302,
        "https://example.com/moved/2",
    )

    await row.get_by_role("button", name="Edit c-02").press("Enter")
    await page.keyboard.type("x")
    await page.keyboard.press("Escape")  # nothing saved
    await expect(row.locator('td[data-label="Destination"]')).to_have_text(
        "https://example.com/moved/2"
    )

    toggle = page.locator('#codes-table tr[data-uid="c-03"]').get_by_role(
        "button", name="Disable c-03"
    )
    await toggle.focus()
    await page.keyboard.press("Enter")
    enable = page.get_by_role("button", name="Enable c-03")
    await expect(enable).to_be_focused()
    await expect(page.locator('tr[data-uid="c-03"] .badge')).to_have_text("Disabled")
    assert (await redirect_of(api.http, campaign.codes["c-03"], 410))[0] == 410
    await page.keyboard.press("Enter")
    await expect(page.locator('tr[data-uid="c-03"] .badge')).to_have_text("Active")
    assert (await redirect_of(api.http, campaign.codes["c-03"], 302))[0] == 302
    await page.get_by_role("button", name="Disable c-03").click()  # kept off for the picture
    await expect(page.locator('tr[data-uid="c-03"] .badge')).to_have_text("Disabled")


async def record_of(api: Api, qr_id: str) -> dict[str, Any]:
    async with api.http.get(f"/api/qr/{qr_id}", headers=api.tenant.headers) as answer:
        assert answer.status == 200, await answer.text()
        record: dict[str, Any] = await answer.json()
        return record


async def check_chart(page: Page, api: Api, qr_id: str) -> None:
    """As many bars as the API has intervals with scans, each as tall as its count says."""
    for interval in ("hour", "day"):
        await page.get_by_label(interval.capitalize(), exact=True).check()
        form = await page.evaluate("""() => ({
            from: Date.parse(document.getElementById('scans-from').value + 'T00:00:00Z'),
            to: Date.parse(document.getElementById('scans-to').value + 'T00:00:00Z') + 864e5})""")
        async with api.http.get(
            f"/api/qr/{qr_id}/scans",
            headers=api.tenant.headers,
            params={"from": str(form["from"]), "to": str(form["to"]), "interval": interval},
        ) as answer:
            series = (await answer.json())["series"]
        assert len(series) >= (2 if interval == "day" else 6)  # EARLIER spans several days
        bars = page.locator("#chart svg rect.slot")
        await expect(bars).to_have_count(len(series))
        await expect(page.locator("#scans-total")).to_contain_text(f"{TOTAL} scans")
        drawn = await bars.evaluate_all(
            "bars => bars.map(b => [Number(b.dataset.t), Number(b.dataset.scans)])"
        )
        assert drawn == [[p["t"], p["scans"]] for p in series]
        heights = await bars.evaluate_all("bars => bars.map(b => b.getBBox().height)")
        tallest = max(p["scans"] for p in series)
        assert heights[[p["scans"] for p in series].index(tallest)] == max(heights)
        await expect(page.locator("#chart-table tbody tr")).to_have_count(len(series))


async def check_breakdowns(page: Page) -> None:
    for trait, counts in expected_breakdowns().items():
        table = page.locator(f"#breakdown-{trait}")
        await expect(table.locator("tbody tr")).to_have_count(len(counts))
        shown = await table.locator("tbody tr").evaluate_all(
            "rows => rows.map(r => [r.dataset.value, r.querySelector('.count').textContent])"
        )
        assert dict(shown) == {value: str(n) for value, n in counts.items()}, trait
    await expect(page.locator('#breakdown-country tr[data-value="GB"] th')).to_have_text(
        "United Kingdom (GB)"
    )


async def check_range_errors(page: Page) -> None:
    alert = page.locator("#code-error")
    await page.get_by_label("First day (UTC)").fill(utc_day(days_ago=-1))
    await page.get_by_role("button", name="Show", exact=True).click()
    await expect(alert).to_have_text("The first day must not be after the last day.")
    await page.get_by_label("First day (UTC)").fill(utc_day(days_ago=500))
    await page.get_by_role("button", name="Show", exact=True).click()
    await expect(alert).to_contain_text("Could not load the scans: from and to may be at most")


def utc_day(days_ago: int) -> str:
    return (dt.datetime.now(dt.UTC) - dt.timedelta(days=days_ago)).date().isoformat()


async def screenshot(page: Page, path: Path) -> None:
    await page.evaluate("() => document.activeElement.blur()")
    await page.screenshot(path=path, full_page=True)


async def test_both_pages_fit_a_phone_label_every_control_and_sign_out_on_401(
    context: BrowserContext, stack: Stack, api: Api
) -> None:
    long_url = "https://example.com/" + "n" * 80
    batch = await submit_batch(api, [{"uid": "narrow-code", "qrType": "dynamic", "data": long_url}])
    page = await context.new_page()
    await page.set_viewport_size({"width": 360, "height": 740})
    await sign_in(page, stack, api.tenant)
    await page.get_by_role("link", name="QR codes", exact=True).click()
    row = page.locator('#codes-table tr[data-uid="narrow-code"]')
    await expect(row).to_be_visible()
    await row.get_by_role("button", name="Edit narrow-code").click()
    assert await page_width(page) <= 360
    await page.keyboard.press("Escape")
    await page.goto(f"{stack.url}/dashboard#code/{batch.codes['narrow-code']['id']}")
    await expect(page.locator("#chart svg")).to_be_visible()
    await expect(page.locator("#breakdowns .trait")).to_have_count(6)
    assert await page_width(page) <= 360
    unlabelled = await page.eval_on_selector_all(
        "input, select, button",
        "els => els.filter(e => !(e.labels?.length || e.getAttribute('aria-label')"
        " || e.textContent.trim())).map(e => e.outerHTML)",
    )
    assert unlabelled == []

    await page.evaluate("""() => sessionStorage.setItem('bulkqr.credentials',
        JSON.stringify({clientId: 'cust_gone', apiKey: 'sk_revoked'}))""")
    await page.get_by_role("link", name="Back to all QR codes").click()  # 401: signed out
    await expect(page.locator("#sign-in-error")).to_contain_text("You were signed out:")
    await expect(page.locator("#codes")).to_be_hidden()
    assert await page.evaluate("() => sessionStorage.length") == 0


async def page_width(page: Page) -> int:
    width: int = await page.evaluate("() => document.documentElement.scrollWidth")
    return width
