"""A plain code's modules read back exactly from the PNG or SVG the renderer wrote.

Only images that are whole modules in two colours qualify: a 1-bit palette PNG without
filters or interlace (shared.render's), or the one-path SVG of horizontal runs. The grid is
found from the top-left finder pattern (7 modules wide) and the result must redraw the image
pixel for pixel, so anything else (a branded code, a resized image) answers None and is
placed as a picture instead.
"""

from __future__ import annotations

import re
import struct
import zlib

import numpy as np

from shared.brand.colour import Rgb
from shared.render import PNG_SIGNATURE, Matrix

Recovered = tuple[Matrix, Rgb, Rgb | None]  # modules, dark colour, light colour or None
MAX_SIDE_PX = 4096
FINDER_MODULES = 7
MIN_MODULES, MAX_MODULES = 21, 177  # QR versions 1 to 40
SVG_PLAIN = re.compile(
    rb'<svg xmlns="http://www.w3.org/2000/svg" width="\d+" height="\d+" '
    rb'viewBox="0 0 (?P<size>\d{1,4}) (?P=size)" shape-rendering="crispEdges">'
    rb'(?:<rect width="(?P=size)" height="(?P=size)" fill="#(?P<light>[0-9a-f]{6})"/>)?'
    rb'<path fill="#(?P<dark>[0-9a-f]{6})" d="(?P<d>(?:M\d+ \d+h\d+v1h-\d+z)*)"/></svg>'
)
SVG_RUN = re.compile(rb"M(\d+) (\d+)h(\d+)")


def modules_from_png(data: bytes) -> Recovered | None:
    chunks = _png_chunks(data)
    if chunks is None or b"IHDR" not in chunks or len(chunks.get(b"PLTE", b"")) != 6:
        return None
    width, height, depth, colour_type, _, _, interlace = struct.unpack(
        ">IIBBBBB", chunks[b"IHDR"][:13]
    )
    if (depth, colour_type, interlace) != (1, 3, 0) or not 0 < width == height <= MAX_SIDE_PX:
        return None
    stride = (width + 7) // 8 + 1
    inflater = zlib.decompressobj()
    try:
        raw = inflater.decompress(chunks.get(b"IDAT", b""), stride * height + 1)
    except zlib.error:
        return None
    if len(raw) != stride * height or inflater.unconsumed_tail:
        return None
    rows = np.frombuffer(raw, np.uint8).reshape(height, stride)
    if rows[:, 0].any():  # a filtered scanline: not the renderer's
        return None
    pixels = np.unpackbits(rows[:, 1:], axis=1)[:, :width].astype(bool)
    matrix = module_grid(pixels)
    if matrix is None:
        return None
    palette = chunks[b"PLTE"]
    transparent = chunks.get(b"tRNS", b"\xff")[:1] == b"\x00"
    light = None if transparent else (palette[0], palette[1], palette[2])
    return matrix, (palette[3], palette[4], palette[5]), light


def png_size(data: bytes) -> tuple[int, int] | None:
    """Width and height from a PNG's header, before anything is decoded."""
    if not data.startswith(PNG_SIGNATURE) or data[12:16] != b"IHDR" or len(data) < 24:
        return None
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def _png_chunks(data: bytes) -> dict[bytes, bytes] | None:
    """Chunk type to data (IDAT pieces joined); None when the framing is broken."""
    if not data.startswith(PNG_SIGNATURE):
        return None
    chunks: dict[bytes, bytes] = {}
    at = len(PNG_SIGNATURE)
    while at + 12 <= len(data):
        (length,), kind = struct.unpack(">I", data[at : at + 4]), data[at + 4 : at + 8]
        body = data[at + 8 : at + 8 + length]
        if len(body) != length:
            return None
        chunks[kind] = chunks.get(kind, b"") + body if kind == b"IDAT" else body
        at += 12 + length
        if kind == b"IEND":
            return chunks
    return None


def modules_from_svg(data: bytes) -> Recovered | None:
    found = SVG_PLAIN.fullmatch(data.strip())
    if found is None:
        return None
    size = int(found["size"])
    canvas = np.zeros((size, size), bool)
    for x_text, y_text, w_text in SVG_RUN.findall(found["d"]):
        x, y, w = int(x_text), int(y_text), int(w_text)
        if y >= size or x + w > size:
            return None
        canvas[y, x : x + w] = True
    matrix = module_grid(canvas)
    if matrix is None:
        return None
    light = None if found["light"] is None else _rgb(found["light"])
    return matrix, _rgb(found["dark"]), light


def _rgb(hex_digits: bytes) -> Rgb:
    value = int(hex_digits, 16)
    return value >> 16, (value >> 8) & 0xFF, value & 0xFF


def module_grid(pixels: Matrix) -> Matrix | None:
    """The module matrix drawn in `pixels` (True = dark), if it is exactly one."""
    rows, cols = np.flatnonzero(pixels.any(axis=1)), np.flatnonzero(pixels.any(axis=0))
    if rows.size == 0:
        return None
    top, bottom, left, right = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    side = bottom - top
    run = np.flatnonzero(~pixels[top, left:right])
    finder_px = run[0] if run.size else side
    if right - left != side or finder_px % FINDER_MODULES:
        return None
    scale = finder_px // FINDER_MODULES
    modules = side // scale
    if side % scale or not MIN_MODULES <= modules <= MAX_MODULES or (modules - 17) % 4:
        return None
    region = pixels[top:bottom, left:right]
    first_rows = region[::scale]  # every pixel row must repeat its block's first row...
    if not (region.reshape(modules, scale, side) == first_rows[:, None, :]).all():
        return None
    blocks = first_rows.reshape(modules, modules, scale)  # ...and be whole modules across
    if not (blocks == blocks[:, :, :1]).all():
        return None
    matrix: Matrix = np.ascontiguousarray(blocks[:, :, 0])
    return matrix
