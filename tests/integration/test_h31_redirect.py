"""Issue 31 item 5 and part of 11, replayed on the unauthenticated redirect path: malformed
codes cost nothing, the caches are bounded and reported, `Location` is ASCII, pages carry CSP."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator, Mapping

import aiohttp
import pytest

from shared.ids import shard_of_code
from shared.settings import Settings
from shared.store.client import Database
from shared.store.links import set_link_fields
from tests.api import Api
from tests.integration.test_links import location, one_dynamic, path_of
from tests.probe import GatewayWatch, rss_bytes
from tests.processes import Process, free_port, start_gateway

MB = 1024 * 1024
MALFORMED_REQUESTS = 5_000  # ~37 MB kept by the old negative cache (7.5 KB each)
WARM_UP_REQUESTS = 500
CODE_CHARS = 8_000
GROWTH_LIMIT_BYTES = 4 * MB
CONCURRENCY = 32
HEALTH_S = 0.5


@pytest.fixture
async def own_gateway(settings: Settings) -> AsyncIterator[Process]:
    """A gateway of this test alone, so that its memory and gauges see only this attack."""
    port = free_port()
    gateway = start_gateway(settings.model_copy(
        update={"http_port": port, "public_url": f"http://127.0.0.1:{port}"}), f"h31r-{port}")
    try:
        yield gateway
    finally:
        gateway.stop()


async def samples(http: aiohttp.ClientSession) -> dict[str, float]:
    """The gateway's /metrics, one value per sample line (name and labels as written)."""
    async with http.get("/metrics") as answer:
        text = await answer.text()
    pairs = (line.rsplit(" ", 1) for line in text.splitlines() if line and line[0] != "#")
    return {name: float(value) for name, value in pairs}


async def send_malformed(http: aiohttp.ClientSession, count: int) -> None:
    """`count` GETs (and a POST in ten) of random 8,000-character codes, each a 404."""
    async def one(i: int) -> None:
        code = secrets.token_urlsafe(CODE_CHARS)[:CODE_CHARS]
        method = "POST" if i % 10 == 0 else "GET"
        async with http.request(method, f"/r/{code}", data={"password": "x"} if
                                method == "POST" else None, allow_redirects=False) as answer:
            assert answer.status == 404, answer.status

    for start in range(0, count, CONCURRENCY):
        await asyncio.gather(*(one(i) for i in range(start, min(count, start + CONCURRENCY))))


async def test_malformed_codes_cost_no_memory(own_gateway: Process) -> None:
    url = f"http://127.0.0.1:{own_gateway.settings.http_port}"
    async with aiohttp.ClientSession(url) as http:
        await send_malformed(http, WARM_UP_REQUESTS)  # the allocator's buffers, grown once
        idle_bytes = rss_bytes(own_gateway.pid)
        with GatewayWatch(own_gateway.pid, url) as watch:
            await send_malformed(http, MALFORMED_REQUESTS)
        grown_bytes = rss_bytes(own_gateway.pid) - idle_bytes
        seen = await samples(http)
    print(f"RSS grew {grown_bytes / MB:.1f} MB over {MALFORMED_REQUESTS} malformed codes; "
          f"slowest /healthz {watch.seen.slowest_health_s * 1000:.0f} ms")
    assert grown_bytes < GROWTH_LIMIT_BYTES, f"RSS grew {grown_bytes / MB:.1f} MB"
    assert watch.seen.slowest_health_s < HEALTH_S
    for cache in ("links", "missing_links", "password_guesses"):
        assert seen[f'bulkqr_cache_entries{{cache="{cache}"}}'] == 0
        assert seen[f'bulkqr_cache_bytes{{cache="{cache}"}}'] == 0
    malformed = WARM_UP_REQUESTS + MALFORMED_REQUESTS
    assert seen['bulkqr_redirects_total{outcome="malformed"}'] == malformed
    assert 'bulkqr_redirects_total{outcome="not_found"}' not in seen


async def test_cache_gauges_follow_lookups(api: Api) -> None:
    entry = await one_dynamic(api)
    unknown = "/r/zz" + secrets.token_hex(4)[:7]  # well formed, in no shard
    before = await samples(api.http)
    assert (await location(api.http, path_of(entry["url"])))[0] == 302
    assert (await location(api.http, unknown))[0] == 404
    after = await samples(api.http)

    def grown(name: str, cache: str) -> float:
        key = f'bulkqr_cache_{name}{{cache="{cache}"}}'
        return after[key] - before[key]

    assert grown("entries", "links") == 1 and 1_000 < grown("bytes", "links") < 10_000
    assert grown("entries", "missing_links") == 1
    assert 100 < grown("bytes", "missing_links") < 1_000


async def stored_destination(api: Api, db: Database, destination: str) -> str:
    """A link whose stored destination is `destination`, written past today's validation
    (as older builds let in); its path, not yet looked up by any gateway."""
    entry = await one_dynamic(api)
    path = path_of(entry["url"])
    code = path.removeprefix("/r/")
    shard = shard_of_code(code)
    assert shard is not None
    await set_link_fields(db, shard, code, {"destination": destination})
    return path


async def test_location_is_percent_encoded_ascii(api: Api, db: Database) -> None:
    cases = {
        "https://bücher.example/\u202egnp.exe?q=ä b#é": (
            "https://xn--bcher-kva.example/%E2%80%AEgnp.exe?q=%C3%A4%20b#%C3%A9"),
        "https://example.com/already%20ok/%zz": "https://example.com/already%20ok/%25zz",
    }
    for stored, sent in cases.items():
        path = await stored_destination(api, db, stored)
        async with api.http.get(path, allow_redirects=False) as answer:
            assert (answer.status, answer.headers["Location"]) == (302, sent)
    path = await stored_destination(api, db, "https://bad\u202ehost.example/")
    async with api.http.get(path, allow_redirects=False) as answer:
        assert answer.status == 410 and "Location" not in answer.headers
        assert "cannot be opened" in await answer.text()


def assert_strict_page(headers: Mapping[str, str]) -> None:
    policy = dict(part.strip().split(" ", 1) for part in headers["Content-Security-Policy"]
                  .split(";"))
    assert policy["default-src"] == "'none'" and policy["form-action"] == "'self'"
    assert policy["frame-ancestors"] == "'none'" and policy["base-uri"] == "'none'"
    assert policy["style-src"].startswith("'sha256-") and "script-src" not in policy
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"


async def test_short_link_pages_send_a_strict_policy(api: Api) -> None:
    entry = await one_dynamic(api, secure=[{"type": "password", "value": "right"}])
    path = path_of(entry["url"])
    answers = [("GET", path, None), ("POST", path, {"password": "wrong"}),
               ("GET", "/r/zz0000000", None), ("GET", "/r/" + "x" * 100, None)]
    for method, target, form in answers:
        async with api.http.request(method, target, data=form, allow_redirects=False) as page:
            assert page.status in (200, 401, 404) and "<script" not in await page.text()
            assert_strict_page(page.headers)
    browser = {"Accept": "text/html,application/xhtml+xml", "Sec-Fetch-Mode": "navigate"}
    async with api.http.post(path, data={"password": "right"}, headers=browser,
                             allow_redirects=False) as unlocked:
        assert unlocked.status == 200 and "Location" not in unlocked.headers
        assert unlocked.headers["Refresh"] == "0;url=https://example.com/target"
        assert "url=https://example.com/target'" in await unlocked.text()
        assert_strict_page(unlocked.headers)
    assert await location(api.http, path, data={"password": "right"}) == (
        302, "https://example.com/target")  # API clients still get the redirect
