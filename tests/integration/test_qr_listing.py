"""GET /api/qr: a subscription's dynamic codes, paged, filtered by bulk, uid and text."""

from __future__ import annotations

from typing import Any

from shared.store.client import Database
from tests.api import Api, new_tenant


async def dynamic_bulk(api: Api, count: int, **fields: Any) -> tuple[str, list[Any]]:
    rows = [{"uid": f"item-{n}", "qrType": "dynamic",
             "data": f"https://example.com/p/{n}", **fields} for n in range(count)]
    bulk_id = await api.submit(rows)
    return bulk_id, await api.archive(bulk_id)


async def listing(api: Api, **query: str) -> tuple[int, Any]:
    return await listing_as(api.tenant.headers, api, **query)


async def listing_as(headers: dict[str, str], api: Api, **query: str) -> tuple[int, Any]:
    async with api.http.get("/api/qr", params=query, headers=headers) as answer:
        return answer.status, await answer.json()


async def test_codes_page_by_bulk_and_filter(api: Api, db: Database) -> None:
    bulk_id, entries = await dynamic_bulk(api, 5)
    other_bulk, _ = await dynamic_bulk(api, 2)
    seen: list[str] = []
    cursor = ""
    for _ in range(5):
        status, page = await listing(api, bulkId=bulk_id, limit="2",
                                     **({"cursor": cursor} if cursor else {}))
        assert status == 200, page
        seen += [item["uid"] for item in page["items"]]
        if page["next"] is None:
            break
        cursor = page["next"]
    assert seen == [f"item-{n}" for n in range(5)]
    assert {e["id"] for e in entries} == {item["id"] for item in (await listing(
        api, bulkId=bulk_id))[1]["items"]}
    _, both = await listing(api, limit="100")
    assert {item["bulkId"] for item in both["items"]} == {bulk_id, other_bulk}
    assert len(both["items"]) == 7
    _, by_uid = await listing(api, bulkId=bulk_id, uid="item-3")
    assert [i["destination"] for i in by_uid["items"]] == ["https://example.com/p/3"]
    _, by_text = await listing(api, q="P/4")
    assert [i["uid"] for i in by_text["items"]] == ["item-4"]
    for bad in ({"limit": "0"}, {"limit": "101"}, {"cursor": "nonsense"}, {"q": "x" * 201}):
        status, body = await listing(api, **bad)
        assert status == 400 and body["error"], bad
    stranger = (await new_tenant(db)).headers
    assert (await listing_as(stranger, api, bulkId=bulk_id))[0] == 404
    assert (await listing_as(stranger, api))[1] == {"items": [], "next": None}
