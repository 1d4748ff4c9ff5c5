"""Every module shape, eye shape, logo kind and frame renders in every format and scans."""

from __future__ import annotations

import io
import itertools
import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from pypdf import PdfReader

from shared.brand.options import EYE_SHAPES, MODULE_SHAPES
from shared.render import render_data_uri
from tests.shared.brandkit import (
    SVG_LOGO,
    body_of,
    decode_pdf,
    decode_png,
    decode_svg,
    png_logo,
    styled,
)

PAYLOAD = "https://bulkqr.example/r/Ab3dE6gH"
LOGOS: dict[str, bytes | None] = {"none": None, "png": png_logo(), "svg": SVG_LOGO}
FRAMES: dict[str, dict[str, Any] | None] = {
    "none": None, "frame": {"style": "box", "text": "Scan me", "color": "#102040"}}
VECTORS = ("svg", "pdf", "eps")
# 6 module shapes x 4 eye shapes = 24 cases; logo kind and frame rotate so that every
# (logo, frame) pair appears 4 times, and each case also renders one vector format.
CASES = [
    (modules, eyes, list(LOGOS)[i % 3], list(FRAMES)[(i // 3) % 2], VECTORS[i % 3])
    for i, (modules, eyes) in enumerate(itertools.product(MODULE_SHAPES, EYE_SHAPES))
]
FRAME_STYLES = ("box", "banner", "rounded")


def test_the_sample_covers_every_value_of_every_axis() -> None:
    for axis, values in enumerate((MODULE_SHAPES, EYE_SHAPES, LOGOS, FRAMES, VECTORS)):
        assert {case[axis] for case in CASES} == set(values)
    assert {(case[2], case[3]) for case in CASES} == set(itertools.product(LOGOS, FRAMES))


@pytest.mark.parametrize(("modules", "eyes", "logo", "frame", "vector"), CASES)
def test_branded_code_renders_and_scans(modules: str, eyes: str, logo: str, frame: str,
                                        vector: str) -> None:
    raw: dict[str, Any] = {"modules": modules, "eyes": {"shape": eyes, "color": "#7a0019"},
                           "gradient": {"type": "linear", "from": "#0d1b4c", "to": "#3b0a45",
                                        "angle": 30}}
    if LOGOS[logo] is not None:
        raw["logo"] = "asset_" + "0" * 32
    if FRAMES[frame] is not None:
        raw["frame"] = FRAMES[frame]
    mime, png = body_of(render_data_uri(PAYLOAD, styled(raw, LOGOS[logo])))
    assert mime == "image/png"
    assert decode_png(png) == PAYLOAD
    mime, data = body_of(render_data_uri(PAYLOAD, styled({**raw, "format": vector},
                                                         LOGOS[logo])))
    if vector == "svg":
        assert mime == "image/svg+xml"
        assert_safe_svg(data)
        assert decode_svg(data) == PAYLOAD
    elif vector == "pdf":
        assert mime == "application/pdf"
        assert decode_pdf(data) == PAYLOAD
    else:
        assert mime == "application/postscript"
        assert data.startswith(b"%!PS-Adobe-3.0 EPSF-3.0")
        assert b"%%BoundingBox: 0 0 300 " in data


def assert_safe_svg(data: bytes) -> None:
    root = ET.fromstring(data)  # well-formed
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    names = {element.tag.rpartition("}")[2] for element in root.iter()}
    assert not names & {"script", "foreignObject"}
    for element in root.iter():
        assert not any(key.lower().startswith("on") for key in element.attrib)
        href = element.get("href", "#")
        assert href.startswith(("#", "data:image/png;base64,", "data:image/svg+xml;base64,"))


@pytest.mark.parametrize("style", FRAME_STYLES)
def test_pdf_page_is_the_size_asked_and_every_frame_style_scans(style: str) -> None:
    raw = {"format": "pdf", "size": 400, "frame": {"style": style, "text": "Scan for menu"}}
    _, data = body_of(render_data_uri(PAYLOAD, styled(raw)))
    page = PdfReader(io.BytesIO(data)).pages[0]
    width_pt, height_pt = float(page.mediabox.width), float(page.mediabox.height)
    assert width_pt == pytest.approx(400, abs=1)
    assert height_pt > width_pt  # the frame's text strip below the code
    assert decode_pdf(data) == PAYLOAD


def test_pdf_without_frame_is_square_and_vector() -> None:
    _, data = body_of(render_data_uri(PAYLOAD, styled({"format": "pdf", "size": 250})))
    page = PdfReader(io.BytesIO(data)).pages[0]
    assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx((250, 250),
                                                                                      abs=1)
    assert not re.search(rb"/Subtype\s*/Image", data)  # drawn as paths, not a bitmap


@pytest.mark.parametrize("kind", ["linear", "radial"])
def test_gradients_and_transparent_logo_background(kind: str) -> None:
    raw = {"gradient": {"type": kind, "from": "#000000", "to": "#1a237e"},
           "logo": "asset_" + "0" * 32, "logoBackground": "transparent", "logoSize": 0.25,
           "logoPadding": 2, "modules": "dots", "light": "#fffbe6"}
    _, png = body_of(render_data_uri(PAYLOAD, styled(raw, png_logo())))
    assert decode_png(png) == PAYLOAD
