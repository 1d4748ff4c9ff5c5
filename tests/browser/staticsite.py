"""The dashboard's static files in Chromium without a gateway: a page at a made-up origin."""

from __future__ import annotations

import mimetypes
from urllib.parse import urlsplit

from playwright.async_api import BrowserContext, Page, Route

from gateway.dashboardpage import STATIC_DIR, dashboard_html
from gateway.workspace import PAGE_HEADERS

ORIGIN = "http://dashboard.test"
ASSETS = "/dashboard/assets/"


async def _serve(route: Route) -> None:
    """/dashboard is the dashboard's page under the gateway's headers, /dashboard/assets/*
    the static folder; anything else (the API) answers 404."""
    path = urlsplit(route.request.url).path
    if path == "/dashboard":
        await route.fulfill(status=200, body=dashboard_html(), headers=PAGE_HEADERS,
                            content_type="text/html;charset=utf-8")
        return
    if path.startswith(ASSETS) and "/" not in path.removeprefix(ASSETS):
        file = STATIC_DIR / path.removeprefix(ASSETS)
    else:
        await route.fulfill(status=404, json={"error": "not here"})
        return
    if not file.is_file():
        await route.fulfill(status=404, body="")
        return
    media = "text/javascript" if file.suffix == ".js" else mimetypes.guess_type(file.name)[0]
    await route.fulfill(status=200, body=file.read_bytes(), headers=PAGE_HEADERS,
                        content_type=f"{media or 'application/octet-stream'};charset=utf-8")


async def dashboard_page(context: BrowserContext) -> Page:
    """A tab on the dashboard page, its modules importable from ASSETS."""
    await context.route(f"{ORIGIN}/**", _serve)
    page = await context.new_page()
    await page.goto(f"{ORIGIN}/dashboard")
    return page
