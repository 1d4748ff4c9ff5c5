"""Issue 31 item 3: uploads decoded off the event loop, stored size capped, multipart parts
limited, an exact asset count per subscription and a paginated list."""

from __future__ import annotations

import asyncio
import io
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiohttp
import numpy as np
import pytest
from PIL import Image

from shared.brand.assetcheck import MAX_STORED_BYTES
from shared.settings import Settings
from shared.store.assets import list_assets, slots_of
from shared.store.client import Database
from tests.api import Api, new_tenant, worst_health_s
from tests.processes import Process, free_port, start_gateway

ASSETS_LIMIT = 5


@pytest.fixture(scope="module")
def uploads_gateway(settings: Settings) -> Iterator[Process]:
    """A gateway whose budget lets a slow decode finish (the cap is what is tested)."""
    port = free_port()
    own = settings.model_copy(update={
        "http_port": port, "public_url": f"http://127.0.0.1:{port}",
        "render_timeout_s": 120.0, "render_pool_processes": 2,
        "assets_per_subscription": ASSETS_LIMIT})
    gateway = start_gateway(own, f"uploads-{uuid.uuid4().hex[:6]}")
    yield gateway
    gateway.stop()


@pytest.fixture
async def uploads_api(uploads_gateway: Process, db: Database) -> AsyncIterator[Api]:
    url = f"http://127.0.0.1:{uploads_gateway.settings.http_port}"
    async with aiohttp.ClientSession(url) as http:
        yield Api(http, await new_tenant(db))


def png_logo(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 40), colour).save(out, "PNG")
    return out.getvalue()


def smooth_noise_jpeg(side_px: int = 1536) -> bytes:
    """~400 KB of JPEG that is ~5 MB as a lossless PNG (the attack's 820 KB became 23 MB)."""
    rng = np.random.default_rng(7)
    coarse = Image.fromarray(rng.integers(0, 256, (side_px // 8, side_px // 8, 3), np.uint8))
    smooth = np.asarray(coarse.resize((side_px, side_px), Image.Resampling.BICUBIC))
    grain = rng.integers(-3, 4, (side_px, side_px, 3))
    out = io.BytesIO()
    pixels = (smooth.astype(np.int16) + grain).clip(0, 255).astype(np.uint8)
    Image.fromarray(pixels).save(out, "JPEG", quality=60)
    return out.getvalue()


async def post_asset(api: Api, data: bytes, content_type: str = "image/png"
                     ) -> tuple[int, Any]:
    async with api.http.post("/api/assets", data=io.BytesIO(data), headers={
            **api.tenant.headers, "Content-Type": content_type}) as answer:
        return answer.status, await answer.json()


async def test_a_raster_too_big_once_re_encoded_is_refused_off_the_loop(
        uploads_api: Api, db: Database) -> None:
    data = smooth_noise_jpeg()
    assert len(data) < 1024 * 1024
    worst_s, (status, body) = await worst_health_s(uploads_api.http,
                                                   post_asset(uploads_api, data, "image/jpeg"))
    assert status == 413, body
    assert f"the largest kept is {MAX_STORED_BYTES} bytes" in body["error"]
    assert worst_s < 0.5, f"/healthz took {worst_s:.2f}s while a JPEG was decoded"
    assert await list_assets(db, uploads_api.tenant.client_id, None, 10) == []


async def test_a_multipart_body_of_many_parts_is_refused_early(uploads_api: Api) -> None:
    boundary = "b0undary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n\r\n" * 19_000
            + f"--{boundary}--\r\n").encode()
    headers = {**uploads_api.tenant.headers,
               "Content-Type": f"multipart/form-data; boundary={boundary}"}
    worst_s, (status, reply) = await worst_health_s(uploads_api.http, _post(uploads_api, body,
                                                                        headers))
    assert status == 400 and "more than 8 parts" in reply["error"], reply
    assert worst_s < 0.5


async def _post(api: Api, body: bytes, headers: dict[str, str]) -> tuple[int, Any]:
    async with api.http.post("/api/assets", data=io.BytesIO(body), headers=headers) as answer:
        return answer.status, await answer.json()


async def test_the_asset_count_holds_under_concurrent_uploads(uploads_api: Api,
                                                              db: Database) -> None:
    logos = [png_logo(colour=(i * 10, 0, 0)) for i in range(3 * ASSETS_LIMIT)]

    async def until_answered(data: bytes) -> int:
        while True:  # a 503 (the render pool's queue is full) is retried, as it says
            status, _ = await post_asset(uploads_api, data)
            if status != 503:
                return status
            await asyncio.sleep(0.2)

    statuses = await asyncio.gather(*(until_answered(logo) for logo in logos))
    assert statuses.count(201) == ASSETS_LIMIT and statuses.count(429) == 2 * ASSETS_LIMIT
    client_id = uploads_api.tenant.client_id
    assert len(await list_assets(db, client_id, None, 10 * ASSETS_LIMIT)) == ASSETS_LIMIT
    assert {s.slot for s in await slots_of(db, client_id)} == set(range(1, ASSETS_LIMIT + 1))
    status, body = await post_asset(uploads_api, logos[0])
    assert status == 429 and f"keeps {ASSETS_LIMIT} assets" in body["error"]
    first = (await list_page(uploads_api, "limit=1"))["items"][0]["assetId"]
    async with uploads_api.http.delete(f"/api/assets/{first}",
                                       headers=uploads_api.tenant.headers) as answer:
        assert answer.status == 204
    assert (await post_asset(uploads_api, logos[0]))[0] == 201  # its slot was given back


async def list_page(api: Api, query: str, expect: int = 200) -> Any:
    async with api.http.get(f"/api/assets?{query}", headers=api.tenant.headers) as answer:
        assert answer.status == expect, await answer.text()
        return await answer.json()


async def test_the_asset_list_is_paginated(uploads_api: Api) -> None:
    made = [(await post_asset(uploads_api, png_logo(colour=(0, i * 40, 0))))[1]["assetId"]
            for i in range(3)]
    page = await list_page(uploads_api, "limit=2")
    assert [item["assetId"] for item in page["items"]] == made[:2] and page["next"]
    rest = await list_page(uploads_api, f"limit=2&cursor={page['next']}")
    assert [item["assetId"] for item in rest["items"]] == made[2:] and rest["next"] is None
    assert len((await list_page(uploads_api, ""))["items"]) == 3
    for bad in ("limit=0", "limit=101", "limit=%D9%A3", "cursor=nonsense"):
        assert "error" in await list_page(uploads_api, bad, expect=400)
