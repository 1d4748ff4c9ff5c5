"""Every error answer becomes its typed error, carrying the server's own message."""

from __future__ import annotations

from dataclasses import replace

import pytest

from client import (
    BadRequest,
    BulkQRClient,
    ClientConfig,
    Forbidden,
    NotFound,
    PayloadTooLarge,
    TooManyRequests,
    Unauthorized,
)
from shared.store import ORDERS, Database
from shared.subscriptions import set_disabled
from tests.api import new_tenant
from tests.client.conftest import config_for
from tests.conftest import Stack

UNKNOWN = "bulk_" + "0" * 32


async def test_4xx_answers_are_typed(client: BulkQRClient, config: ClientConfig) -> None:
    with pytest.raises(NotFound) as missing:
        await client.status(UNKNOWN)
    assert missing.value.status == 404 and missing.value.message
    assert str(missing.value).endswith("(HTTP 404)")
    with pytest.raises(BadRequest, match="empty array") as empty:
        await client.submit([])
    assert empty.value.status == 400
    with pytest.raises(BadRequest, match="limit must be"):
        await client.list_page(limit=0)
    with pytest.raises(BadRequest, match="cursor"):
        await client.list_page(cursor="not-a-cursor")
    async with BulkQRClient(replace(config, api_key="not-the-key")) as stranger:
        with pytest.raises(Unauthorized) as unknown:
            await stranger.status(UNKNOWN)
    assert unknown.value.status == 401 and unknown.value.message


async def test_quota_disabled_and_oversized(stack: Stack, config: ClientConfig,
                                            db: Database) -> None:
    spent = await new_tenant(db, qr_limit=0)
    dynamic = [{"uid": 1, "qrType": "dynamic", "data": "https://example.com/q"}]
    async with BulkQRClient(config_for(stack.url, spent)) as client:
        with pytest.raises(TooManyRequests) as quota:
            await client.submit(dynamic)
        assert quota.value.status == 429 and quota.value.message
        await set_disabled(db, spent.client_id, True)
        with pytest.raises(Forbidden, match="disabled"):
            await client.status(UNKNOWN)
    assert await db[ORDERS].count_documents({"subscription": spent.client_id}) == 0

    rows = [{"uid": i, "data": "x" * 1000} for i in range(27_000)]  # about 27 MB of JSON
    async with BulkQRClient(config) as client:
        with pytest.raises(PayloadTooLarge, match="25 MB limit") as too_big:
            await client.submit(rows)
    assert too_big.value.status == 413
