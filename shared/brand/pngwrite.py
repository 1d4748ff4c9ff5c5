"""A branded raster as a PNG: 8-bit RGB or RGBA as drawn, deflated by ISA-L at level 1.

ISA-L's deflate (isal) writes a standard zlib stream 5-9x faster than zlib's level 1 on these
anti-aliased colour images (0.2-0.3 against 1.3-2.3 ms a 300 px code) for files ~6 % larger.
"""

from __future__ import annotations

import struct
import zlib

import numpy as np
from isal import isal_zlib

from shared.brand.skiaparts import Pixels

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
ISAL_LEVEL = 1  # 0-3; level 3 costs 3x more for files no smaller here
COLOUR_TYPES = {3: 2, 4: 6}  # channels: PNG colour type (RGB, RGBA)


def png_bytes(pixels: Pixels) -> bytes:
    """`pixels`: height x width x 3 (RGB) or 4 (RGBA)."""
    height, width, channels = pixels.shape
    rows = np.empty((height, width * channels + 1), np.uint8)
    rows[:, 0] = 0  # each scanline's filter: none
    rows[:, 1:] = pixels.reshape(height, width * channels)
    header = struct.pack(">IIBBBBB", width, height, 8, COLOUR_TYPES[channels], 0, 0, 0)
    return PNG_SIGNATURE + b"".join([
        _chunk(b"IHDR", header),
        _chunk(b"IDAT", isal_zlib.compress(rows, ISAL_LEVEL)),
        _chunk(b"IEND", b""),
    ])


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
