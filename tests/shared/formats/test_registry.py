"""The format registry: built-in entries, registering and removing one, clashes refused, a
writer found by its name, a leaf to import; format modules loaded at start or refused."""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Iterator

import numpy as np
import pytest
import zxingcpp
from PIL import Image

from shared import formatplugins
from shared.errors import RowInvalid
from shared.formats import registry
from shared.formats.archive import decode_format
from shared.formats.registry import FormatClash, ImageFormat
from shared.render import render_data_uri, render_job
from shared.renderpool import RenderPool
from shared.rows.styling import parse_styling
from shared.settings import Settings
from tests.children import spawn

PLUGIN, CLASH = "tests.formatplugin_ppm", "tests.formatplugin_clash"
TIFF = ImageFormat("tiff", "image/tiff", ".tiff", vector=False, writer="tests.nowhere:tiff")


@pytest.fixture(autouse=True)
def registry_as_built() -> Iterator[None]:
    """Each test starts from, and leaves, the built-in formats and no module loaded."""
    yield
    for name in ("tiff", "ppm"):
        registry.unregister(name)
    sys.modules.pop(PLUGIN, None)


@pytest.fixture
def none_loaded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(formatplugins, "_loaded", [])


def test_the_built_in_formats() -> None:
    assert registry.names() == ("png", "svg", "pdf", "eps")
    assert [fmt.media_type for fmt in registry.formats()] == [
        "image/png", "image/svg+xml", "application/pdf", "application/postscript"]
    assert [fmt.name for fmt in registry.formats() if fmt.plain] == ["png", "svg"]
    assert [fmt.name for fmt in registry.formats() if fmt.sheet] == ["png", "svg"]
    assert [fmt.name for fmt in registry.formats() if fmt.vector] == ["svg", "pdf", "eps"]
    assert registry.by_name("pdf") is registry.PDF
    assert registry.by_media_type("application/postscript") is registry.EPS
    assert registry.by_name("gif") is None and registry.by_media_type("image/gif") is None


def test_a_registered_format_is_found_and_removed() -> None:
    assert registry.register(TIFF) is TIFF
    assert registry.register(TIFF) is TIFF  # the same entry again: a no-op
    assert registry.names()[-1] == "tiff"
    assert registry.by_name("tiff") is TIFF
    assert registry.by_media_type("image/tiff") is TIFF
    registry.unregister("tiff")
    assert registry.by_name("tiff") is None and registry.by_media_type("image/tiff") is None
    assert registry.names() == ("png", "svg", "pdf", "eps")


@pytest.mark.parametrize("clash", [
    ImageFormat("tiff", "image/tiff-fx", ".tif", vector=False, writer="m:f"),  # its name
    ImageFormat("tif", "image/tiff", ".tif", vector=False, writer="m:f"),  # its media type
    ImageFormat("png", "image/apng", ".apng", vector=False, writer="m:f"),  # a built-in's name
])
def test_a_clash_is_refused(clash: ImageFormat) -> None:
    registry.register(TIFF)
    with pytest.raises(FormatClash, match="is registered already"):
        registry.register(clash)
    assert registry.by_name("tiff") is TIFF
    assert registry.by_name("tif") is None and registry.by_name("png") is registry.PNG


