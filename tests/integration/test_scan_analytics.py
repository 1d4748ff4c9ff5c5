"""Scan analytics end to end: four gateways behind a trusted proxy, one writer, exact counts."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aiohttp

from shared import amqp
from shared.analytics.tally import Cell, TallyBatch, hour_of
from shared.schemas import ScanEvent
from shared.settings import Settings
from shared.store.client import Database
from tests.api import Api, new_tenant
from tests.integration.test_links import one_dynamic, path_of
from tests.processes import Process, free_port, start_gateway, stop_all
from tests.shared.test_analytics import IPHONE, PIXEL, WINDOWS

# (user agent, client address behind the proxy, source, referer) and scans per gateway
PLAN = [
    ((IPHONE, "81.2.69.160", "direct", "https://news.example/story"), 3),
    ((WINDOWS, "8.8.8.8", "flyer", ""), 2),
    ((PIXEL, "10.0.0.5", "direct", ""), 1),
]


async def scans_of(api: Api, qr_id: str, expected: int, **query: str) -> dict[str, Any]:
    answer: dict[str, Any] = {}
    for _ in range(100):  # tallies are flushed each second and applied by a worker
        async with api.http.get(f"/api/qr/{qr_id}/scans", params=query,
                                headers=api.tenant.headers) as got:
            assert got.status == 200, await got.text()
            answer = await got.json()
        if answer["total"] >= expected:
            break
        await asyncio.sleep(0.2)
    return answer


async def scan(http: aiohttp.ClientSession, path: str, agent: str, address: str,
               referer: str) -> None:
    headers = {"User-Agent": agent, "X-Forwarded-For": f"203.0.113.9, {address}"}
    if referer:
        headers["Referer"] = referer
    async with http.get(path, headers=headers, allow_redirects=False) as answer:
        assert answer.status == 302


async def test_four_gateways_count_exactly_once(api: Api, settings: Settings,
                                                db: Database) -> None:
    entry = await one_dynamic(api, sources=["flyer"])
    paths = {"direct": path_of(entry["url"]), "flyer": path_of(entry["sources"][0]["url"])}
    proxied = settings.model_copy(update={"trusted_proxies": ["127.0.0.1/32"]})
    ports = [free_port() for _ in range(4)]
    gateways: list[Process] = []
    try:
        for port in ports:
            gateways.append(start_gateway(proxied.model_copy(update={"http_port": port}),
                                          f"scans-{port}"))
        start_hour = hour_of(int(time.time() * 1000))
        for port in ports:
            async with aiohttp.ClientSession(f"http://127.0.0.1:{port}") as http:
                await asyncio.gather(*(
                    scan(http, paths[source], agent, address, referer)
                    for (agent, address, source, referer), times in PLAN
                    for _ in range(times)))
        end_hour = hour_of(int(time.time() * 1000))
    finally:
        stop_all(gateways)
    answer = await scans_of(api, entry["id"], 24)
    assert answer["total"] == 24
    assert sum(p["scans"] for p in answer["series"]) == 24
    assert {p["t"] // 3_600_000 for p in answer["series"]} <= {start_hour, end_hour}
    breakdowns = answer["breakdowns"]
    assert breakdowns["source"] == {"direct": 16, "flyer": 8}
    assert breakdowns["device"] == {"mobile": 16, "desktop": 8}
    assert breakdowns["os"] == {"iOS": 12, "Windows": 8, "Android": 4}
    assert breakdowns["country"] == {"GB": 12, "US": 8, "unknown": 4}
    assert breakdowns["referrer"] == {"news.example": 12, "direct": 12}
    async with api.http.get(f"/api/qr/{entry['id']}", headers=api.tenant.headers) as got:
        assert (await got.json())["scans"] == {"total": 24, "direct": 16}

    await publish_twice(settings, entry["id"].removeprefix("qr_"), start_hour)
    again = await scans_of(api, entry["id"], 29)
    await asyncio.sleep(2)  # a second application would have landed by now
    again = await scans_of(api, entry["id"], 29)
    assert again["total"] == 29 and again["breakdowns"]["country"]["FR"] == 5


async def publish_twice(settings: Settings, code: str, hour: int) -> None:
    """One tally batch delivered twice, as a redelivery or a republish would."""
    batch = TallyBatch(gateway="0123456789abcdef", seq=1,
                       links=[ScanEvent(code=code, count=5, lastScanMs=hour * 3_600_000)],
                       cells=[Cell(record=code, source="direct", hour=hour, device="mobile",
                                   os="iOS", browser="Safari", country="FR",
                                   referrer="direct", count=5)])
    connection = await amqp.connect(settings)
    async with connection:
        topology = await amqp.declare_topology(await amqp.open_channel(connection), settings)
        body = batch.model_dump_json(by_alias=True).encode()
        for _ in range(2):
            await amqp.publish(topology.work, amqp.SCAN_KEY, body, timeout_s=10)


async def test_scans_route_checks_its_input_and_its_owner(api: Api, db: Database) -> None:
    entry = await one_dynamic(api)
    route = f"/api/qr/{entry['id']}/scans"
    for query, word in [({"interval": "week"}, "interval"), ({"from": "soon"}, "from"),
                        ({"from": "2000", "to": "1000"}, "before"),
                        ({"from": "0", "to": str(10**12)}, "days apart")]:
        async with api.http.get(route, params=query, headers=api.tenant.headers) as bad:
            assert bad.status == 400 and word in (await bad.json())["error"], query
    stranger = (await new_tenant(db)).headers
    async with api.http.get(route, headers=stranger) as denied:
        assert denied.status == 404
    async with api.http.get(route, params={"interval": "day"},
                            headers=api.tenant.headers) as empty:
        assert (await empty.json())["total"] == 0
