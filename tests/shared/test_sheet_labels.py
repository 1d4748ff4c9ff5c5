"""Labels from archive images: plain codes become their modules again, branded ones pictures."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from PIL import Image

from shared import sheets
from shared.render import encode_matrix, render_data_uri
from shared.rows.styling import Styling, parse_styling
from shared.sheets.captions import MAX_CHARS, clean
from shared.sheets.modules import module_grid, modules_from_png

PAYLOAD = "https://bulkqr.example/r/Zx81Qw7e"
HUGE_PNG_HEADER = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + (50_000).to_bytes(4, "big") * 2


def modules_of(label: sheets.Label) -> sheets.Modules:
    assert isinstance(label.code, sheets.Modules)
    return label.code


@pytest.mark.parametrize(
    "styling",
    [
        {},
        {"format": "svg"},
        {"size": 1000},
        {"size": 64, "margin": 0},
        {"scale": 7},
        {"errorCorrection": "H", "margin": 10},
        {"format": "svg", "light": "transparent"},
    ],
)
def test_a_plain_code_gives_back_its_exact_modules(styling: dict[str, object]) -> None:
    level = str(styling.get("errorCorrection", "M"))
    code = modules_of(
        sheets.label_from_data_uri("c", render_data_uri(PAYLOAD, parse_styling(styling)))
    )
    assert np.array_equal(code.matrix, encode_matrix(PAYLOAD, level))


def test_colours_come_back_with_the_modules() -> None:
    png = render_data_uri(PAYLOAD, Styling(dark=(10, 20, 30), light=(250, 240, 200)))
    assert modules_of(sheets.label_from_data_uri("c", png)).dark == (10, 20, 30)
    assert modules_of(sheets.label_from_data_uri("c", png)).light == (250, 240, 200)
    clear = modules_of(
        sheets.label_from_data_uri("c", render_data_uri(PAYLOAD, Styling(light=None)))
    )
    assert clear.light is None
    svg = render_data_uri(PAYLOAD, parse_styling({"format": "svg", "dark": "#123456"}))
    assert modules_of(sheets.label_from_data_uri("c", svg)).dark == (0x12, 0x34, 0x56)


@pytest.mark.parametrize("styling", [{"modules": "dots"}, {"modules": "rounded", "format": "svg"}])
def test_a_branded_code_is_placed_as_a_picture(styling: dict[str, object]) -> None:
    label = sheets.label_from_data_uri("c", render_data_uri(PAYLOAD, parse_styling(styling)))
    assert isinstance(label.code, sheets.Picture)
    assert label.code.media_type in ("image/png", "image/svg+xml")


def test_an_image_that_is_not_exactly_modules_is_a_picture() -> None:
    uri = render_data_uri(PAYLOAD, Styling())
    png = base64.b64decode(uri.partition(",")[2])
    assert modules_from_png(png) is not None
    assert modules_from_png(png[:-20]) is None  # cut short
    assert modules_from_png(b"GIF89a" + png[8:]) is None
    rgb = io.BytesIO()
    Image.open(io.BytesIO(png)).convert("RGB").save(rgb, "PNG")
    assert modules_from_png(rgb.getvalue()) is None  # not a 1-bit palette
    pixels = np.repeat(np.repeat(np.pad(encode_matrix(PAYLOAD, "M"), 4), 3, 0), 3, 1)
    grid = module_grid(pixels)
    assert grid is not None and np.array_equal(grid, encode_matrix(PAYLOAD, "M"))
    pixels[40, 41] = ~pixels[40, 41]  # one pixel off: not whole modules any more
    assert module_grid(pixels) is None
    assert module_grid(np.zeros((90, 90), bool)) is None


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("data:application/pdf;base64,JVBERi0=", "a application/pdf image cannot be placed"),
        ("https://example.com/a.png", "not a data URI"),
        ("data:image/png;base64,@@@", "base64 is damaged"),
        ("data:image/png;base64," + base64.b64encode(HUGE_PNG_HEADER).decode(), "at most 4096 px"),
        ("data:image/png;base64,AAAA", "at most 4096 px"),
    ],
)
def test_images_that_cannot_be_placed_are_refused(uri: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        sheets.label_from_data_uri("c", uri)


def test_a_code_can_be_re_encoded_from_its_content() -> None:
    code = modules_of(sheets.label_from_payload("c", PAYLOAD, "Q"))
    assert np.array_equal(code.matrix, encode_matrix(PAYLOAD, "Q"))


@pytest.mark.parametrize(
    ("uid", "label", "caption"),
    [
        ("sku-1", "Box 1", "Box 1"),
        ("sku-1", "   ", "sku-1"),
        ("sku-1", None, "sku-1"),
        (42, None, "42"),
        (42, True, "42"),
        (None, 7, "7"),
        (None, None, ""),
        (None, ["x"], ""),
    ],
)
def test_caption_is_the_label_else_the_uid(uid: object, label: object, caption: str) -> None:
    assert sheets.caption_for(uid, label) == caption


def test_captions_are_cleaned_to_one_printable_line() -> None:
    assert clean("a\x00b\r\n\tc\x1b[31m\u2028d") == "a b c [31m d"
    assert clean("e\u0301") == "\u00e9"  # NFC
    assert clean("lone \ud800 surrogate") == "lone ? surrogate"
    long = clean("x" * 10_000)
    assert len(long) == MAX_CHARS and long.endswith("…")
