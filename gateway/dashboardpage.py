"""The dashboard's page: index.html with the format registry's media types in it, as JSON.

The dashboard names a saved image by its media type; reading the table from the page
rather than from a copy in imagefiles.js names a format a deployment registers
(BULKQR_FORMAT_MODULES) right too. A JSON data block is not run, so the page's
`script-src 'self'` allows it.
"""

from __future__ import annotations

from pathlib import Path

import orjson

from shared.formats import registry

STATIC_DIR = Path(__file__).with_name("static")
FORMATS_ID = "image-formats"
MODULE_TAG = '<script type="module"'
# Inside <script> only "</script" and "<!--" end or change the text; with <, > and & as
# \u escapes (the same string to a JSON reader) no media type can write either.
HTML_SAFE = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026"}


def extensions() -> dict[str, str]:
    """Media type -> extension without its dot, for every registered format."""
    return {fmt.media_type: fmt.extension.removeprefix(".") for fmt in registry.formats()}


def formats_block() -> str:
    table = orjson.dumps(extensions()).decode().translate(HTML_SAFE)
    return f'<script type="application/json" id="{FORMATS_ID}">{table}</script>\n  '


def dashboard_html(static_dir: Path = STATIC_DIR) -> str:
    """index.html with the formats' table before its module script."""
    html = (static_dir / "index.html").read_text(encoding="utf-8")
    at = html.index(MODULE_TAG)
    return html[:at] + formats_block() + html[at:]
