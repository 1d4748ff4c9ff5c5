"""A branded code from its module matrix: lay out, check, draw, read back, encode."""

from __future__ import annotations

import base64
import math

import numpy as np

from shared.brand import scan
from shared.brand.geometry import Matrix, layout
from shared.brand.options import Brand
from shared.brand.paint import paints
from shared.brand.raster import rasterise
from shared.brand.svgdoc import svg_document
from shared.errors import RowInvalid
from shared.rows.styling import MAX_SIZE_PX, Styling


def branded_data_uri(payload: str, matrix: Matrix, styling: Styling, brand: Brand) -> str:
    """The image as a data URI, or RowInvalid saying which styling to change. The format's
    registered writer gets the drawing's pixels (a raster format) or its SVG document."""
    if brand.logo_ref is not None and brand.logo is None:
        raise RowInvalid("styling.logo could not be resolved to an image")
    shape = layout(matrix, styling.margin, brand)
    paint = paints(brand, styling.dark, styling.light, shape)
    scan.check_contrast(paint)
    scan.check_logo(shape, matrix.shape[0], styling.error_correction)
    width_px = _width_px(shape.width, styling)
    image = rasterise(shape, brand, paint, width_px)
    pixels = np.asarray(image)  # one copy out of Pillow, for the reader and the PNG writer
    scan.check_reads_back(image, pixels, payload)
    image_format = styling.image_format
    drawing = svg_document(shape, brand, paint, width_px) if image_format.vector else pixels
    body = image_format.write(drawing)
    return f"data:{image_format.media_type};base64," + base64.b64encode(body).decode()


def _width_px(width_modules: float, styling: Styling) -> int:
    if styling.scale is not None:
        width_px = math.ceil(width_modules * styling.scale)
        if width_px > MAX_SIZE_PX:
            raise RowInvalid(f"styling.scale {styling.scale} makes a {width_px}px image; "
                             f"the largest is {MAX_SIZE_PX}px")
        return width_px
    width_px = styling.size_px or 0
    if width_px < width_modules * 2:
        raise RowInvalid(f"styling.size {width_px}px is too small for a branded code of this "
                         f"content: it needs {math.ceil(width_modules * 2)}px")
    return width_px
