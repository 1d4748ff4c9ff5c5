"""Our C++-encoder renderer against segno, an independent pure-Python encoder: for every data
type and styling option, both images decode to the same payload."""

from __future__ import annotations

import base64
import io
from typing import Any

import pytest
import segno
import zxingcpp
from PIL import Image

from shared.render import render_data_uri
from shared.rows.payloads import encode_payload
from shared.rows.styling import parse_styling
from tests.api import decode_data_uri

DATA: list[tuple[str, Any]] = [
    ("url", "https://example.com/a?b=1&c=%20"),
    ("text", "Grüße, 東京 ✓"),
    ("email", {"to": "a@example.com", "subject": "Hi there", "body": "x&y"}),
    ("phone", "+1 (555) 010-9999"),
    ("sms", {"phone": "+15550109999", "message": "see you; later"}),
    ("wifi", {"ssid": "Cafe;Corner", "password": 'p;a,s:s"\\', "hidden": True}),
    ("vcard", {"firstName": "Ada", "lastName": "Lovelace", "org": "Engines, Ltd; London",
               "phone": "+44 20 7946 0000", "email": "ada@example.com"}),
    ("geo", {"lat": 48.8584, "lng": 2.2945}),
]
STYLINGS: list[dict[str, Any]] = [
    {}, {"errorCorrection": "L"}, {"errorCorrection": "Q"}, {"errorCorrection": "H"},
    {"margin": 0}, {"margin": 10, "size": 600}, {"scale": 3},
    {"dark": "#123456", "light": "#fedcba"}, {"dark": "#800", "light": "transparent"},
]


def segno_decoded(payload: str, styling: dict[str, Any]) -> str:
    level = styling.get("errorCorrection", "M").lower()
    code = segno.make(payload, error=level, boost_error=False, micro=False)
    out = io.BytesIO()
    code.save(out, kind="png", scale=4, border=max(styling.get("margin", 4), 1))
    found = zxingcpp.read_barcodes(Image.open(out).convert("L"))
    assert len(found) == 1
    return str(found[0].text)


def ours_decoded(payload: str, styling: dict[str, Any]) -> str:
    uri = render_data_uri(payload, parse_styling(styling))
    if "light" in styling or "dark" in styling:  # decode_data_uri reads greyscale PNGs
        image = Image.open(io.BytesIO(base64.b64decode(uri.partition(",")[2]))).convert("RGBA")
        flat = Image.new("RGBA", image.size, "white")
        flat.alpha_composite(image)
        found = zxingcpp.read_barcodes(flat.convert("L"))
        assert len(found) == 1
        return str(found[0].text)
    return decode_data_uri(uri)


@pytest.mark.parametrize(("data_type", "data"), DATA, ids=[d[0] for d in DATA])
@pytest.mark.parametrize("styling", STYLINGS, ids=lambda s: ",".join(f"{k}={v}" for k, v in
                                                                      s.items()) or "default")
def test_both_encoders_decode_to_the_payload(data_type: str, data: Any,
                                             styling: dict[str, Any]) -> None:
    payload = encode_payload(data_type, data)
    assert ours_decoded(payload, styling) == payload
    assert segno_decoded(payload, styling) == payload
