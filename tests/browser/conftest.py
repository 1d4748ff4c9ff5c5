"""Headless Chromium for the browser tests: Debian's package driven by Playwright, no download."""

from __future__ import annotations

import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, BrowserContext, async_playwright

ROOT = Path(__file__).resolve().parents[2]
EXPECTED_ERROR = "Failed to load resource: the server responded with a status of"
LAUNCH_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Install (once) and locate Debian's chromium with scripts/chromium.sh; fail loudly."""
    result = subprocess.run([str(ROOT / "scripts" / "chromium.sh")], capture_output=True,
                            text=True, timeout=900, check=False)
    path = result.stdout.strip()
    if result.returncode != 0 or not path or not Path(path).is_file():
        raise RuntimeError(f"chromium is not available (scripts/chromium.sh exited "
                           f"{result.returncode}):\n{result.stderr[-3000:]}")
    return path


@pytest.fixture(scope="session")
async def browser(chromium_path: str) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=chromium_path,
                                                    args=LAUNCH_ARGS)
        yield chromium
        await chromium.close()


@pytest.fixture
async def context(browser: Browser) -> AsyncIterator[BrowserContext]:
    """A fresh browser profile (its own sessionStorage) at desktop size. The test fails if
    a page throws or logs an error, such as a Content-Security-Policy violation (the
    browser's own line for an HTTP error answer, which the page expects, excepted)."""
    fresh = await browser.new_context(viewport={"width": 1200, "height": 900},
                                      accept_downloads=True)
    errors: list[str] = []
    fresh.on("weberror", lambda error: errors.append(str(error.error)))
    fresh.on("console", lambda message: errors.append(message.text)
             if message.type == "error" and not message.text.startswith(EXPECTED_ERROR)
             else None)
    yield fresh
    await fresh.close()
    assert errors == []
