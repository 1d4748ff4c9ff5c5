"""The bad-input matrix: every request here is refused with a 4xx JSON error that names the
problem, and nothing of it is stored or published."""

from __future__ import annotations

import io
from typing import Any

import aiohttp
import orjson
import pytest

from shared.s3 import ObjectStore
from shared.store import ORDERS, Database
from tests.api import Api, decode_data_uri, parse_archive

BULK = "/api/qr/bulk-generate"
JSON = {"Content-Type": "application/json"}
MATRIX: list[tuple[str, bytes, dict[str, str], int, str]] = [
    ("not json", b"{nope", JSON, 400, "not valid JSON"),
    ("object", b'{"uid": 1}', JSON, 400, "not an object"),
    ("string", b'"rows"', JSON, 400, "not a string"),
    ("number", b"42", JSON, 400, "not a number"),
    ("null", b"null", JSON, 400, "not null"),
    ("empty array", b"[]", JSON, 400, "empty array"),
    ("100,000 deep", b"[" * 100_000 + b"]" * 100_000, JSON, 400, "not valid JSON"),
    ("invalid UTF-8", b'[{"uid": "\xc3\x28"}]', JSON, 400, "not valid JSON"),
    ("lone surrogate", b'[{"uid": "\\ud800"}]', JSON, 400, "not valid JSON"),
    ("NaN", b'[{"uid": 1, "size": NaN}]', JSON, 400, "not valid JSON"),
    ("Infinity", b'[{"uid": 1, "size": Infinity}]', JSON, 400, "not valid JSON"),
    ("duplicate keys", b'[{"uid": 1, "uid": 2}]', JSON, 400, "repeats the key 'uid'"),
    ("wrong content type", b'[{"uid": 1}]', {"Content-Type": "text/plain"}, 415,
     "must be application/json"),
    ("form content type", b"uid=1", {"Content-Type": "application/x-www-form-urlencoded"}, 415,
     "must be application/json"),
]


async def stored_nothing(api: Api, db: Database, store: ObjectStore) -> None:
    assert await db[ORDERS].count_documents({"subscription": api.tenant.client_id}) == 0
    known = {doc["_id"] async for doc in db[ORDERS].find({}, {"_id": 1})}
    leftovers = [key async for key in store.keys("inputs/")]
    assert all(key.split("/")[1] in known for key in leftovers)


@pytest.mark.parametrize(("name", "body", "headers", "status", "message"), MATRIX,
                         ids=[case[0] for case in MATRIX])
async def test_refused_and_nothing_kept(api: Api, db: Database, store: ObjectStore, name: str,
                                        body: bytes, headers: dict[str, str], status: int,
                                        message: str) -> None:
    async with api.http.post(BULK, data=body, headers={**api.tenant.headers, **headers}
                             ) as answer:
        assert answer.status == status, await answer.text()
        assert answer.content_type == "application/json"
        reply = await answer.json()
    assert message in reply["error"] and reply["status"] == status
    await stored_nothing(api, db, store)


@pytest.mark.parametrize(("headers", "status"), [
    ({}, 401), ({"client-id": "cust_nobody"}, 401), ({"api-key": "sk_x"}, 401),
    ({"client-id": "cust_nobody", "api-key": "sk_x"}, 401)])
async def test_missing_or_wrong_auth(api: Api, db: Database, store: ObjectStore,
                                     headers: dict[str, str], status: int) -> None:
    async with api.http.post(BULK, json=[{"uid": 1, "data": "https://x.y"}],
                             headers=headers) as answer:
        assert answer.status == status
        assert "client-id" in (await answer.json())["error"]
    wrong_key = {"client-id": api.tenant.client_id, "api-key": "sk_wrong"}
    async with api.http.post(BULK, json=[{"uid": 1}], headers=wrong_key) as answer:
        assert answer.status == 401
    await stored_nothing(api, db, store)


def million_rows(count: int) -> list[Any]:
    """Minimal rows (each fails: no data), a valid static row every 40,000th, a repeated
    uid at the end and a repeated-but-different-type uid just before it."""
    rows: list[Any] = [{"uid": i} for i in range(count)]
    for i in range(0, count, 40_000):
        rows[i] = {"uid": i, "data": f"https://example.com/m/{i}"}
    rows[-2] = {"uid": "7"}  # a string: not the same uid as the integer 7
    rows[-1] = {"uid": 7, "data": "https://example.com/again"}
    return rows


async def submit_big(api: Api, body: bytes) -> str:
    headers = {**api.tenant.headers, **JSON}
    async with api.http.post(BULK, data=io.BytesIO(body), headers=headers,
                             timeout=aiohttp.ClientTimeout(total=300)) as answer:
        reply = await answer.json()
        assert answer.status == 200, reply
        assert isinstance(reply, str)
        return reply


async def check_big_archive(api: Api, bulk_id: str, rows: list[Any]) -> None:
    """Complete and in order: each row's entry says what its content says."""
    status = await api.wait_completed(bulk_id, timeout_s=1500)
    assert (status["status"], status["count"]) == ("completed", len(rows))
    code, body = await api.download(bulk_id)
    assert code == 200
    entries = parse_archive(body)
    del body
    assert len(entries) == len(rows)
    for i in range(0, len(rows) - 2, 40_000):
        assert decode_data_uri(entries[i]) == f"https://example.com/m/{i}"
    minimal = [i for i in range(len(rows) - 2) if i % 40_000]
    assert all(entries[i]["uid"] == i and entries[i]["code"] == 400 for i in minimal)
    assert entries[minimal[0]]["message"] == "data is required for dataType: url"
    assert entries[-2]["code"] == 400 and entries[-2]["uid"] == "7"
    assert entries[-1]["code"] == 400 and "duplicate uid 7" in entries[-1]["message"]


@pytest.mark.slow
async def test_a_million_rows_in_one_body_are_accepted_and_delivered(api: Api) -> None:
    """Issue 16: no row cap; a body under 25 MB is accepted whatever its row count."""
    rows = million_rows(1_000_000)
    body = orjson.dumps(rows)
    assert len(body) < 25 * 1024 * 1024
    bulk_id = await submit_big(api, body)
    del body
    await check_big_archive(api, bulk_id, rows)


@pytest.mark.slow
async def test_four_hundred_thousand_minimal_rows_are_accepted_and_delivered(api: Api) -> None:
    rows = million_rows(400_000)
    bulk_id = await submit_big(api, orjson.dumps(rows, option=orjson.OPT_INDENT_2))
    await check_big_archive(api, bulk_id, rows)


async def test_row_over_capacity_is_a_row_failure_not_an_http_error(api: Api) -> None:
    rows: list[Any] = [{"uid": "huge", "dataType": "text", "data": "x" * 8000},
                       {"uid": "fine", "data": "https://example.com"}]
    huge, fine = await api.archive(await api.submit(rows))
    assert huge["code"] == 400 and "longer than 7089 characters" in huge["message"]
    assert fine.startswith("data:image/png;base64,")
