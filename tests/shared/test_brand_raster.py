"""The branded raster: the PNG draws what the SVG draws, straight alpha over a transparent
background, the shared parts drawn once per styling and size, the PNG writer lossless."""

from __future__ import annotations

import io
from typing import Any

import cairosvg
import numpy as np
import pytest
from PIL import Image

from shared.brand import pngwrite, raster, skiaparts
from shared.brand.options import MODULE_SHAPES
from shared.render import render_data_uri
from tests.shared.brandkit import body_of, png_logo, styled

PAYLOAD = "https://bulkqr.example/r/Ab3dE6gH"
GRADIENT = {"type": "radial", "from": "#0d1b4c", "to": "#6a1b9a"}


def pixels(raw: dict[str, Any], logo: bytes | None = None) -> np.ndarray:
    _, data = body_of(render_data_uri(PAYLOAD, styled(raw, logo)))
    image = Image.open(io.BytesIO(data))
    image.load()
    return np.asarray(image.convert("RGBA")).astype(np.int16)


@pytest.mark.parametrize("modules", MODULE_SHAPES)
def test_the_png_draws_what_the_svg_draws(modules: str) -> None:
    raw = {"modules": modules, "gradient": GRADIENT, "eyes": {"shape": "rounded"},
           "logo": "asset_" + "0" * 32, "frame": {"style": "box", "text": "Scan me"},
           "size": 300}
    png = pixels(raw, png_logo())
    _, svg = body_of(render_data_uri(PAYLOAD, styled({**raw, "format": "svg"}, png_logo())))
    reference = np.asarray(Image.open(io.BytesIO(cairosvg.svg2png(bytestring=svg)))
                           .convert("RGBA")).astype(np.int16)
    assert png.shape[1] == reference.shape[1]
    assert abs(png.shape[0] - reference.shape[0]) <= 1  # the frame's height: ceil or round
    rows = min(png.shape[0], reference.shape[0])
    difference = np.abs(png[:rows] - reference[:rows]).max(axis=2)
    # The two differ along anti-aliased edges only (measured: mean 0.6-5.2 levels, 0.1-0.2 %
    # of pixels off by more than 96). The whole drawing a pixel to the side gives a mean of
    # 10-15 and 5-6 % of pixels off by more than 96.
    assert difference.mean() < 7.0, difference.mean()
    assert (difference > 96).mean() < 0.01, (difference > 96).mean()


def test_a_transparent_background_keeps_straight_colour_on_edges() -> None:
    image = pixels({"modules": "dots", "dark": "#0d1b4c", "light": "transparent",
                    "eyes": {"shape": "circle"}})
    alpha = image[..., 3]
    assert alpha[0, 0] == 0 and alpha.max() == 255
    edges = (alpha > 0) & (alpha < 255)
    assert edges.sum() > 1000  # dots and circles: many anti-aliased pixels
    # Straight (unpremultiplied) alpha: a half-covered pixel is the code's colour, half
    # opaque; premultiplying by mistake would darken it towards black.
    assert np.abs(image[edges][:, :3] - (0x0D, 0x1B, 0x4C)).max() <= 2


def test_the_shared_parts_are_drawn_once_per_styling_and_size(
        monkeypatch: pytest.MonkeyPatch) -> None:
    drawn: list[int] = []
    real = skiaparts.fixed_parts

    def counted(*args: Any) -> Any:
        drawn.append(1)
        return real(*args)

    monkeypatch.setattr(raster, "fixed_parts", counted)  # as raster.py looks it up
    monkeypatch.setattr(raster, "_fixed_cache", type(raster._fixed_cache)())
    styling = styled({"modules": "rounded", "gradient": GRADIENT, "size": 240})
    uris = {render_data_uri(f"https://bulkqr.example/r/code{i:04d}", styling)
            for i in range(12)}
    assert len(uris) == 12  # twelve different codes ...
    assert len(drawn) == 1  # ... over one drawing of what they share
    render_data_uri(PAYLOAD, styled({"modules": "rounded", "gradient": GRADIENT,
                                     "size": 241}))
    assert len(drawn) == 2


def test_the_cache_of_shared_parts_stays_within_its_budget(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(raster, "_fixed_cache", type(raster._fixed_cache)())
    monkeypatch.setattr(raster, "FIXED_CACHE_BYTES", 2_000_000)
    for size_px in range(200, 400, 10):
        render_data_uri(PAYLOAD, styled({"modules": "dots", "size": size_px}))
    entries = list(raster._fixed_cache.values())
    assert 2 <= len(entries) < 20
    assert sum(entry.size_bytes for entry in entries) <= 2_000_000
    render_data_uri(PAYLOAD, styled({"modules": "dots", "size": 1200}))  # > a quarter
    assert all(entry.base.width < 1200 for entry in raster._fixed_cache.values())


@pytest.mark.parametrize("mode", ["RGB", "RGBA"])
def test_the_png_writer_is_lossless(mode: str) -> None:
    noise = np.random.default_rng(7).integers(0, 256, (37, 53, len(mode)), dtype=np.uint8)
    decoded = Image.open(io.BytesIO(pngwrite.png_bytes(noise)))
    assert decoded.mode == mode
    assert np.array_equal(np.asarray(decoded), noise)
