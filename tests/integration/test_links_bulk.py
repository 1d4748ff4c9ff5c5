"""A batch's links exported and changed together: dry run, re-point, expiry, disable, owners."""

from __future__ import annotations

import asyncio
import csv
import io
import time

import aiohttp

from shared.settings import Settings
from shared.store.client import Database
from tests.api import Api, new_tenant
from tests.integration.test_links import location, path_of
from tests.integration.test_qr_listing import dynamic_bulk
from tests.processes import free_port, start_gateway


async def update(api: Api, bulk_id: str, body: object,
                 headers: dict[str, str] | None = None) -> tuple[int, dict[str, object]]:
    async with api.http.post(f"/api/qr/bulk-generate/{bulk_id}/links/update", json=body,
                             headers=headers or api.tenant.headers) as answer:
        return answer.status, await answer.json()


async def test_repoint_a_batch_everywhere(api: Api, settings: Settings) -> None:
    bulk_id, entries = await dynamic_bulk(api, 6)
    paths = [path_of(e["url"]) for e in entries]
    port = free_port()
    other = start_gateway(settings.model_copy(update={"http_port": port}), f"bulk-{port}")
    try:
        async with aiohttp.ClientSession(f"http://127.0.0.1:{port}") as second:
            for path in paths:  # both gateways now cache every link
                assert (await location(second, path))[0] == 302
                assert (await location(api.http, path))[0] == 302
            template = {"destination": "https://new.example/{uid}?from=qr"}
            status, dry = await update(api, bulk_id, template | {"dryRun": True})
            assert status == 200 and dry["changed"] == 6 and dry["matched"] == 6, dry
            assert (await location(second, paths[0]))[1] == "https://example.com/p/0"
            status, done = await update(api, bulk_id, template)
            assert status == 200 and (done["dryRun"], done["scope"]) == (False, "all"), done
            started = time.monotonic()
            while time.monotonic() - started < 2.0:
                moved = [(await location(second, p))[1] for p in paths]
                if moved[0].startswith("https://new.example"):
                    break
                await asyncio.sleep(0.05)
            assert moved == [f"https://new.example/item-{n}?from=qr" for n in range(6)]
            again = await update(api, bulk_id, template | {"dryRun": True})
            assert again[1]["changed"] == 0  # nothing left to change
            status, off = await update(api, bulk_id, {"uids": ["item-1", "item-2"],
                                                      "disabled": True})
            assert status == 200 and (off["scope"], off["uids"]) == ("uids", 2)
            await asyncio.sleep(0.5)
            assert [(await location(second, p))[0] for p in paths[:4]] == [302, 410, 410, 302]
    finally:
        other.stop()


async def test_export_streams_every_link(api: Api) -> None:
    bulk_id, entries = await dynamic_bulk(api, 3, maxScans=7)
    route = f"/api/qr/bulk-generate/{bulk_id}/links"
    async with api.http.get(route, params={"format": "csv"}, headers=api.tenant.headers) as got:
        assert got.status == 200 and got.content_type == "text/csv"
        lines = list(csv.DictReader(io.StringIO(await got.text())))
    assert sorted(line["id"] for line in lines) == sorted(e["id"] for e in entries)
    assert {line["maxScans"] for line in lines} == {"7"}
    async with api.http.get(route, headers=api.tenant.headers) as got:
        items = await got.json()
    assert sorted(i["uid"] for i in items) == ["item-0", "item-1", "item-2"]
    async with api.http.get(route, params={"format": "xml"}, headers=api.tenant.headers) as bad:
        assert bad.status == 400


async def test_bad_updates_and_other_subscriptions(api: Api, db: Database) -> None:
    bulk_id, entries = await dynamic_bulk(api, 1)
    for body in ({}, {"destination": "not a url {uid}"}, {"expiry": "yesterday"},
                 {"uids": [], "disabled": True}, {"disabled": "no"}, {"color": "red"},
                 {"disabled": True, "dryRun": "yes"}):
        status, answer = await update(api, bulk_id, body)
        assert status == 400 and answer["error"], body
    stranger = (await new_tenant(db)).headers
    assert (await update(api, bulk_id, {"disabled": True}, stranger))[0] == 404
    for route in (f"/api/qr/bulk-generate/{bulk_id}/links", f"/api/qr/{entries[0]['id']}/scans"):
        async with api.http.get(route, headers=stranger) as denied:
            assert denied.status == 404, route
    async with api.http.get("/api/qr", params={"bulkId": bulk_id}, headers=stranger) as denied:
        assert denied.status == 404
    assert (await location(api.http, path_of(entries[0]["url"])))[0] == 302  # unchanged
