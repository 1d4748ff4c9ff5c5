"""Draw a Layout with skia (~1-3 ms a 300 px code, against 13+ ms parsing the same SVG)."""

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

Pixels = npt.NDArray[np.uint8]  # height x width x 4, RGBA
LOGO_CACHE_ENTRIES = 32
_logos: OrderedDict[str, skia.Image | skia.SVGDOM] = OrderedDict()


def rasterise(shape: Layout, brand: Brand, paint: Paints, width_px: int) -> Pixels:
    height_px = max(1, math.ceil(width_px * shape.height / shape.width - 1e-6))
    surface = skia.Surface.MakeRaster(skia.ImageInfo.Make(
        width_px, height_px, skia.kRGBA_8888_ColorType, skia.kUnpremul_AlphaType))
    canvas = surface.getCanvas()
    canvas.clear(_colour(paint.light) if paint.light else skia.ColorTRANSPARENT)
    canvas.scale(width_px / shape.width, width_px / shape.width)
    _frame(canvas, shape, brand)
    _draw_modules(canvas, shape, brand.modules, width_px / shape.width, paint.modules)
    rings = skia.Path()
    rings.setFillType(skia.PathFillType.kEvenOdd)
    for outer, inner in shape.eye_rings:
        _add(rings, outer)
        _add(rings, inner)
    canvas.drawPath(rings, _paint(paint.eye_rings))
    _fill(canvas, shape.eye_centres, paint.eye_centres)
    _logo(canvas, shape, brand, paint)
    pixels: Pixels = surface.makeImageSnapshot().toarray(colorType=skia.kRGBA_8888_ColorType)
    return pixels


def _draw_modules(canvas: skia.Canvas, shape: Layout, module: str, module_px: float,
                  fill: Fill) -> None:
    """The data modules as one alpha mask tiled from per-shape stamps (numpy), drawn through
    the fill: hundreds of shapes cost one image draw instead of one path each."""
    dark = shape.dark
    n = dark.shape[0]
    stamp_px = max(2, math.ceil(module_px))
    padded = np.pad(dark, 1)
    if module == "horizontal":
        before, after = padded[1:-1, :-2], padded[1:-1, 2:]
    else:
        before, after = padded[:-2, 1:-1], padded[2:, 1:-1]
    code = np.where(dark, 1 + before.astype(np.int8) + 2 * after.astype(np.int8), 0)
    tiles = _stamps(module, stamp_px)[code]  # n x n x stamp x stamp
    mask = np.ascontiguousarray(tiles.transpose(0, 2, 1, 3).reshape(n * stamp_px, -1))
    image = skia.Image.fromarray(mask, colorType=skia.kAlpha_8_ColorType)
    ox, oy = shape.origin
    rect = skia.Rect.MakeXYWH(ox, oy, n, n)
    canvas.saveLayer(rect)  # the mask's coverage, then the fill painted in where it covers
    canvas.drawImageRect(image, rect, skia.SamplingOptions(skia.FilterMode.kLinear))
    paint = _paint(fill)
    paint.setBlendMode(skia.BlendMode.kSrcIn)
    canvas.drawRect(rect, paint)
    canvas.restore()


@functools.cache
def _stamps(module: str, stamp_px: int) -> Pixels:
    """Coverage of one module, drawn by skia: [empty, alone, after one, before one, inside]."""
    stamps = [np.zeros((stamp_px, stamp_px), np.uint8)]
    for before, after in ((False, False), (True, False), (False, True), (True, True)):
        surface = skia.Surface.MakeRaster(skia.ImageInfo.MakeA8(stamp_px, stamp_px))
        canvas = surface.getCanvas()
        canvas.scale(stamp_px, stamp_px)
        path = skia.Path()
        _add(path, module_shape(module, before, after))
        canvas.drawPath(path, skia.Paint(AntiAlias=True))
        stamps.append(surface.makeImageSnapshot().toarray(colorType=skia.kAlpha_8_ColorType)
                      .reshape(stamp_px, stamp_px))
    return np.stack(stamps)


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
