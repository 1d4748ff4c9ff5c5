"""Branding that would not scan fails the row with a message; bad fields and assets are named."""

from __future__ import annotations

import struct
import zlib
from typing import Any

import pytest

from shared.brand.assetcheck import AssetRefused, check_asset
from shared.brand.logos import from_data_uri
from shared.errors import RowInvalid
from shared.render import render_batch, render_data_uri
from shared.rows.styling import Styling, parse_styling
from tests.shared.brandkit import png_logo, styled

PAYLOAD = "https://bulkqr.example/r/Ab3dE6gH"
SVG_HEAD = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '


def test_a_logo_too_big_for_level_l_fails_the_row_naming_logo_size() -> None:
    styling = styled({"logo": "asset_x", "logoSize": 0.3, "errorCorrection": "L"}, png_logo())
    ok, message = render_batch([(PAYLOAD, styling)])[0]
    assert ok is False
    assert "styling.logoSize" in message and "errorCorrection L" in message
    assert getattr(message, "status", None) == 400


def test_grey_on_grey_fails_the_row_naming_the_contrast() -> None:
    styling = parse_styling({"dark": "#777", "light": "#888", "modules": "rounded"})
    ok, message = render_batch([(PAYLOAD, styling)])[0]
    assert ok is False
    assert "styling.dark #777777 on #888888" in message and "3:1" in message


def test_a_pale_gradient_end_and_pale_eyes_are_named() -> None:
    with pytest.raises(RowInvalid, match=r"styling\.gradient #eeeeee"):
        render_data_uri(PAYLOAD, parse_styling(
            {"gradient": {"type": "linear", "from": "#000", "to": "#eee"}}))
    with pytest.raises(RowInvalid, match=r"styling\.eyes\.innerColor"):
        render_data_uri(PAYLOAD, parse_styling({"eyes": {"innerColor": "#f0f0f0"}}))


def test_a_logo_raises_error_correction_to_h_unless_the_row_sets_it() -> None:
    assert parse_styling({"logo": "asset_ab"}).error_correction == "H"
    assert parse_styling({"logo": "asset_ab", "errorCorrection": "Q"}).error_correction == "Q"
    assert parse_styling({"modules": "dots"}).error_correction == "M"


def test_plain_styling_has_no_brand_so_the_fast_path_is_kept() -> None:
    assert parse_styling({"format": "svg", "dark": "#123456"}).brand is None
    assert parse_styling({"format": "pdf"}).brand is not None
    assert render_data_uri(PAYLOAD, Styling()).startswith("data:image/png;base64,iVBOR")


@pytest.mark.parametrize(("raw", "message"), [
    ({"modules": "hearts"}, "styling.modules must be one of square, rounded"),
    ({"eyes": "round"}, "styling.eyes must be an object"),
    ({"eyes": {"shape": "star"}}, "styling.eyes.shape must be one of"),
    ({"eyes": {"color": "red"}}, "styling.eyes.color must be a hex colour"),
    ({"gradient": {"type": "conic", "from": "#000", "to": "#111"}}, "styling.gradient.type"),
    ({"gradient": {"from": "#000"}}, "styling.gradient.to is required"),
    ({"gradient": {"from": "#000", "to": "#111", "angle": "x"}}, "styling.gradient.angle"),
    ({"logo": "https://example.com/logo.png"}, "upload the image with POST /api/assets"),
    ({"logo": 7}, "styling.logo must be an assetId"),
    ({"logoSize": 0.5}, "styling.logoSize must be a number from 0.1 to 0.3"),
    ({"logoPadding": 5}, "styling.logoPadding must be an integer from 0 to 4"),
    ({"logoBackground": "blue"}, "styling.logoBackground must be a hex colour"),
    ({"frame": {"style": "cloud"}}, "styling.frame.style must be one of box, banner"),
    ({"frame": {"text": "x" * 41}}, "styling.frame.text must be printable text of at most 40"),
    ({"frame": {"textColor": "#12"}}, "styling.frame.textColor must be a hex colour"),
    ({"format": "gif"}, "styling.format must be png, svg, pdf or eps"),
])
def test_bad_branding_fields_are_named(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(RowInvalid, match=message):
        parse_styling(raw)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def huge_png(width: int, height: int) -> bytes:
    """A small file that claims a huge image: a decompression bomb's header."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(
        b"IDAT", zlib.compress(b"\0" * 100_000)) + _chunk(b"IEND", b"")


@pytest.mark.parametrize(("data", "message", "status"), [
    ((SVG_HEAD + 'viewBox="0 0 9 9"><script>alert(1)</script></svg>').encode(), "<script>", 400),
    ((SVG_HEAD + 'viewBox="0 0 9 9" onload="alert(1)"/>').encode(), "onload", 400),
    ((SVG_HEAD + 'viewBox="0 0 9 9"><image xlink:href="https://evil.example/x.png"/></svg>'
      ).encode(), "references outside the file", 400),
    ((SVG_HEAD + 'viewBox="0 0 9 9"><a href="javascript:alert(1)"/></svg>').encode(),
     "javascript:", 400),
    ((SVG_HEAD + 'viewBox="0 0 9 9"><foreignObject/></svg>').encode(), "foreignObject", 400),
    (b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
     + (SVG_HEAD + '>&x;</svg>').encode(), "DOCTYPE", 400),
    (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;">]>'
     + (SVG_HEAD + '>&b;</svg>').encode(), "entities", 400),
    (huge_png(30_000, 30_000), "more pixels than 4096x4096", 400),
    (huge_png(5000, 100), "5000x100 px; the largest accepted is 4096x4096", 400),
    (b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script></html>", "could not be decoded", 400),
    (b"<!doctype html><html></html>", "not well-formed", 400),
    (b"GIF89a....", "not a PNG, JPEG, WebP or SVG", 415),
    (b"\x89PNG\r\n\x1a\n" + b"\0" * (1024 * 1024 + 1), "larger than 1048576 bytes", 413),
])
def test_bad_assets_are_refused_with_a_reason(data: bytes, message: str, status: int) -> None:
    with pytest.raises(AssetRefused, match=message) as refused:
        check_asset(data)
    assert refused.value.status == status


def test_rasters_are_re_encoded_and_svgs_get_a_size() -> None:
    checked = check_asset(png_logo())
    assert (checked.kind, checked.width, checked.height) == ("png", 80, 80)
    svg = check_asset((SVG_HEAD + 'viewBox="0 0 120 60"><rect width="9" height="9"/></svg>'
                       ).encode())
    assert (svg.kind, svg.width, svg.height) == ("svg", 120, 60)
    assert b'width="120"' in svg.data


def test_a_data_uri_logo_that_is_not_an_image_fails_naming_the_field() -> None:
    with pytest.raises(RowInvalid, match=r"styling\.logo: the file is not"):
        from_data_uri("data:image/png;base64,R0lGODlh")
    with pytest.raises(RowInvalid, match=r"styling\.logo: the data URI is not valid base64"):
        from_data_uri("data:image/png;base64,@@@")
