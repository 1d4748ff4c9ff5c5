"""One page's drawing: each label's code and caption in its cell, and the crop marks.

A code of modules is one `re f` operator per horizontal run of dark modules, in module
units under one transform: ~300 bytes a code once deflated, and no per-module path.
"""

from __future__ import annotations

import numpy as np
import skia

from shared.brand.colour import Rgb
from shared.sheets.captions import CaptionWriter
from shared.sheets.labels import Label, Modules, Picture
from shared.sheets.layout import CROP_MAX_MM, CROP_OFFSET_MM, SheetLayout

PT_PER_MM = 72 / 25.4
PAD_MM = 1.5  # inside each cell: room for a printer's registration error
CAPTION_SHARE, CAPTION_MIN_MM, CAPTION_MAX_MM = 0.16, 3.0, 6.0  # of the cell's height
QUIET_MODULES = 4  # the standard quiet zone, kept light around every code
CROP_LINE_PT = 0.25
Box = tuple[float, float, float, float]  # x, y, width, height in points


def cell_pt(layout: SheetLayout, slot: int) -> Box:
    x_mm, y_mm = layout.cell_mm(slot)
    return (
        x_mm * PT_PER_MM,
        y_mm * PT_PER_MM,
        layout.cell_w_mm * PT_PER_MM,
        layout.cell_h_mm * PT_PER_MM,
    )


def draw_label(canvas: skia.Canvas, captions: CaptionWriter, label: Label, cell: Box) -> None:
    """The code as big as fits above its caption strip, the pair centred in the cell."""
    x, y, width, height = cell
    pad = PAD_MM * PT_PER_MM
    strip = min(max(height * CAPTION_SHARE, CAPTION_MIN_MM * PT_PER_MM), CAPTION_MAX_MM * PT_PER_MM)
    side = max(0.0, min(width - 2 * pad, height - 2 * pad - strip))
    top = y + (height - side - strip) / 2
    code_box = (x + (width - side) / 2, top, side, side)
    if isinstance(label.code, Modules):
        _draw_modules(canvas, label.code, code_box)
    elif isinstance(label.code, Picture):
        _draw_picture(canvas, label.code, code_box)
    captions.draw(canvas, label.caption, (x + pad, top + side, width - 2 * pad, strip))


def _draw_modules(canvas: skia.Canvas, code: Modules, box: Box) -> None:
    x, y, side, _ = box
    module = side / (code.matrix.shape[0] + 2 * QUIET_MODULES)
    if code.light is not None:
        canvas.drawRect(skia.Rect.MakeXYWH(x, y, side, side), _paint(code.light))
    canvas.save()
    canvas.translate(x + QUIET_MODULES * module, y + QUIET_MODULES * module)
    canvas.scale(module, module)
    n = code.matrix.shape[1]
    framed = np.zeros((code.matrix.shape[0], n + 2), np.int8)  # a light module each side
    framed[:, 1:-1] = code.matrix
    rows, xs = np.nonzero(np.diff(framed, axis=1))  # row-major: starts and ends alternate
    tops, dark = rows[0::2], _paint(code.dark)
    run = skia.Rect()  # one rectangle reset per run: a third cheaper than a new one each
    place, draw = run.setLTRB, canvas.drawRect
    for left, top, right, bottom in zip(
        xs[0::2].tolist(), tops.tolist(), xs[1::2].tolist(), (tops + 1).tolist(), strict=True
    ):
        place(left, top, right, bottom)
        draw(run, dark)
    canvas.restore()


def _draw_picture(canvas: skia.Canvas, picture: Picture, box: Box) -> None:
    x, y, side, _ = box
    if picture.vector:  # an SVG, the one vector format a sheet places
        svg = skia.SVGDOM.MakeFromStream(skia.MemoryStream(picture.data))
        if svg is None:
            return
        natural = svg.containerSize()
        scale = side / max(natural.width(), natural.height(), 1.0)
        canvas.save()
        canvas.translate(
            x + (side - natural.width() * scale) / 2, y + (side - natural.height() * scale) / 2
        )
        canvas.scale(scale, scale)
        svg.render(canvas)
        canvas.restore()
        return
    image = skia.Image.MakeFromEncoded(skia.Data.MakeWithCopy(picture.data))
    if image is None:
        return
    scale = side / max(image.width(), image.height())
    w, h = image.width() * scale, image.height() * scale
    canvas.drawImageRect(
        image,
        skia.Rect.MakeXYWH(x + (side - w) / 2, y + (side - h) / 2, w, h),
        skia.SamplingOptions(skia.FilterMode.kNearest),
    )


def draw_crop_marks(canvas: skia.Canvas, layout: SheetLayout) -> None:
    """Short lines in the page margins, in line with every cell edge."""
    xs, ys = (np.multiply(v, PT_PER_MM).tolist() for v in layout.cut_lines_mm())
    left, top = layout.margin_left_mm * PT_PER_MM, layout.margin_top_mm * PT_PER_MM
    right = (layout.margin_left_mm + layout.grid_w_mm) * PT_PER_MM
    bottom = (layout.margin_top_mm + layout.grid_h_mm) * PT_PER_MM
    offset = CROP_OFFSET_MM * PT_PER_MM
    path = skia.Path()
    for margin_mm, edge, sign, horizontal, at in (
        (layout.margin_top_mm, top, -1, False, xs),
        (layout.margin_bottom_mm, bottom, 1, False, xs),
        (layout.margin_left_mm, left, -1, True, ys),
        (layout.margin_right_mm, right, 1, True, ys),
    ):
        length = min(CROP_MAX_MM, margin_mm - CROP_OFFSET_MM) * PT_PER_MM
        start, end = edge + sign * offset, edge + sign * (offset + length)
        for position in at:
            path.moveTo(*((start, position) if horizontal else (position, start)))
            path.lineTo(*((end, position) if horizontal else (position, end)))
    stroke = _paint((0, 0, 0))
    stroke.setStyle(skia.Paint.kStroke_Style)
    stroke.setStrokeWidth(CROP_LINE_PT)
    canvas.drawPath(path, stroke)


def _paint(rgb: Rgb) -> skia.Paint:
    return skia.Paint(Color=skia.Color(*rgb), AntiAlias=True)
