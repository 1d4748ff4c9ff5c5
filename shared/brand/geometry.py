"""Where everything goes, in module units: data modules, the three eyes, the logo hole, frame.

One Layout feeds both the SVG document (svg, pdf, eps) and the raster (png), so every format
draws the same shapes. A shape is a rounded rectangle with four corner radii.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from shared.brand.options import Brand

Matrix = npt.NDArray[np.bool_]
Radii = tuple[float, float, float, float]  # top-left, top-right, bottom-right, bottom-left
Shape = tuple[float, float, float, float, Radii]  # x, y, width, height, radii
Box = tuple[float, float, float, float]
EYE = 7  # a finder pattern is 7 x 7 modules
FRAME_STRIP = 0.2  # the frame's text strip, as a share of the code's width
FRAME_BORDER = 1.0  # modules of frame around box and rounded frames
# Eye corner radii (outer ring, its hole, the 3 x 3 centre) per shape, in modules.
EYE_RADII = {"square": (0.0, 0.0, 0.0), "rounded": (2.0, 1.3, 0.9),
             "circle": (3.5, 2.5, 1.5), "leaf": (3.0, 2.0, 1.2)}


@dataclass(frozen=True)
class Layout:
    width: float
    height: float
    code: Box  # the code's light square, quiet zone included
    eye_rings: list[tuple[Shape, Shape]]  # outer edge, inner edge (filled even-odd)
    eye_centres: list[Shape]
    logo: Box | None
    frame: Box | None  # the frame's coloured area (box, rounded: all of it; banner: strip)
    frame_radius: float
    text_box: Box | None
    cleared: int  # modules under the logo and its padding: lost to the reader
    dark: Matrix  # the data modules drawn (eyes and logo hole removed)
    origin: tuple[float, float]  # where module (0, 0) sits


def layout(matrix: Matrix, margin: int, brand: Brand) -> Layout:
    n = matrix.shape[0]
    side = n + 2 * margin
    style = brand.frame.style if brand.frame else None
    border = FRAME_BORDER if style in ("box", "rounded") else 0.0
    strip = side * FRAME_STRIP if style else 0.0
    ox = oy = border + margin
    keep = _outside_eyes(n)
    logo, cleared = None, 0
    if brand.logo is not None:
        (lx, ly, lw, lh), hole = _logo_hole(n, brand)
        keep &= ~hole
        logo, cleared = (lx + ox, ly + oy, lw, lh), int(hole.sum())
    dark = matrix & keep
    return Layout(
        width=side + 2 * border, height=side + 2 * border + strip,
        code=(border, border, side, side),
        eye_rings=[_ring(ex + ox, ey + oy, brand.eye_shape) for ex, ey in _eyes(n)],
        eye_centres=[_square(ex + ox + 2, ey + oy + 2, 3, EYE_RADII[brand.eye_shape][2],
                             brand.eye_shape) for ex, ey in _eyes(n)],
        logo=logo, frame=_frame_box(style, side, border, strip),
        frame_radius=2.0 if style == "rounded" else 0.0,
        text_box=(border, side + 2 * border, side, strip - border) if style else None,
        cleared=cleared, dark=dark, origin=(ox, oy),
    )


def module_shapes(shape: Layout, module: str) -> list[Shape]:
    """The data modules as shapes, for the SVG document (the raster tiles stamps instead)."""
    return _modules(shape.dark, module, *shape.origin)


def _eyes(n: int) -> list[tuple[int, int]]:
    return [(0, 0), (n - EYE, 0), (0, n - EYE)]


def _outside_eyes(n: int) -> Matrix:
    keep = np.ones((n, n), dtype=np.bool_)
    edge = EYE + 1  # the eye and its light separator
    keep[:edge, :edge] = keep[:edge, n - edge:] = keep[n - edge:, :edge] = False
    return keep


def _logo_hole(n: int, brand: Brand) -> tuple[Box, Matrix]:
    size = brand.logo_share * n
    low = (n - size) / 2
    cells = np.arange(n)
    clear = (cells + 1 > low - brand.logo_padding) & (cells < low + size + brand.logo_padding)
    return (low, low, size, size), np.outer(clear, clear)


def _modules(dark: Matrix, shape: str, ox: float, oy: float) -> list[Shape]:
    if shape in ("vertical", "horizontal"):
        return _bars(dark if shape == "horizontal" else dark.T, shape, ox, oy)
    ys, xs = np.nonzero(dark)
    if shape == "dots":
        return [(x + ox + 0.05, y + oy + 0.05, 0.9, 0.9, (0.45,) * 4)
                for y, x in zip(ys.tolist(), xs.tolist(), strict=True)]
    radii: Radii = {"square": (0.0,) * 4, "rounded": (0.3,) * 4,
                    "classy": (0.5, 0.0, 0.5, 0.0)}[shape]
    return [(x + ox, y + oy, 1.0, 1.0, radii)
            for y, x in zip(ys.tolist(), xs.tolist(), strict=True)]


def module_shape(shape: str, before: bool, after: bool) -> Shape:
    """One module's shape in a unit cell; bars join the neighbours before and after (above
    and below for vertical, left and right for horizontal)."""
    if shape not in ("vertical", "horizontal"):
        return _modules(np.ones((1, 1), np.bool_), shape, 0.0, 0.0)[0]
    start, end = (0.0 if before else 0.05), (1.0 if after else 0.95)
    r_start, r_end = (0.0 if before else 0.4), (0.0 if after else 0.4)
    if shape == "vertical":
        return (0.1, start, 0.8, end - start, (r_start, r_start, r_end, r_end))
    return (start, 0.1, end - start, 0.8, (r_start, r_end, r_end, r_start))


def _bars(rows: Matrix, shape: str, ox: float, oy: float) -> list[Shape]:
    """Runs of dark modules joined into pills, along rows (horizontal) or columns."""
    shapes: list[Shape] = []
    for i, row in enumerate(rows):
        edges = np.flatnonzero(np.diff(np.concatenate(([0], row.astype(np.int8), [0]))))
        for start, end in zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True):
            length = end - start - 0.1
            if shape == "horizontal":
                shapes.append((start + ox + 0.05, i + oy + 0.1, length, 0.8, (0.4,) * 4))
            else:
                shapes.append((i + ox + 0.1, start + oy + 0.05, 0.8, length, (0.4,) * 4))
    return shapes


def _square(x: float, y: float, size: float, radius: float, eye_shape: str) -> Shape:
    if eye_shape == "leaf":
        return (x, y, size, size, (radius, 0.0, radius, 0.0))
    return (x, y, size, size, (radius,) * 4)


def _ring(x: float, y: float, eye_shape: str) -> tuple[Shape, Shape]:
    outer, hole, _ = EYE_RADII[eye_shape]
    return _square(x, y, 7, outer, eye_shape), _square(x + 1, y + 1, 5, hole, eye_shape)


def _frame_box(style: str | None, side: float, border: float, strip: float) -> Box | None:
    if style is None:
        return None
    if style == "banner":
        return (0.0, side, side, strip)
    return (0.0, 0.0, side + 2 * border, side + 2 * border + strip)
