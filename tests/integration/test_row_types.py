"""Every dataType and styling option through a real batch: images decode to the payload."""

from __future__ import annotations

import base64
import xml.etree.ElementTree as ET
from typing import Any

from tests.api import Api, decode_data_uri, parse_archive

CASES: list[tuple[str, Any, str]] = [
    ("url", "https://example.com/x?y=1", "https://example.com/x?y=1"),
    ("text", "Grüße, world", "Grüße, world"),
    ("email", {"to": "a@example.com", "subject": "Hi"}, "mailto:a@example.com?subject=Hi"),
    ("phone", "+44 20 7946 0000", "tel:+442079460000"),
    ("sms", {"phone": "+15550100", "message": "see you"}, "SMSTO:+15550100:see you"),
    ("wifi", {"ssid": "Cafe", "password": "semi;colon", "encryption": "WPA"},
     "WIFI:T:WPA;S:Cafe;P:semi\\;colon;;"),
    ("vcard", {"firstName": "Ada", "lastName": "Lovelace", "org": "Engines, Ltd"},
     "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Lovelace;Ada;;;\r\nFN:Ada Lovelace\r\n"
     "ORG:Engines\\, Ltd\r\nEND:VCARD"),
    ("geo", {"lat": 51.5, "lng": -0.12}, "geo:51.5,-0.12"),
]


async def test_each_data_type_round_trips(api: Api) -> None:
    rows = [{"uid": t, "dataType": t, "data": data} for t, data, _ in CASES]
    entries = await api.archive(await api.submit(rows))
    for (data_type, _, payload), entry in zip(CASES, entries, strict=True):
        assert isinstance(entry, str), (data_type, entry)
        assert decode_data_uri(entry).replace("\n", "\r\n").replace("\r\r", "\r") == payload


async def test_styling_reaches_the_image_and_bad_styling_fails_the_row(api: Api) -> None:
    rows = [
        {"uid": "svg", "data": "https://example.com", "styling": {"format": "svg",
                                                                  "dark": "#123456"}},
        {"uid": "big", "data": "https://example.com", "styling": {"size": 1000,
                                                                  "errorCorrection": "H"}},
        {"uid": "tiny", "data": "https://example.com", "styling": {"size": 10}},
        {"uid": "long", "data": "https://example.com/" + "x" * 3000,
         "styling": {"errorCorrection": "H"}},
    ]
    svg, big, tiny, long = await api.archive(await api.submit(rows))
    root = ET.fromstring(base64.b64decode(svg.partition(",")[2]))
    assert root.tag.endswith("svg") and 'fill="#123456"' in ET.tostring(root).decode()
    assert decode_data_uri(big) == "https://example.com"
    assert tiny["code"] == 400 and "styling.size must be between 64 and 4096" in tiny["message"]
    assert long["code"] == 400 and "too long for a QR code" in long["message"]


async def test_single_generate_matches_a_one_row_bulk(api: Api) -> None:
    for row in ({"uid": "s", "data": "https://example.com/same"},
                {"uid": "d", "qrType": "dynamic", "data": "https://example.com/dyn",
                 "sources": ["a"]},
                {"uid": "f", "data": "nope"}):
        async with api.http.post("/api/qr/generate", json=row,
                                 headers=api.tenant.headers) as answer:
            single = await answer.json()
            status = answer.status
        [bulk] = await api.archive(await api.submit([row]))
        if isinstance(bulk, str):
            assert status == 200 and single == bulk
        elif bulk.get("status") == "failed":
            assert status == 400 and single == bulk
        else:
            assert status == 200 and set(single) == set(bulk)
            assert [s["source"] for s in single["sources"]] == ["a"]
            assert decode_data_uri(single["QRs"]) == single["url"]


async def test_verified_batch_scans_every_image_back(api: Api) -> None:
    rows = [{"uid": i, "dataType": t, "data": data} for i, (t, data, _) in enumerate(CASES)]
    async with api.http.post("/api/qr/bulk-generate?verify=true", json=rows,
                             headers=api.tenant.headers) as answer:
        assert answer.status == 200
        bulk_id = await answer.json()
    order = await api.wait_completed(bulk_id)
    assert order["status"] == "completed"
    status, body = await api.download(bulk_id)
    assert status == 200
    assert all(isinstance(entry, str) for entry in parse_archive(body))
    async with api.http.post("/api/qr/bulk-generate?verify=maybe", json=rows,
                             headers=api.tenant.headers) as refused:
        assert refused.status == 400
        assert "verify must be true or false" in (await refused.json())["error"]
