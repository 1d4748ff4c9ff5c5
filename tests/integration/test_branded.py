"""Branded rows through the real stack: a bulk and a single generate, logos from assets."""

from __future__ import annotations

import base64
from typing import Any

import aiohttp

from shared.store import Database
from tests.api import Api, new_tenant
from tests.shared.brandkit import SVG_LOGO, body_of, decode_pdf, decode_png, decode_svg, png_logo

URL = "https://example.com/menu"


async def upload(api: Api, data: bytes, content_type: str) -> dict[str, Any]:
    async with api.http.post("/api/assets", data=data, headers={
            **api.tenant.headers, "Content-Type": content_type}) as answer:
        assert answer.status == 201, await answer.text()
        body: dict[str, Any] = await answer.json()
        return body


async def test_a_bulk_of_branded_rows_completes_and_every_entry_decodes(api: Api) -> None:
    png_id = (await upload(api, png_logo(), "image/png"))["assetId"]
    form = aiohttp.FormData()
    form.add_field("file", SVG_LOGO, filename="logo.svg", content_type="image/svg+xml")
    async with api.http.post("/api/assets", data=form, headers=api.tenant.headers) as answer:
        assert answer.status == 201, await answer.text()
        svg_id = (await answer.json())["assetId"]
    brand = {"modules": "rounded", "eyes": {"shape": "circle", "color": "#7a0019"},
             "gradient": {"type": "linear", "from": "#0d1b4c", "to": "#3b0a45", "angle": 45}}
    rows = [
        {"uid": "png-logo", "data": URL, "styling": {**brand, "logo": png_id}},
        {"uid": "svg-logo", "data": URL, "styling": {**brand, "logo": svg_id,
                                                     "frame": {"style": "banner",
                                                               "text": "Scan me"}}},
        {"uid": "pdf", "data": URL, "styling": {**brand, "format": "pdf", "logo": png_id}},
        {"uid": "dynamic", "qrType": "dynamic", "data": URL, "styling": {"modules": "dots"}},
        {"uid": "url-logo", "data": URL, "styling": {"logo": "https://example.com/l.png"}},
        {"uid": "pale", "data": URL, "styling": {"modules": "dots", "dark": "#777",
                                                 "light": "#888"}},
        {"uid": "big-logo", "data": URL, "styling": {"logo": png_id, "logoSize": 0.3,
                                                     "errorCorrection": "L"}},
    ]
    bulk_id = await api.submit(rows)
    assert (await api.wait_completed(bulk_id))["status"] == "completed"
    png, svg, pdf, dynamic, url_logo, pale, big = await api.archive(bulk_id)
    assert decode_png(body_of(png)[1]) == URL
    assert decode_png(body_of(svg)[1]) == URL
    mime, data = body_of(pdf)
    assert mime == "application/pdf" and decode_pdf(data) == URL
    assert decode_png(body_of(dynamic["QRs"])[1]) == dynamic["url"]
    assert url_logo["code"] == 400 and "POST /api/assets" in url_logo["message"]
    assert pale["code"] == 400 and "contrast" in pale["message"]
    assert big["code"] == 400 and "styling.logoSize" in big["message"]


async def test_single_generate_draws_a_data_uri_logo_and_refuses_another_tenants_asset(
        api: Api, db: Database) -> None:
    other = Api(api.http, await new_tenant(db))
    theirs = (await upload(other, png_logo(), "image/png"))["assetId"]
    row = {"uid": 1, "data": URL, "styling": {"logo": theirs}}
    async with api.http.post("/api/qr/generate", json=row, headers=api.tenant.headers) as answer:
        assert answer.status == 400
        assert "is not an asset of this subscription" in (await answer.json())["message"]
    uri = "data:image/svg+xml;base64," + base64.b64encode(SVG_LOGO).decode()
    row = {"uid": 2, "data": URL, "styling": {"logo": uri, "format": "svg"}}
    async with api.http.post("/api/qr/generate", json=row, headers=api.tenant.headers) as answer:
        assert answer.status == 200, await answer.text()
        entry = await answer.json()
    mime, data = body_of(entry)
    assert mime == "image/svg+xml" and decode_svg(data) == URL
