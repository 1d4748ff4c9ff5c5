"""A throwaway image format for tests: binary PPM (P6), registered when imported."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from shared.formats.registry import ImageFormat, register

MAX_VALUE = 255


def ppm_bytes(pixels: npt.NDArray[np.uint8]) -> bytes:
    """A P6 pixmap of the drawing's RGB or RGBA pixels (alpha dropped: PPM has none)."""
    height, width = pixels.shape[:2]
    rgb = np.ascontiguousarray(pixels[:, :, :3], dtype=np.uint8)
    return b"P6\n%d %d\n%d\n" % (width, height, MAX_VALUE) + rgb.tobytes()


PPM = register(ImageFormat("ppm", "image/x-portable-pixmap", ".ppm", vector=False,
                           writer="tests.formatplugin_ppm:ppm_bytes"))
