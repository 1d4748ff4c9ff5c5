"""The dynamic-link service: passwords, expiry, sources with scan counts, and PATCH."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aiohttp

from shared.settings import Settings
from shared.store.client import Database
from tests.api import Api, new_tenant
from tests.processes import free_port, start_gateway


def path_of(url: str) -> str:
    return "/r/" + url.rsplit("/r/", 1)[1]


async def one_dynamic(api: Api, **fields: Any) -> dict[str, Any]:
    row = {"uid": "d", "qrType": "dynamic", "data": "https://example.com/target", **fields}
    [entry] = await api.archive(await api.submit([row]))
    assert "QRs" in entry, entry
    return dict(entry)


async def location(http: aiohttp.ClientSession, path: str, **kwargs: Any) -> tuple[int, str]:
    method = "POST" if "data" in kwargs else "GET"
    async with http.request(method, path, allow_redirects=False, **kwargs) as answer:
        return answer.status, answer.headers.get("Location", "")


async def test_password_page_guards_the_redirect(api: Api) -> None:
    entry = await one_dynamic(api, secure=[{"type": "password", "value": "s3cret"}])
    path = path_of(entry["url"])
    async with api.http.get(path, allow_redirects=False) as page:
        assert page.status == 200 and "Location" not in page.headers
        assert 'type=password' in await page.text()
    assert (await location(api.http, path, data={"password": "wrong"}))[0] == 401
    assert await location(api.http, path, data={"password": "s3cret"}) == (
        302, "https://example.com/target")
    for _ in range(5):
        await location(api.http, path, data={"password": "nope"})
    assert (await location(api.http, path, data={"password": "s3cret"}))[0] == 429


async def test_link_expires(api: Api) -> None:
    expiry_ms = int(time.time() * 1000) + 4000
    entry = await one_dynamic(api, expiry=expiry_ms)
    assert (await location(api.http, path_of(entry["url"])))[0] == 302
    await asyncio.sleep(max(0.0, expiry_ms / 1000 - time.time()) + 0.2)
    async with api.http.get(path_of(entry["url"]), allow_redirects=False) as gone:
        assert gone.status == 410 and "expired" in await gone.text()


async def test_sources_get_their_own_links_and_counts(api: Api) -> None:
    entry = await one_dynamic(api, sources=["flyer", "poster"])
    links = [entry["url"]] + [s["url"] for s in entry["sources"]]
    assert len(set(links)) == 3
    assert [s["source"] for s in entry["sources"]] == ["flyer", "poster"]
    for url, times in zip(links, (1, 2, 3), strict=True):
        for _ in range(times):
            assert await location(api.http, path_of(url)) == (302, "https://example.com/target")
    record: dict[str, Any] = {}
    for _ in range(100):  # counts are flushed each second and applied by a worker
        async with api.http.get(f"/api/qr/{entry['id']}", headers=api.tenant.headers) as got:
            record = await got.json()
        if record["scans"]["total"] == 6:
            break
        await asyncio.sleep(0.2)
    assert record["scans"] == {"total": 6, "direct": 1}
    assert {s["source"]: s["scans"] for s in record["sources"]} == {"flyer": 2, "poster": 3}
    assert record["lastScanAt"] is not None


async def test_patch_moves_the_link_everywhere_and_only_for_its_owner(
    api: Api, settings: Settings, db: Database
) -> None:
    entry = await one_dynamic(api)
    path = path_of(entry["url"])
    port = free_port()
    other = start_gateway(settings.model_copy(update={"http_port": port}), f"patch-{port}")
    try:
        async with aiohttp.ClientSession(f"http://127.0.0.1:{port}") as second:
            assert (await location(second, path))[1] == "https://example.com/target"  # cached
            stranger = (await new_tenant(db)).headers
            async with api.http.patch(f"/api/qr/{entry['id']}", headers=stranger,
                                      json={"destination": "https://evil.example"}) as denied:
                assert denied.status == 404
            async with api.http.patch(f"/api/qr/{entry['id']}", headers=api.tenant.headers,
                                      json={"destination": "https://example.com/new"}) as ok:
                assert ok.status == 200
                assert (await ok.json())["destination"] == "https://example.com/new"
            assert (await location(api.http, path))[1] == "https://example.com/new"
            for _ in range(50):  # the fanout reaches the other gateway's cache
                if (await location(second, path))[1] == "https://example.com/new":
                    break
                await asyncio.sleep(0.1)
            assert (await location(second, path))[1] == "https://example.com/new"
        async with api.http.patch(f"/api/qr/{entry['id']}", headers=api.tenant.headers,
                                  json={"destination": "not a url"}) as bad:
            assert bad.status == 400 and "destination" in (await bad.json())["error"]
    finally:
        other.stop()
