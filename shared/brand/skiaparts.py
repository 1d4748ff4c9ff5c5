"""The skia-drawn parts of a branded raster: frame, eyes, logo, the fill, module stamps."""

from __future__ import annotations

import functools
import math
from collections import OrderedDict

import numpy as np
import numpy.typing as npt
import skia

from shared.brand.colour import Rgb
from shared.brand.geometry import Layout, Shape, module_shape
from shared.brand.options import Brand, Logo
from shared.brand.paint import Fill, Paints
from shared.brand.svgdoc import padded
from shared.brand.text import fitted, typeface

Pixels = npt.NDArray[np.uint8]  # height x width x 4 (RGBA, unpremultiplied) or 3 (RGB)
LOGO_CACHE_ENTRIES = 32
_logos: OrderedDict[str, skia.Image | skia.SVGDOM] = OrderedDict()


def fixed_parts(shape: Layout, brand: Brand, paint: Paints, size_px: tuple[int, int]) -> Pixels:
    """Everything but the data modules: background, frame, eye rings and centres, logo."""
    canvas, surface = _canvas(shape, size_px)
    canvas.clear(_colour(paint.light) if paint.light else skia.ColorTRANSPARENT)
    _frame(canvas, shape, brand)
    rings = skia.Path()
    rings.setFillType(skia.PathFillType.kEvenOdd)
    for outer, inner in shape.eye_rings:
        _add(rings, outer)
        _add(rings, inner)
    canvas.drawPath(rings, _paint(paint.eye_rings))
    _fill(canvas, shape.eye_centres, paint.eye_centres)
    _logo(canvas, shape, brand, paint)
    return _pixels(surface)


def fill_pixels(shape: Layout, fill: Fill, size_px: tuple[int, int]) -> Pixels:
    """The dark modules' colour at every pixel: flat, or the gradient across the code."""
    canvas, surface = _canvas(shape, size_px)
    canvas.drawPaint(_paint(fill))
    return _pixels(surface)


@functools.cache
def stamps(module: str, stamp_px: int) -> Pixels:
    """Coverage of one module, drawn by skia: [empty, alone, after one, before one, inside]."""
    cells = [np.zeros((stamp_px, stamp_px), np.uint8)]
    for before, after in ((False, False), (True, False), (False, True), (True, True)):
        surface = skia.Surface.MakeRaster(skia.ImageInfo.MakeA8(stamp_px, stamp_px))
        canvas = surface.getCanvas()
        canvas.scale(stamp_px, stamp_px)
        path = skia.Path()
        _add(path, module_shape(module, before, after))
        canvas.drawPath(path, skia.Paint(AntiAlias=True))
        cells.append(surface.makeImageSnapshot().toarray(colorType=skia.kAlpha_8_ColorType)
                     .reshape(stamp_px, stamp_px))
    return np.stack(cells)


def _canvas(shape: Layout, size_px: tuple[int, int]) -> tuple[skia.Canvas, skia.Surface]:
    surface = skia.Surface.MakeRaster(skia.ImageInfo.Make(
        *size_px, skia.kRGBA_8888_ColorType, skia.kUnpremul_AlphaType))
    canvas = surface.getCanvas()
    scale = size_px[0] / shape.width
    canvas.scale(scale, scale)
    return canvas, surface


def _pixels(surface: skia.Surface) -> Pixels:
    pixels: Pixels = surface.makeImageSnapshot().toarray(colorType=skia.kRGBA_8888_ColorType)
    return pixels


def _fill(canvas: skia.Canvas, shapes: list[Shape], fill: Fill) -> None:
    path = skia.Path()
    for shape in shapes:
        _add(path, shape)
    canvas.drawPath(path, _paint(fill))


def _add(path: skia.Path, shape: Shape) -> None:
    x, y, w, h, radii = shape
    rect = skia.Rect.MakeXYWH(x, y, w, h)
    if not any(radii):
        path.addRect(rect)
    elif len(set(radii)) == 1:
        path.addRRect(skia.RRect.MakeRectXY(rect, radii[0], radii[0]))
    else:
        rrect = skia.RRect()
        rrect.setRectRadii(rect, [skia.Point(r, r) for r in radii])
        path.addRRect(rrect)


