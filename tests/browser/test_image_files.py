"""The dashboard saves a QR image under its format's extension, the one the server's ZIP uses."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from playwright.async_api import BrowserContext

from gateway.dashboardpage import extensions
from shared.formats import registry
from shared.formats.registry import ImageFormat
from tests.browser.staticsite import ASSETS, dashboard_page

MODULE = Path(__file__).resolve().parents[2] / "gateway" / "static" / "imagefiles.js"
EXTENSION_OF = """async ([module, uris]) => {
  const { EXTENSIONS, extension } = await import(module);
  return [EXTENSIONS, uris.map((uri) => extension(uri))];
}"""


async def run_module(context: BrowserContext, uris: list[str]) -> tuple[dict[str, str], list[str]]:
    """gateway/static/imagefiles.js run in Chromium: its table, and its answer for each URI."""
    page = await context.new_page()
    module = "data:text/javascript;charset=utf-8," + quote(MODULE.read_text())
    table, named = await page.evaluate(EXTENSION_OF, [module, uris])
    await page.close()
    return table, named


async def test_every_format_the_server_renders_is_saved_under_its_own_extension(
        context: BrowserContext) -> None:
    """PDF and EPS included, which the preview used to save as `.png`; the dashboard's
    table is the renderer's, each media type named by its format."""
    formats = sorted(registry.formats(), key=lambda fmt: fmt.name)
    assert [fmt.name for fmt in formats] == ["eps", "pdf", "png", "svg"]
    uris = [f"data:{fmt.media_type};base64,AAAA" for fmt in formats]
    table, named = await run_module(context, uris)
    assert named == [fmt.extension.removeprefix(".") for fmt in formats]
    assert table == {fmt.media_type: fmt.extension.removeprefix(".") for fmt in formats}


async def test_the_media_type_is_read_as_the_server_reads_it(context: BrowserContext) -> None:
    uris = ["data:image/SVG+XML;charset=utf-8,%3Csvg%2F%3E", "data: application/pdf ;base64,",
            "data:image/webp;base64,AAAA", "data:,text", "data:constructor,x",
            "https://example.com/a.png", "data:image/png"]
    _, named = await run_module(context, uris)
    assert named == ["svg", "pdf", "bin", "bin", "bin", "bin", "bin"]


THROWAWAY = (ImageFormat("xtest", "image/x-bulkqr-test", ".xqr", vector=False,
                         writer="tests.none:none"),
             ImageFormat("xhostile", 'image/x-</script><!--"&', ".xh", vector=True,
                         writer="tests.none:none"))
PAGE_TABLE = """async ([module, uris, entries]) => {
  const { EXTENSIONS, extension } = await import(module + "imagefiles.js");
  const { imageFiles } = await import(module + "names.js");
  const names = imageFiles(entries, entries.map(() => null)).flat().map((file) => file.name);
  return [EXTENSIONS, uris.map((uri) => extension(uri)), names];
}"""


async def test_the_page_carries_the_registry_with_the_formats_a_deployment_adds(
        context: BrowserContext) -> None:
    """The dashboard's page holds the registry's table (gateway/dashboardpage.py), so a
    format registered at start is saved under its own extension, not `.bin`; a media
    type that reads as HTML stays inside the JSON block."""
    for fmt in THROWAWAY:
        registry.register(fmt)
    try:
        expected = extensions()
        page = await dashboard_page(context)
        uris = [f"data:{fmt.media_type};base64,AAAA" for fmt in (*THROWAWAY, registry.PNG)]
        entries = [{"uid": "made-up", "QRs": uris[0]}, {"uid": "png", "QRs": uris[2]}]
        table, named, files = await page.evaluate(PAGE_TABLE, [ASSETS, uris, entries])
    finally:
        for fmt in THROWAWAY:
            registry.unregister(fmt.name)
    assert table == expected
    assert expected["image/x-bulkqr-test"] == "xqr" and len(expected) == 6
    assert named == ["xqr", "xh", "png"]
    assert files == ["made-up.xqr", "png.png"]
    assert await page.locator("script").count() == 2
