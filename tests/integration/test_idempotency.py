"""Idempotency-Key: one batch per key and body, 409 for the same key with another body."""

from __future__ import annotations

import asyncio

from shared.store import ORDERS, Database
from tests.api import Api

BULK = "/api/qr/bulk-generate"


async def test_same_key_same_body_makes_one_batch(api: Api, db: Database) -> None:
    rows = [{"uid": 1, "data": "https://example.com/idem"}]
    headers = {**api.tenant.headers, "Idempotency-Key": "order-77"}

    async def post() -> tuple[int, str]:
        async with api.http.post(BULK, json=rows, headers=headers) as answer:
            return answer.status, await answer.text()

    answers = await asyncio.gather(*(post() for _ in range(5)))
    assert {status for status, _ in answers} == {200}
    assert len({body for _, body in answers}) == 1
    again = await post()
    assert again == answers[0]
    assert await db[ORDERS].count_documents({"subscription": api.tenant.client_id}) == 1
    async with api.http.post(BULK, json=[{"uid": 2, "data": "https://example.com/other"}],
                             headers=headers) as answer:
        assert answer.status == 409
        assert "different body" in (await answer.json())["error"]
    async with api.http.post(BULK, json=rows, headers={**headers, "Idempotency-Key": ""}
                             ) as answer:
        assert answer.status == 400