def _paint(fill: Fill) -> skia.Paint:
    paint = skia.Paint(AntiAlias=True, Color=_colour(fill.colour))
    gradient = fill.gradient
    if gradient is not None:
        colours = [_colour(gradient.start), _colour(gradient.end)]
        if gradient.type == "radial":
            paint.setShader(skia.GradientShader.MakeRadial(
                skia.Point(*fill.start), fill.radius, colours))
        else:
            paint.setShader(skia.GradientShader.MakeLinear(
                [skia.Point(*fill.start), skia.Point(*fill.end)], colours))
    return paint


def _frame(canvas: skia.Canvas, shape: Layout, brand: Brand) -> None:
    if shape.frame is None or brand.frame is None:
        return
    path = skia.Path()
    path.setFillType(skia.PathFillType.kEvenOdd)
    _add(path, (*shape.frame, (shape.frame_radius,) * 4))
    if brand.frame.style != "banner":
        x, y, side, _ = shape.code
        path.addRect(skia.Rect.MakeXYWH(x, y, side, side))
    canvas.drawPath(path, skia.Paint(AntiAlias=True, Color=_colour(brand.frame.color)))
    if brand.frame.text and shape.text_box:
        size, x, baseline = fitted(brand.frame.text, shape.text_box)
        font = skia.Font(typeface(), size)
        font.setSubpixel(True)
        font.setLinearMetrics(True)
        font.setHinting(skia.FontHinting.kNone)
        left = x - font.measureText(brand.frame.text) / 2
        canvas.drawString(brand.frame.text, left, baseline, font,
                          skia.Paint(AntiAlias=True, Color=_colour(brand.frame.text_color)))


def _logo(canvas: skia.Canvas, shape: Layout, brand: Brand, paint: Paints) -> None:
    if shape.logo is None or brand.logo is None:
        return
    if paint.logo_background:
        x, y, w, h = padded(shape.logo, brand.logo_padding)
        canvas.drawRect(skia.Rect.MakeXYWH(x, y, w, h),
                        skia.Paint(Color=_colour(paint.logo_background)))
    x, y, w, h = shape.logo
    image = _decoded(brand.logo)
    if isinstance(image, skia.SVGDOM):
        size = image.containerSize()
        scale = min(w / size.width(), h / size.height())
        canvas.save()
        canvas.translate(x + (w - size.width() * scale) / 2, y + (h - size.height() * scale) / 2)
        canvas.scale(scale, scale)
        image.render(canvas)
        canvas.restore()
        return
    scale = min(w / image.width(), h / image.height())
    dw, dh = image.width() * scale, image.height() * scale
    canvas.drawImageRect(image, skia.Rect.MakeXYWH(x + (w - dw) / 2, y + (h - dh) / 2, dw, dh),
                         skia.SamplingOptions(skia.FilterMode.kLinear))


def _decoded(logo: Logo) -> skia.Image | skia.SVGDOM:
    """The logo ready to draw, cached by digest: a batch draws one logo thousands of times."""
    found = _logos.pop(logo.sha256, None)
    if found is None:
        if logo.kind == "svg":
            found = skia.SVGDOM.MakeFromStream(skia.MemoryStream(logo.data))
        else:
            found = skia.Image.MakeFromEncoded(skia.Data.MakeWithCopy(logo.data))
        if found is None:
            raise ValueError("the logo could not be decoded")
    _logos[logo.sha256] = found
    while len(_logos) > LOGO_CACHE_ENTRIES:
        _logos.popitem(last=False)
    return found


def _colour(rgb: Rgb) -> int:
    return int(skia.Color(*rgb))


def height_px(shape: Layout, width_px: int) -> int:
    """The image's height for `width_px`: the frame's strip makes it taller than wide."""
    return max(1, math.ceil(width_px * shape.height / shape.width - 1e-6))
