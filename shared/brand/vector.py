"""PDF and EPS from the SVG document with cairo: vectors for print, 1 px = 1 pt.

cairosvg's `unsafe=False` (kept) refuses entities and external files; the document is ours,
and its only reference is the logo's inline data: URI. cairo is imported on first use: it
costs a second of start-up that PNG-only processes (the gateway) need not pay.
"""

from __future__ import annotations

POINTS_DPI = 72  # a 300 px code makes a 300 pt page


def to_pdf(svg: bytes) -> bytes:
    import cairosvg

    return bytes(cairosvg.svg2pdf(bytestring=svg, dpi=POINTS_DPI, unsafe=False))


def to_eps(svg: bytes) -> bytes:
    import cairosvg

    return bytes(cairosvg.svg2eps(bytestring=svg, dpi=POINTS_DPI, unsafe=False))


def as_is(svg: bytes) -> bytes:
    """The SVG format's writer: the document itself."""
    return svg
