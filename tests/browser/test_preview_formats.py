"""The dashboard's preview in Chromium: PNG and SVG shown as images, PDF and EPS (which an
<img> shows nothing of) as a placeholder with their format, size and a download link."""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import Any

from PIL import Image
from playwright.async_api import BrowserContext, Page, expect

from tests.browser.staticsite import ASSETS, dashboard_page
from tests.browser.test_file_names import server_names

PDF_BYTES = b"%PDF-1.4\n%%EOF\n"
EPS_BYTES = b"%!PS-Adobe-3.0 EPSF-3.0\n" * 50


def png_uri() -> str:
    out = io.BytesIO()
    Image.new("L", (21, 21), 255).save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def data_uri(media_type: str, data: bytes) -> str:
    return f"data:{media_type};base64,{base64.b64encode(data).decode()}"


PDF = data_uri("application/pdf", PDF_BYTES)
EPS = data_uri("application/postscript", EPS_BYTES)
SVG = ("data:image/svg+xml;charset=utf-8,%3Csvg%20xmlns%3D%22http%3A%2F%2Fwww.w3.org%2F2000%2Fsvg"
       "%22%20width%3D%2221%22%20height%3D%2221%22%2F%3E")
UIDS = ["png/1", "svg-1", "pdf-1", "eps-1", "dyn-1"]


def archive() -> list[Any]:
    return [png_uri(), SVG, PDF, EPS,
            {"uid": "dyn-1", "QRs": PDF, "url": "https://s.test/x",
             "sources": [{"source": "flyer", "QRs": EPS}, {"source": "poster", "QRs": png_uri()}]}]


async def show(page: Page, entries: list[Any]) -> None:
    """The preview of `entries`, as after a download whose CSV had UIDS."""
    await page.evaluate("""async ([module, entries, uids]) => {
      const { Preview, rememberUids } = await import(module);
      rememberUids("bulk_test", uids);
      const preview = new Preview({ refresh() {}, onAuthLost() {} });
      preview.show("bulk_test", entries, JSON.stringify(entries));
      document.getElementById("sign-in").hidden = true;  // as when signed in
      document.getElementById("bulk").hidden = false;
    }""", [ASSETS + "preview.js", entries, UIDS])


async def test_pdf_and_eps_show_a_placeholder_with_format_size_and_download(
        context: BrowserContext, tmp_path: Path) -> None:
    page = await dashboard_page(context)
    entries = archive()
    await show(page, entries)
    grid = page.locator("#grid")
    await expect(grid.locator("li")).to_have_count(5)
    loaded = await grid.locator("img.qr").evaluate_all(
        "imgs => imgs.map(i => [i.complete && i.naturalWidth, i.alt])")
    assert loaded == [[21, "QR code of png/1"], [21, "QR code of svg-1"]]
    assert await grid.locator("img[src^='data:application/']").count() == 0
    placeholders = grid.locator(".qr.placeholder")
    assert await placeholders.evaluate_all("boxes => boxes.map(b => b.innerText)") == [
        "PDF\n15 B\nNo preview in a browser\nDownload PDF",
        "EPS\n1.2 kB\nNo preview in a browser\nDownload EPS",
        "PDF\n15 B\nNo preview in a browser\nDownload PDF",
    ]
    await expect(placeholders.nth(1)).to_have_accessible_name(
        "QR code of eps-1: a EPS file of 1.2 kB, not shown here")
    sources = grid.locator(".qr-source")
    assert await sources.evaluate_all("s => s.map(e => e.tagName + ' ' + e.innerText)") == [
        "DIV EPS\n1.2 kB", "IMG "]
    saved = await grid.locator("a[download]").evaluate_all("links => links.map(a => a.download)")
    names = server_names(entries, UIDS)
    assert names == ["png_1.png", "svg-1.svg", "pdf-1.pdf", "eps-1.eps", "dyn-1.pdf",
                     "dyn-1--flyer.eps", "dyn-1--poster.png"]
    assert sorted(set(saved)) == sorted(names)
    async with page.expect_download() as download:
        await placeholders.nth(1).get_by_role("link", name="Download EPS").click()
    assert (await download.value).suggested_filename == "eps-1.eps"
    path = tmp_path / "saved.eps"
    await (await download.value).save_as(path)
    assert path.read_bytes() == EPS_BYTES
