"""Render a payload to a QR image data URI: zxing-cpp's C++ encoder, then a 1-bit PNG or an SVG.

PERF-NOTES: segno spends ~80 % of its 2-3.5 ms per QR choosing the mask in pure Python;
zxing-cpp encodes in ~0.1 ms, and a numpy + zlib 1-bit PNG writer adds ~0.1 ms.
"""

from __future__ import annotations

import base64
import functools
import struct
import zlib

import numpy as np
import numpy.typing as npt
import zxingcpp

from shared.brand.draw import branded_data_uri
from shared.brand.options import Brand
from shared.errors import NotScannable, RowInvalid
from shared.rows.styling import MAX_SIZE_PX, Styling

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
QR_ONLY = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
ZLIB_LEVEL = 6  # level 9 costs 5x more for files barely smaller (PERF-NOTES)
# Up to this side, level 4 compresses within 8 % of level 6 at 60 % of its time; longer
# scanlines need level 6's longer search (level 4 doubles the bytes at 800 px).
ZLIB_FAST_UP_TO_PX, ZLIB_FAST_LEVEL = 360, 4
Matrix = npt.NDArray[np.bool_]


def encode_matrix(payload: str, error_correction: str) -> Matrix:
    """The QR's modules (True = dark), without a quiet zone."""
    try:
        barcode = zxingcpp.create_barcode(payload, zxingcpp.BarcodeFormat.QRCode,
                                          ec_level=error_correction)
    except ValueError as exc:
        if "too long" in str(exc).lower():
            raise RowInvalid(
                f"data is too long for a QR code at errorCorrection {error_correction}"
            ) from exc
        raise
    modules: Matrix = np.asarray(barcode.to_image(scale=1, add_quiet_zones=False)) == 0
    return modules


def module_px(modules: int, styling: Styling) -> int:
    """Pixels per module: `scale`, or as many as fit in `size`; never a silent shrink."""
    if styling.scale is not None:
        if modules * styling.scale > MAX_SIZE_PX:
            raise RowInvalid(
                f"styling.scale {styling.scale} makes a {modules * styling.scale}px image; "
                f"the largest is {MAX_SIZE_PX}px"
            )
        return styling.scale
    size_px = styling.size_px or 0
    if size_px < modules:
        raise RowInvalid(
            f"styling.size {size_px}px is too small for this content: it needs {modules}px"
        )
    return size_px // modules


def verify_matrix(matrix: Matrix, payload: str) -> None:
    """Read the code back from its module bitmap (2 px a module, ~20 µs) and compare."""
    image = np.where(np.repeat(np.repeat(padded(matrix, 4), 2, 0), 2, 1), 0, 255)
    found = zxingcpp.read_barcode(image.astype(np.uint8), formats=QR_ONLY,
                                  is_pure=True, try_rotate=False, try_downscale=False)
    if found is None or found.text != payload:
        raise NotScannable("verification failed: the image did not scan back to its content")


def render_data_uri(payload: str, styling: Styling, *, verify: bool = False) -> str:
    """The image of `payload` as a data URI of its registered format (shared/formats/
    registry.py): plain png and svg here, branded codes and the other formats drawn by
    the branded pipeline."""
    modules = encode_matrix(payload, styling.error_correction)
    image_format = styling.image_format
    if styling.brand is not None or not image_format.plain:  # always read back
        return branded_data_uri(payload, modules, styling, styling.brand or Brand())
    if verify:
        verify_matrix(modules, payload)
    side_modules = modules.shape[0] + 2 * styling.margin
    scale = module_px(side_modules, styling)
    side_px = styling.size_px or side_modules * scale
    if image_format.vector:
        body = svg_bytes(padded(modules, styling.margin), side_px, styling)
    else:
        body = png_bytes(modules, styling.margin, scale, side_px, styling)
    return f"data:{image_format.media_type};base64," + base64.b64encode(body).decode()


def padded(modules: Matrix, margin: int) -> Matrix:
    """The modules inside a quiet zone of `margin` light modules (np.pad costs ~25 µs)."""
    size = modules.shape[0]
    out = np.zeros((size + 2 * margin, size + 2 * margin), np.bool_)
    out[margin:margin + size, margin:margin + size] = modules
    return out


