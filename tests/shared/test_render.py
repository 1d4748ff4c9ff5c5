"""The renderer: images decode back to their payload; size, colours and formats are honoured."""

from __future__ import annotations

import base64
import io
import xml.etree.ElementTree as ET
import zlib

import numpy as np
import pytest
from PIL import Image

from shared.errors import RowInvalid
from shared.render import encode_matrix, module_px, render_batch, render_data_uri
from shared.rows.styling import Styling
from tests.api import decode_data_uri


def png_of(uri: str) -> Image.Image:
    return Image.open(io.BytesIO(base64.b64decode(uri.partition(",")[2])))


@pytest.mark.parametrize("level", ["L", "M", "Q", "H"])
def test_png_decodes_to_payload(level: str) -> None:
    payload = "WIFI:T:WPA;S:Home\\;Net;P:p\\;a\\,ss;;"
    assert decode_data_uri(render_data_uri(payload, Styling(error_correction=level))) == payload


def test_size_is_met_exactly_and_the_code_still_decodes() -> None:
    for size in (64, 300, 1000, 4096):
        uri = render_data_uri("https://example.com", Styling(size_px=size))
        assert png_of(uri).size == (size, size)
        assert decode_data_uri(uri) == "https://example.com"
    scaled = png_of(render_data_uri("hi", Styling(size_px=None, scale=3)))
    assert scaled.size == ((21 + 2 * 4) * 3,) * 2  # version 1: 21 modules, margin 4


def test_colours_and_transparency() -> None:
    image = png_of(render_data_uri("hi", Styling(dark=(10, 20, 30), light=None))).convert("RGBA")
    colours = {colour for _, colour in image.getcolors() or []}
    assert colours == {(10, 20, 30, 255), (255, 255, 255, 0)}


def test_svg_is_svg() -> None:
    uri = render_data_uri("hi", Styling(format="svg", dark=(255, 0, 0)))
    assert uri.startswith("data:image/svg+xml;base64,")
    root = ET.fromstring(base64.b64decode(uri.partition(",")[2]))
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.find("{http://www.w3.org/2000/svg}path").get("fill") == "#ff0000"  # type: ignore[union-attr]


def test_too_long_and_too_small_fail_with_a_message() -> None:
    with pytest.raises(RowInvalid, match="too long for a QR code at errorCorrection H"):
        render_data_uri("x" * 4000, Styling(error_correction="H"))
    with pytest.raises(RowInvalid, match=r"styling\.size 64px is too small for this content"):
        render_data_uri("x" * 500, Styling(size_px=64))
    assert render_batch([("x" * 4000, Styling())])[0][0] is False


@pytest.mark.parametrize(("size_px", "scale", "margin"),
                         [(300, None, 4), (101, None, 0), (517, None, 7), (None, 3, 1)])
def test_every_pixel_is_its_module(size_px: int | None, scale: int | None, margin: int) -> None:
    """The PNG writer maps pixels to modules through cached index maps; each pixel must
    show its module, with what the size leaves over split around the quiet zone."""
    modules = encode_matrix("https://example.com/r/0123456789", "M")
    styling = Styling(size_px=size_px, scale=scale, margin=margin)
    image = np.asarray(png_of(render_data_uri("https://example.com/r/0123456789", styling))
                       .convert("L")) < 128
    side = modules.shape[0] + 2 * margin
    px = module_px(side, styling)
    before = ((size_px or side * px) - side * px) // 2
    drawn = np.pad(modules, margin).repeat(px, 0).repeat(px, 1)
    expected = np.zeros_like(image)
    expected[before:before + side * px, before:before + side * px] = drawn
    assert image.shape == ((size_px or side * px),) * 2 and (image == expected).all()


@pytest.mark.parametrize("size_px", [200, 300, 360, 361, 800, 4096])
@pytest.mark.parametrize("payload", ["https://example.com/7", "y" * 300])
def test_the_faster_compression_costs_few_bytes_and_only_on_small_codes(
        size_px: int, payload: str) -> None:
    """Level 4 only where it compresses like level 6, on short scanlines; level 6 above
    (at 4096 px level 4 made an archive half as big again)."""
    png = base64.b64decode(render_data_uri(payload, Styling(size_px=size_px)).partition(",")[2])
    start = png.index(b"IDAT")
    stored = png[start + 4:start + 4 + int.from_bytes(png[start - 4:start])]
    level_6 = len(zlib.compress(zlib.decompress(stored), 6))
    assert len(stored) <= level_6 * 1.08 if size_px <= 360 else len(stored) == level_6