@pytest.mark.parametrize(("bad", "message"), [
    (ImageFormat("ti ff", "image/tiff", ".tiff", vector=False, writer="m:f"), "a plain name"),
    (ImageFormat("tiff", "image/tiff", "tiff", vector=False, writer="m:f"), "dotted extension"),
    (ImageFormat("tiff", "image/tiff", ".tiff", vector=False, writer="m:f", plain=True),
     "plain and sheet are png's and svg's"),
    (ImageFormat("tiff", "image/tiff", ".tiff", vector=False, writer="m:f", sheet=True),
     "plain and sheet are png's and svg's"),
])
def test_a_malformed_entry_is_refused(bad: ImageFormat, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        registry.register(bad)
    assert registry.by_name("tiff") is None


def test_a_built_in_format_cannot_be_removed() -> None:
    with pytest.raises(ValueError, match="built in"):
        registry.unregister("png")
    assert registry.by_name("png") is registry.PNG


def test_a_format_writes_through_the_function_it_names(none_loaded: None) -> None:
    formatplugins.load([PLUGIN])
    ppm = registry.by_name("ppm")
    assert ppm is not None and ppm.media_type == "image/x-portable-pixmap"
    pixels = np.zeros((3, 5, 4), np.uint8)
    pixels[1, 2] = (10, 20, 30, 0)  # alpha is dropped
    image = Image.open(io.BytesIO(ppm.write(pixels)))
    assert (image.format, image.size, image.mode) == ("PPM", (5, 3), "RGB")
    assert image.getpixel((2, 1)) == (10, 20, 30) and image.getpixel((0, 0)) == (0, 0, 0)
    assert registry.SVG.write(b"<svg/>") == b"<svg/>"


def test_a_loaded_format_is_validated_drawn_and_decoded(none_loaded: None) -> None:
    with pytest.raises(RowInvalid, match=r"styling\.format must be png, svg, pdf or eps$"):
        parse_styling({"format": "ppm"})
    formatplugins.load([PLUGIN])
    styling = parse_styling({"format": "ppm", "size": 120})
    assert styling.brand is not None  # no fast path: the branded pipeline draws it
    data_uri = render_data_uri("https://example.com/ppm", styling)
    assert data_uri.startswith("data:image/x-portable-pixmap;base64,")
    fmt, data = decode_format(data_uri)
    assert fmt is registry.by_name("ppm")
    image = Image.open(io.BytesIO(data))
    assert (image.format, image.size) == ("PPM", (120, 120))
    found = zxingcpp.read_barcode(image)
    assert found is not None and found.text == "https://example.com/ppm"
    with pytest.raises(RowInvalid, match=r"styling\.format must be png, svg, pdf, eps or ppm$"):
        parse_styling({"format": "gif"})


async def test_a_render_process_loads_the_modules_its_parent_loaded(none_loaded: None) -> None:
    """Its processes are spawned: they start with the built-in formats only."""
    formatplugins.load([PLUGIN])
    pool = RenderPool(1, budget_s=30.0)
    try:
        ok, data_uri = await pool.run(render_job, ("https://example.com/pool", parse_styling(
            {"format": "ppm", "size": 96})))
    finally:
        await pool.close()
    assert ok, data_uri
    fmt, data = decode_format(data_uri)
    assert fmt.name == "ppm" and Image.open(io.BytesIO(data)).size == (96, 96)


def test_the_setting_names_modules_by_commas_or_as_a_list(monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    for text in ("tests.formatplugin_ppm, acme.formats.webp", '["tests.formatplugin_ppm",'
                 ' "acme.formats.webp"]'):
        monkeypatch.setenv("BULKQR_FORMAT_MODULES", text)
        assert Settings().format_modules == [PLUGIN, "acme.formats.webp"]
    monkeypatch.delenv("BULKQR_FORMAT_MODULES")
    assert Settings().format_modules == []


def test_a_format_module_is_loaded_once(none_loaded: None) -> None:
    formatplugins.load([PLUGIN, PLUGIN])
    formatplugins.load([PLUGIN])
    assert formatplugins.loaded() == (PLUGIN,)
    assert registry.names() == ("png", "svg", "pdf", "eps", "ppm")


@pytest.mark.parametrize(("module", "message"), [
    ("tests.formatplugin_nowhere", r"'tests.formatplugin_nowhere' .* failed to load: "
                                   r"ModuleNotFoundError"),
    (CLASH, r"'tests.formatplugin_clash' .* clashes: image format 'png2' \(image/png\) is "
            r"registered already"),
])
def test_a_module_that_fails_stops_the_load(none_loaded: None, module: str, message: str
                                            ) -> None:
    with pytest.raises(formatplugins.FormatModuleError, match=message):
        formatplugins.load([module, PLUGIN])
    assert formatplugins.loaded() == ()
    assert registry.names() == ("png", "svg", "pdf", "eps")


LEAF_CHECK = """
import sys
from shared.formats import registry
assert registry.by_media_type("application/pdf").extension == ".pdf"
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("shared", "numpy", "client"))
print(",".join(loaded))
"""


def test_the_registry_is_read_without_loading_the_renderer() -> None:
    """The client reads the table; the writers are named, not imported."""
    child = spawn([sys.executable, "-c", LEAF_CHECK], "registry-leaf", stdout=subprocess.PIPE)
    out, _ = child.popen.communicate(timeout=60)
    assert child.popen.returncode == 0
    assert out.decode().strip().split(",") == ["shared", "shared.formats",
                                               "shared.formats.registry"]
