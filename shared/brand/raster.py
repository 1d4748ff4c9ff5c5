"""Draw a Layout as a PIL image: the parts a batch shares drawn once, then each code's modules.

Background, frame, eyes, logo and the fill (flat or gradient) depend on the styling and the
code's size only, so skia draws them once and they are kept (`_fixed`). A code's own data
modules become one alpha mask tiled from per-shape stamps, resampled onto the pixel grid and
pasted through the fill by Pillow: ~0.5 ms a 300 px code, against ~1.8 ms drawing it all
with skia (docs/benchmarks.md, "Branded codes").
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from PIL import Image

from shared.brand.geometry import Layout
from shared.brand.options import Brand
from shared.brand.paint import Paints
from shared.brand.skiaparts import fill_pixels, fixed_parts, height_px, stamps

FIXED_CACHE_BYTES = 32 * 1024 * 1024  # per render process; a 300 px entry is ~0.6 MB


@dataclass(frozen=True)
class _Fixed:
    base: Image.Image  # RGB over an opaque background, RGBA over a transparent one
    fill: Image.Image  # the modules' colour over `box`, in base's mode
    box: tuple[int, int, int, int]  # the pixels the data modules can touch: x0, y0, x1, y1

    @property
    def size_bytes(self) -> int:  # Pillow keeps RGB and RGBA alike at 4 bytes a pixel
        return 4 * (self.base.width * self.base.height + self.fill.width * self.fill.height)


_fixed_cache: OrderedDict[tuple[object, ...], _Fixed] = OrderedDict()


def rasterise(shape: Layout, brand: Brand, paint: Paints, width_px: int) -> Image.Image:
    """The code as drawn: RGB when its background is opaque, RGBA when transparent."""
    fixed = _fixed(shape, brand, paint, width_px)
    mask = _module_mask(shape, brand.modules, width_px / shape.width, fixed.box)
    image = fixed.base.copy()
    if image.mode == "RGB":
        image.paste(fixed.fill, fixed.box[:2], mask)
    else:  # straight alpha: composite, so a half-covered edge keeps its colour
        fill = fixed.fill.copy()
        fill.putalpha(mask)
        image.alpha_composite(fill, fixed.box[:2])
    return image


def _module_mask(shape: Layout, module: str, module_px: float,
                 box: tuple[int, int, int, int]) -> Image.Image:
    """The data modules' coverage over `box`: stamps tiled at a whole number of pixels a
    module (with one empty module around), resampled to the image's pixel grid."""
    dark = shape.dark
    n = dark.shape[0]
    stamp_px = max(2, math.ceil(module_px))
    around = np.pad(dark, 1)
    if module == "horizontal":
        before, after = around[1:-1, :-2], around[1:-1, 2:]
    else:
        before, after = around[:-2, 1:-1], around[2:, 1:-1]
    code = np.pad(np.where(dark, 1 + before.astype(np.int8) + 2 * after.astype(np.int8), 0), 1)
    tiles = stamps(module, stamp_px)[code]  # (n+2) x (n+2) x stamp x stamp
    side_px = (n + 2) * stamp_px
    tiled = np.ascontiguousarray(tiles.transpose(0, 2, 1, 3).reshape(side_px, side_px))
    ox, oy = shape.origin
    x0, y0, x1, y1 = box  # image pixels -> mask pixels, the mask starting one module early
    source = ((x0 / module_px - ox + 1) * stamp_px, (y0 / module_px - oy + 1) * stamp_px,
              (x1 / module_px - ox + 1) * stamp_px, (y1 / module_px - oy + 1) * stamp_px)
    return Image.fromarray(tiled, "L").resize((x1 - x0, y1 - y0), Image.Resampling.BILINEAR,
                                              box=source)


def _fixed(shape: Layout, brand: Brand, paint: Paints, width_px: int) -> _Fixed:
    """The shared parts for this styling and code size, from the cache or drawn now."""
    key = (brand, paint, width_px, shape.dark.shape[0], shape.width, shape.height,
           shape.origin)
    found = _fixed_cache.pop(key, None)
    if found is None:
        found = _draw_fixed(shape, brand, paint, width_px)
        if found.size_bytes > FIXED_CACHE_BYTES // 4:  # huge images would evict all the rest
            return found
        used = sum(entry.size_bytes for entry in _fixed_cache.values()) + found.size_bytes
        while used > FIXED_CACHE_BYTES:
            used -= _fixed_cache.popitem(last=False)[1].size_bytes
    _fixed_cache[key] = found
    return found


def _draw_fixed(shape: Layout, brand: Brand, paint: Paints, width_px: int) -> _Fixed:
    size_px = (width_px, height_px(shape, width_px))
    module_px = width_px / shape.width
    ox, oy = shape.origin
    n = shape.dark.shape[0]
    box = (max(0, math.floor(ox * module_px)), max(0, math.floor(oy * module_px)),
           min(size_px[0], math.ceil((ox + n) * module_px)),
           min(size_px[1], math.ceil((oy + n) * module_px)))
    mode = "RGB" if paint.light else "RGBA"
    channels = len(mode)
    base = Image.fromarray(np.ascontiguousarray(fixed_parts(shape, brand, paint, size_px)
                                                [..., :channels]), mode)
    fill = fill_pixels(shape, paint.modules, size_px)[box[1]:box[3], box[0]:box[2], :channels]
    return _Fixed(base, Image.fromarray(np.ascontiguousarray(fill), mode), box)
