"""The branded code as one SVG document (the svg output, and the source of pdf and eps)."""

from __future__ import annotations

import base64
from xml.sax.saxutils import escape, quoteattr

from shared.brand.colour import to_hex
from shared.brand.geometry import Box, Layout, Shape, module_shapes
from shared.brand.options import Brand
from shared.brand.paint import Fill, Paints
from shared.brand.text import FONT_FAMILY, fitted

MIME = {"png": "image/png", "svg": "image/svg+xml"}


def svg_document(shape: Layout, brand: Brand, paint: Paints, width_px: float) -> bytes:
    height_px = width_px * shape.height / shape.width
    defs: list[str] = []
    parts = [_rect((0, 0, shape.width, shape.height), paint.light)] if paint.light else []
    parts += _frame(shape, brand)
    parts.append(_path(module_shapes(shape, brand.modules), _paint(paint.modules, "m", defs)))
    rings = "".join(_d(outer) + _d(inner) for outer, inner in shape.eye_rings)
    parts.append(f'<path fill-rule="evenodd" fill="{_paint(paint.eye_rings, "e", defs)}" '
                 f'd="{rings}"/>')
    parts.append(_path(shape.eye_centres, _paint(paint.eye_centres, "c", defs)))
    parts += _logo(shape, brand, paint)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_n(width_px)}" '
        f'height="{_n(height_px)}" viewBox="0 0 {_n(shape.width)} {_n(shape.height)}">'
        f'<defs>{"".join(defs)}</defs>{"".join(parts)}</svg>'
    ).encode()


def _paint(fill: Fill, name: str, defs: list[str]) -> str:
    gradient = fill.gradient
    if gradient is None:
        return to_hex(fill.colour)
    stops = (f'<stop offset="0" stop-color="{to_hex(gradient.start)}"/>'
             f'<stop offset="1" stop-color="{to_hex(gradient.end)}"/>')
    (x1, y1), (x2, y2) = fill.start, fill.end
    if gradient.type == "radial":
        defs.append(f'<radialGradient id="{name}" gradientUnits="userSpaceOnUse" '
                    f'cx="{_n(x1)}" cy="{_n(y1)}" r="{_n(fill.radius)}">{stops}</radialGradient>')
    else:
        defs.append(f'<linearGradient id="{name}" gradientUnits="userSpaceOnUse" x1="{_n(x1)}" '
                    f'y1="{_n(y1)}" x2="{_n(x2)}" y2="{_n(y2)}">{stops}</linearGradient>')
    return f"url(#{name})"


def _frame(shape: Layout, brand: Brand) -> list[str]:
    if shape.frame is None or brand.frame is None:
        return []
    colour = to_hex(brand.frame.color)
    if brand.frame.style == "banner":
        parts = [_rect(shape.frame, brand.frame.color)]
    else:
        radius = shape.frame_radius
        x, y, w, h = shape.frame
        outer = _d((x, y, w, h, (radius,) * 4))
        cx, cy, side, _ = shape.code
        parts = [f'<path fill-rule="evenodd" fill="{colour}" '
                 f'd="{outer}{_d((cx, cy, side, side, (0.0,) * 4))}"/>']
    if brand.frame.text and shape.text_box:
        size, x, baseline = fitted(brand.frame.text, shape.text_box)
        parts.append(f'<text x="{_n(x)}" y="{_n(baseline)}" font-family="{FONT_FAMILY}" '
                     f'font-weight="bold" font-size="{_n(size)}" text-anchor="middle" '
                     f'fill="{to_hex(brand.frame.text_color)}">{escape(brand.frame.text)}</text>')
    return parts


def _logo(shape: Layout, brand: Brand, paint: Paints) -> list[str]:
    if shape.logo is None or brand.logo is None:
        return []
    parts = []
    if paint.logo_background:
        parts.append(_rect(padded(shape.logo, brand.logo_padding), paint.logo_background))
    x, y, w, h = shape.logo
    uri = f"data:{MIME[brand.logo.kind]};base64," + base64.b64encode(brand.logo.data).decode()
    parts.append(f'<image x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{_n(h)}" '
                 f'preserveAspectRatio="xMidYMid meet" href={quoteattr(uri)}/>')
    return parts


def padded(box: Box, padding: float) -> Box:
    x, y, w, h = box
    return (x - padding, y - padding, w + 2 * padding, h + 2 * padding)


def _rect(box: Box, colour: tuple[int, int, int]) -> str:
    x, y, w, h = box
    return (f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{_n(h)}" '
            f'fill="{to_hex(colour)}"/>')


def _path(shapes: list[Shape], fill: str) -> str:
    return f'<path fill="{fill}" d="{"".join(_d(s) for s in shapes)}"/>'


def _d(shape: Shape) -> str:
    """A rounded rectangle as path data (clockwise, one arc per rounded corner)."""
    x, y, w, h, (tl, tr, br, bl) = shape
    if not (tl or tr or br or bl):
        return f"M{_n(x)} {_n(y)}h{_n(w)}v{_n(h)}h{_n(-w)}z"
    return (f"M{_n(x + tl)} {_n(y)}H{_n(x + w - tr)}{_arc(tr, x + w, y + tr)}"
            f"V{_n(y + h - br)}{_arc(br, x + w - br, y + h)}H{_n(x + bl)}"
            f"{_arc(bl, x, y + h - bl)}V{_n(y + tl)}{_arc(tl, x + tl, y)}z")


def _arc(radius: float, x: float, y: float) -> str:
    if not radius:
        return f"L{_n(x)} {_n(y)}"
    return f"A{_n(radius)} {_n(radius)} 0 0 1 {_n(x)} {_n(y)}"


def _n(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".") or "0"