def png_bytes(modules: Matrix, margin: int, scale: int, side_px: int, styling: Styling) -> bytes:
    """A 1-bit palette PNG of exactly `side_px` square: index 0 the light colour (or
    transparent), 1 the dark one. Modules stay whole pixels; the quiet zone is `margin`
    modules, widened by what `side_px` leaves over after `scale` px per module."""
    columns, rows = _pixel_maps(modules.shape[0], margin, scale, side_px)
    size = modules.shape[0]
    blank_edged = np.zeros((size + 1, size + 1), np.bool_)  # last row and column: light
    blank_edged[:size, :size] = modules
    packed = np.packbits(blank_edged[:, columns].reshape(-1)).reshape(size + 1, -1)
    light = styling.light or (255, 255, 255)
    chunks = [
        _chunk(b"IHDR", struct.pack(">IIBBBBB", side_px, side_px, 1, 3, 0, 0, 0)),
        _chunk(b"PLTE", bytes(light) + bytes(styling.dark)),
    ]
    if styling.light is None:
        chunks.append(_chunk(b"tRNS", b"\x00"))
    level = ZLIB_FAST_LEVEL if side_px <= ZLIB_FAST_UP_TO_PX else ZLIB_LEVEL
    chunks.append(_chunk(b"IDAT", zlib.compress(packed.take(rows, axis=0).tobytes(), level)))
    chunks.append(_chunk(b"IEND", b""))
    return PNG_SIGNATURE + b"".join(chunks)


@functools.lru_cache(maxsize=256)
def _pixel_maps(size: int, margin: int, scale: int, side_px: int
                ) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """For each bit of a PNG scanline and for each scanline, the module it shows (`size`:
    the blank edge). A scanline is 8 bits of filter type 0, then the pixels, then blank
    bits up to a whole byte, so one packbits over the rows makes the image data."""
    before = margin * scale + (side_px - (size + 2 * margin) * scale) // 2
    pixel = np.arange(side_px) - before
    module = np.where((pixel >= 0) & (pixel < size * scale), pixel // scale, size)
    tail = np.full(-side_px % 8, size)
    columns = np.concatenate([np.full(8, size), module, tail]).astype(np.intp)
    return columns, module.astype(np.intp)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def svg_bytes(matrix: Matrix, side_px: int, styling: Styling) -> bytes:
    """A `side_px` square SVG with one path of horizontal runs of dark modules."""
    size = matrix.shape[0]
    runs = []
    for y, row in enumerate(matrix):
        padded = np.concatenate(([False], row, [False])).astype(np.int8)
        edges = np.flatnonzero(np.diff(padded))
        runs += [f"M{x0} {y}h{x1 - x0}v1h-{x1 - x0}z" for x0, x1 in zip(edges[::2], edges[1::2],
                                                                         strict=True)]
    background = (
        "" if styling.light is None
        else f'<rect width="{size}" height="{size}" fill="{_hex(styling.light)}"/>'
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{side_px}" '
        f'height="{side_px}" viewBox="0 0 {size} {size}" shape-rendering="crispEdges">'
        f'{background}<path fill="{_hex(styling.dark)}" d="{"".join(runs)}"/></svg>'
    ).encode()


def _hex(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


RenderJob = tuple[str, Styling]


class RenderFailure(str):
    """Why a row drew no image: the message for the caller, typed by what went wrong.
    A `str`, so results keep their (ok, text) shape and pickle as cheaply as before."""

    status = 400  # a row the renderer refuses


class Unscannable(RenderFailure):
    """The image was drawn but did not read back as its content (opt-in verification)."""

    status = 500


def render_job(job: RenderJob, verify: bool = False) -> tuple[bool, str]:
    """(True, data URI) or (False, a RenderFailure): `Unscannable` for an image that did
    not scan, with `.status` the row's code. Runs in render processes: what goes in and
    out pickles cheaply."""
    payload, styling = job
    try:
        return True, render_data_uri(payload, styling, verify=verify)
    except RowInvalid as exc:
        return False, RenderFailure(exc)
    except NotScannable as exc:
        return False, Unscannable(exc)


def render_batch(jobs: list[RenderJob], verify: bool = False) -> list[tuple[bool, str]]:
    """`render_job` for each job, in this process (benchmarks and tests)."""
    return [render_job(job, verify) for job in jobs]
