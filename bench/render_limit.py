"""The in-process rendering limit (the reference) and the project's renderer on the same rows."""

from __future__ import annotations

import base64
import struct
import time
import zlib
from dataclasses import dataclass

import numpy as np
import zxingcpp

from shared.render import render_batch
from shared.rows.styling import Styling


def short_links(count: int, public_url: str = "http://127.0.0.1:8080") -> list[str]:
    """Distinct ~32-character short links, like the ones dynamic rows carry."""
    return [f"{public_url}/r/{i:09d}" for i in range(count)]


def reference_png(payload: str, scale: int = 10, margin: int = 4) -> str:
    """The fastest path we know: C++ encoder, numpy bitmap, zlib level 6, base64."""
    barcode = zxingcpp.create_barcode(payload, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    modules = np.pad(np.asarray(barcode.to_image(scale=1, add_quiet_zones=False)) == 0, margin)
    packed = np.packbits(np.repeat(modules, scale, axis=1), axis=1)
    rows = np.repeat(np.hstack([np.zeros((packed.shape[0], 1), np.uint8), packed]), scale, 0)
    side = modules.shape[0] * scale

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))

    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 1, 0, 0,
                                                              0, 0))
           + chunk(b"IDAT", zlib.compress(rows.tobytes(), 6)) + chunk(b"IEND", b""))
    return "data:image/png;base64," + base64.b64encode(png).decode()


@dataclass
class RenderFigures:
    rows: int
    reference_us: float
    project_us: float
    project_verified_us: float

    @property
    def reference_rows_per_s(self) -> float:
        return 1e6 / self.reference_us


def measure(count: int = 5000) -> RenderFigures:
    links = short_links(count)
    started = time.perf_counter()
    for link in links:
        reference_png(link)
    reference_us = (time.perf_counter() - started) / count * 1e6
    jobs = [(link, Styling()) for link in links]
    started = time.perf_counter()
    results = render_batch(jobs)
    project_us = (time.perf_counter() - started) / count * 1e6
    assert all(ok for ok, _ in results)
    started = time.perf_counter()
    verified = render_batch(jobs, verify=True)
    verified_us = (time.perf_counter() - started) / count * 1e6
    assert all(ok for ok, _ in verified)
    return RenderFigures(count, reference_us, project_us, verified_us)
