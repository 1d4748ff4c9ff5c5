"""/api/assets against the real servers: good images kept, bad ones refused and not stored."""

from __future__ import annotations

import io

import aiohttp
import pytest

from shared.assets import asset_key
from shared.s3 import ObjectStore
from shared.store.assets import find_asset, slots_of
from shared.store.client import Database
from tests.api import Api, new_tenant
from tests.shared.brandkit import SVG_LOGO, png_logo
from tests.shared.test_brand_checks import SVG_HEAD, huge_png

BAD = [
    ("script", (SVG_HEAD + 'viewBox="0 0 9 9"><script>alert(1)</script></svg>').encode(),
     "image/svg+xml", 400, "<script>"),
    ("onload", (SVG_HEAD + 'viewBox="0 0 9 9" onload="alert(1)"/>').encode(),
     "image/svg+xml", 400, "onload"),
    ("external-href", (SVG_HEAD + 'viewBox="0 0 9 9"><image href="https://evil.example/x"/>'
                       '</svg>').encode(), "image/svg+xml", 400, "outside the file"),
    ("xxe", b'<?xml version="1.0"?><!DOCTYPE s [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
     + (SVG_HEAD + ">&x;</svg>").encode(), "image/svg+xml", 400, "DOCTYPE"),
    ("billion-laughs", b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "lol">'
     b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>'
     + (SVG_HEAD + ">&c;</svg>").encode(), "image/svg+xml", 400, "entities"),
    ("bomb", huge_png(30_000, 30_000), "image/png", 400, "more pixels than 4096x4096"),
    ("html-as-png", b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script></html>", "image/png",
     400, "could not be decoded"),
    ("two-megabytes", b"\x89PNG\r\n\x1a\n" + b"\0" * (2 * 1024 * 1024), "image/png", 413,
     "1 MB"),
    ("wrong-type", png_logo(), "text/html", 415, "Content-Type must be one of"),
]


async def stored_keys(store: ObjectStore, client_id: str) -> list[str]:
    return [key async for key in store.keys(f"assets/{client_id}/")]


@pytest.mark.parametrize(("name", "data", "content_type", "status", "message"), BAD,
                         ids=[case[0] for case in BAD])
async def test_bad_assets_get_a_clear_4xx_and_nothing_is_stored(
        api: Api, store: ObjectStore, name: str, data: bytes, content_type: str, status: int,
        message: str) -> None:
    async with api.http.post("/api/assets", data=io.BytesIO(data), headers={
            **api.tenant.headers, "Content-Type": content_type}) as answer:
        assert answer.status == status, await answer.text()
        assert message in (await answer.json())["error"]
    async with api.http.get("/api/assets", headers=api.tenant.headers) as answer:
        assert (await answer.json()) == {"items": [], "next": None}
    assert await stored_keys(store, api.tenant.client_id) == []


async def test_upload_list_get_delete_and_another_subscription_sees_404(
        api: Api, db: Database, store: ObjectStore) -> None:
    form = aiohttp.FormData()
    form.add_field("file", SVG_LOGO, filename="logo.svg", content_type="image/svg+xml")
    async with api.http.post("/api/assets", data=form, headers=api.tenant.headers) as answer:
        assert answer.status == 201, await answer.text()
        asset = await answer.json()
    assert asset["kind"] == "svg" and (asset["width"], asset["height"]) == (100, 100)
    asset_id = asset["assetId"]
    assert await store.exists(asset_key(api.tenant.client_id, asset_id))
    await the_record_is_shared_and_holds_a_slot(db, api.tenant.client_id, asset_id)
    async with api.http.get("/api/assets", headers=api.tenant.headers) as answer:
        assert [a["assetId"] for a in (await answer.json())["items"]] == [asset_id]
    other = await new_tenant(db)
    for method in ("GET", "DELETE"):
        async with api.http.request(method, f"/api/assets/{asset_id}",
                                    headers=other.headers) as answer:
            assert answer.status == 404
    async with api.http.get(f"/api/assets/{asset_id}", headers=api.tenant.headers) as answer:
        assert (await answer.json())["sha256"] == asset["sha256"]
    async with api.http.delete(f"/api/assets/{asset_id}", headers=api.tenant.headers) as answer:
        assert answer.status == 204
    assert await stored_keys(store, api.tenant.client_id) == []
    async with api.http.get(f"/api/assets/{asset_id}", headers=api.tenant.headers) as answer:
        assert answer.status == 404
    assert await slots_of(db, api.tenant.client_id) == []


async def the_record_is_shared_and_holds_a_slot(db: Database, client_id: str,
                                                asset_id: str) -> None:
    """The record sits in the one `assets` collection, read only with its subscription; no
    collection is made for the subscription (DESIGN §11)."""
    record = await find_asset(db, client_id, asset_id)
    assert record is not None and record.subscription == client_id and record.slot == 1
    assert await find_asset(db, "cust_someone_else", asset_id) is None
    assert {s.slot for s in await slots_of(db, client_id)} == {1}
    names = set(await db.list_collection_names())
    assert {"assets", "asset_slots"} <= names
    assert not {f"assets_{client_id}", f"asset_slots_{client_id}"} & names


async def test_multipart_upload_over_1_mb_is_refused(api: Api, store: ObjectStore) -> None:
    form = aiohttp.FormData()
    form.add_field("file", io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"\0" * (1024 * 1024 + 10)),
                   filename="big.png", content_type="image/png")
    async with api.http.post("/api/assets", data=form, headers=api.tenant.headers) as answer:
        assert answer.status == 413
    assert await stored_keys(store, api.tenant.client_id) == []
