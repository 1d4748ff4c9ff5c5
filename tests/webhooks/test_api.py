"""The webhook API: bad input gets 400, 413 or 415 with a message; another subscription, 404."""

from __future__ import annotations

import pytest

from shared.store.client import Database
from tests.api import Api, new_tenant
from tests.webhooks.conftest import attempts, register

JSON = {"Content-Type": "application/json"}


@pytest.mark.parametrize(("body", "message"), [
    (b"not json", "not valid JSON"),
    (b"", "body is empty"),
    (b"[1]", "JSON object"),
    (b'{"events": ["bulk.completed"]}', "url must be"),
    (b'{"url": "ftp://example.com/", "events": ["bulk.completed"]}', "must use"),
    (b'{"url": "https://example.com/", "events": []}', "non-empty array"),
    (b'{"url": "https://example.com/", "events": ["bulk.exploded"]}', "unknown events"),
])
async def test_bad_registrations_answer_400(wh_api: Api, body: bytes, message: str) -> None:
    async with wh_api.http.post("/api/webhooks", data=body,
                                headers={**wh_api.tenant.headers, **JSON}) as a:
        answer = await a.json()
        assert a.status == 400 and message in answer["error"], answer


async def test_a_repeated_key_answers_400_as_on_every_json_route(wh_api: Api) -> None:
    """orjson alone keeps the last of repeated keys: the body registered the second url."""
    body = (b'{"url": "https://example.com/a", "url": "https://example.com/b", '
            b'"events": ["bulk.completed"]}')
    async with wh_api.http.post("/api/webhooks", data=body,
                                headers={**wh_api.tenant.headers, **JSON}) as answer:
        error = (await answer.json())["error"]
        assert answer.status == 400 and "repeats the key 'url'" in error, error
    assert await listed_urls(wh_api) == []


async def test_a_body_of_another_type_or_size_is_refused_before_it_is_read(wh_api: Api) -> None:
    body = b'{"url": "https://example.com/", "events": ["bulk.completed"]}'
    async with wh_api.http.post("/api/webhooks", data=body, headers={
            **wh_api.tenant.headers, "Content-Type": "text/plain"}) as answer:
        assert answer.status == 415 and "application/json" in (await answer.json())["error"]
    padded = body[:-1] + b', "note": "' + b"x" * 16 * 1024 + b'"}'
    async with wh_api.http.post("/api/webhooks", data=padded,
                                headers={**wh_api.tenant.headers, **JSON}) as answer:
        assert answer.status == 413 and "16 KB limit" in (await answer.json())["error"]
    assert await listed_urls(wh_api) == []


async def listed_urls(api: Api) -> list[str]:
    async with api.http.get("/api/webhooks", headers=api.tenant.headers) as answer:
        assert answer.status == 200
        return [hook["url"] for hook in (await answer.json())["items"]]


async def test_routes_need_credentials_and_a_valid_limit(wh_api: Api) -> None:
    async with wh_api.http.get("/api/webhooks") as answer:
        assert answer.status == 401
    hook = await register(wh_api, "https://example.com/hook")
    async with wh_api.http.get(f"/api/webhooks/{hook['id']}/deliveries?limit=0",
                               headers=wh_api.tenant.headers) as answer:
        assert answer.status == 400 and "limit" in (await answer.json())["error"]
    assert await attempts(wh_api, hook["id"]) == []


async def test_another_subscription_gets_404_on_every_route(wh_api: Api, db: Database) -> None:
    hook = await register(wh_api, "https://example.com/hook", ["bulk.downloaded"])
    other = await new_tenant(db)
    base = f"/api/webhooks/{hook['id']}"
    for method, path in [("GET", f"{base}/deliveries"), ("DELETE", base),
                         ("POST", f"{base}/deliveries/msg_0/retry"),
                         ("GET", "/api/webhooks/wh_unknown/deliveries")]:
        async with wh_api.http.request(method, path, headers=other.headers) as answer:
            assert answer.status == 404, (method, path)
            assert (await answer.json())["error"] == "no webhook with that id"
    async with wh_api.http.get("/api/webhooks", headers=other.headers) as answer:
        assert (await answer.json())["items"] == []
    async with wh_api.http.get("/api/webhooks", headers=wh_api.tenant.headers) as answer:
        listed = (await answer.json())["items"]
    assert [h["id"] for h in listed] == [hook["id"]] and "secret" not in listed[0]
    async with wh_api.http.post(f"{base}/deliveries/msg_0/retry",
                                headers=wh_api.tenant.headers) as answer:
        assert answer.status == 404 and "no delivery" in (await answer.json())["error"]
    async with wh_api.http.delete(base, headers=wh_api.tenant.headers) as answer:
        assert answer.status == 204
    async with wh_api.http.delete(base, headers=wh_api.tenant.headers) as answer:
        assert answer.status == 404
