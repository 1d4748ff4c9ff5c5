"""Dynamic batches for the QR codes page's tests: what was scanned, how often, redirects.

Scans of this hour go through the redirect route of a gateway that trusts loopback as a
proxy, so their X-Forwarded-For addresses give countries. Scans of earlier hours cannot be
made through a redirect; they are published as one tally batch, exactly as a gateway
sends its counts, and the worker applies them like any other.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

import aiohttp

from shared import amqp
from shared.analytics.tally import HOUR_MS, Cell, TallyBatch
from shared.schemas import ScanEvent
from shared.settings import Settings
from tests.api import Api
from tests.integration.test_links import location, path_of
from tests.integration.test_scan_analytics import scan, scans_of
from tests.processes import free_port, start_gateway, stop_all
from tests.shared.test_analytics import IPHONE, PIXEL, WINDOWS

# (user agent, client address behind the proxy, source, scans) now, through /r/…
NOW = [
    (IPHONE, "81.2.69.160", "direct", 3),
    (WINDOWS, "8.8.8.8", "flyer", 2),
    (PIXEL, "10.0.0.5", "direct", 1),
]
NOW_TRAITS = {
    IPHONE: ("mobile", "iOS", "Mobile Safari"),
    WINDOWS: ("desktop", "Windows", "Chrome"),
    PIXEL: ("mobile", "Android", "Chrome Mobile"),
}
COUNTRY = {"81.2.69.160": "GB", "8.8.8.8": "US", "10.0.0.5": "unknown"}
# (hours ago, scans, device, os, browser, country), published as a tally
EARLIER = [
    (70, 2, "desktop", "Mac OS X", "Safari", "FR"),
    (52, 5, "mobile", "iOS", "Mobile Safari", "FR"),
    (30, 3, "desktop", "Windows", "Chrome", "DE"),
    (27, 4, "mobile", "Android", "Chrome Mobile", "GB"),
    (9, 6, "mobile", "iOS", "Mobile Safari", "US"),
]


@dataclass(frozen=True)
class Batch:
    bulk_id: str
    codes: dict[str, dict[str, Any]]  # uid → the record GET /api/qr lists


def expected_breakdowns() -> dict[str, Counter[str]]:
    """Every trait's counts over a range holding all the scans of NOW and EARLIER."""
    counts: dict[str, Counter[str]] = {
        k: Counter() for k in ("source", "device", "os", "browser", "country")
    }
    for agent, address, source, n in NOW:
        device, os_name, browser = NOW_TRAITS[agent]
        for trait, value in [
            ("source", source),
            ("device", device),
            ("os", os_name),
            ("browser", browser),
            ("country", COUNTRY[address]),
        ]:
            counts[trait][value] += n
    for _, n, device, os_name, browser, country in EARLIER:
        for trait, value in [
            ("source", "direct"),
            ("device", device),
            ("os", os_name),
            ("browser", browser),
            ("country", country),
        ]:
            counts[trait][value] += n
    return counts


TOTAL = sum(n for *_, n in NOW) + sum(n for _, n, *_ in EARLIER)


async def submit_batch(api: Api, rows: list[dict[str, Any]]) -> Batch:
    bulk_id = await api.submit(rows)
    assert (await api.wait_completed(bulk_id))["status"] == "completed"
    async with api.http.get(
        "/api/qr", params={"bulkId": bulk_id, "limit": "100"}, headers=api.tenant.headers
    ) as answer:
        assert answer.status == 200, await answer.text()
        items = (await answer.json())["items"]
    assert len(items) == len(rows)
    return Batch(bulk_id, {str(item["uid"]): item for item in items})


async def record_scans(settings: Settings, api: Api, record: dict[str, Any]) -> None:
    """NOW through a proxied gateway, EARLIER as a tally; returns once all have landed."""
    proxied = settings.model_copy(
        update={"trusted_proxies": ["127.0.0.1/32"], "http_port": free_port()}
    )
    gateway = start_gateway(proxied, f"qr-page-{proxied.http_port}")
    paths = {"direct": path_of(record["url"]), "flyer": path_of(record["sources"][0]["url"])}
    try:
        async with aiohttp.ClientSession(f"http://127.0.0.1:{proxied.http_port}") as http:
            await asyncio.gather(
                *(
                    scan(http, paths[source], agent, address, "")
                    for agent, address, source, n in NOW
                    for _ in range(n)
                )
            )
    finally:
        stop_all([gateway])  # its last tallies are flushed on the way out
    await publish_earlier(settings, record["id"].removeprefix("qr_"))
    answer = await scans_of(api, record["id"], TOTAL)
    assert answer["total"] == TOTAL, answer


async def publish_earlier(settings: Settings, code: str) -> None:
    now_hour = int(time.time() * 1000) // HOUR_MS
    batch = TallyBatch(
        gateway=secrets.token_hex(8),
        seq=1,
        links=[
            ScanEvent(
                code=code,
                count=sum(n for _, n, *_ in EARLIER),
                lastScanMs=(now_hour - EARLIER[-1][0]) * HOUR_MS,
            )
        ],
        cells=[
            Cell(
                record=code,
                source="direct",
                hour=now_hour - ago,
                device=device,
                os=os_name,
                browser=browser,
                country=country,
                referrer="direct",
                count=n,
            )
            for ago, n, device, os_name, browser, country in EARLIER
        ],
    )
    connection = await amqp.connect(settings)
    async with connection:
        topology = await amqp.declare_topology(await amqp.open_channel(connection), settings)
        await amqp.publish(
            topology.work,
            amqp.SCAN_KEY,
            batch.model_dump_json(by_alias=True).encode(),
            timeout_s=10,
        )


async def redirect_of(
    http: aiohttp.ClientSession, record: dict[str, Any], expected: int
) -> tuple[int, str]:
    """The short link's answer, once it is `expected` (gateways drop cached links at once)."""
    deadline = time.monotonic() + 3
    answer = await location(http, path_of(record["url"]))
    while answer[0] != expected and time.monotonic() < deadline:
        answer = await location(http, path_of(record["url"]))
    return answer
