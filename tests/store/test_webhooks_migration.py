"""`bulkqr admin migrate`'s webhooks step: endpoints and delivery logs, as the release before
DESIGN §11 wrote them (a collection per subscription and per endpoint), moved into
`webhooks` and the `webhook_log` shards, losing nothing, twice over."""

from __future__ import annotations

import re
import secrets

import pytest

from shared.errors import NotFound
from shared.settings import Settings
from shared.store.client import Database, Doc
from shared.store.layout import WEBHOOKS, ensure_layout, webhook_log_collection
from shared.store.migrations.webhooks import migrate_webhooks
from shared.store.webhooks import LOG_KEPT_S
from shared.webhooks import endpoints, log
from shared.webhooks.events import WebhookMessage, webhook_id
from shared.webhooks.seal import seal

NOW_MS = 1_800_000_000_000
ATTEMPTS = 1100  # past one page of the move (PAGE_DOCS)
SECRET = "whsec_" + "A" * 32


def old_endpoint(settings: Settings, created_ms: int, slot: int | None, **health: object
                 ) -> Doc:
    """An endpoint exactly as the old `create_endpoint` stored it (no `slot` before slots)."""
    doc: Doc = {"_id": "wh_" + secrets.token_hex(12), "url": "https://example.com/hook",
                "events": ["bulk.completed", "bulk.downloaded"],
                "sealedSecret": seal(settings.webhook_seal_key.get_secret_value(), SECRET),
                "createdAt": created_ms, "disabled": False, "disabledReason": None,
                "failingSince": None, **health}
    if slot is not None:
        doc["slot"] = slot
    return doc


def old_message(endpoint_id: str, n: int, state: str) -> Doc:
    """A message as the old `log.remember` then `log.set_state` left it."""
    key = f"bulk.completed:bulk_{n}"
    return {"_id": webhook_id(endpoint_id, key), "kind": "message", "type": "bulk.completed",
            "key": key, "payload": f'{{"n": {n}}}', "state": state,
            "createdAt": NOW_MS + n, "updatedAt": NOW_MS + n + 5}


def old_attempt(message: Doc, n: int) -> Doc:
    """An attempt as the old `log.record_attempt` stored it."""
    return {"_id": "att_" + secrets.token_hex(10), "kind": "attempt",
            "deliveryId": message["_id"], "type": message["type"], "attempt": n % 3,
            "manual": n % 7 == 0, "at": NOW_MS + n, "ok": n % 2 == 0,
            "status": 204 if n % 2 == 0 else 500, "error": None if n % 2 == 0 else "HTTP 500",
            "latencyMs": 1.5, "answer": "", "note": None if n % 2 == 0 else "retry in 1 s"}


async def write_legacy_log(db: Database, endpoint_id: str, messages: list[Doc],
                           attempts: list[Doc]) -> None:
    name = f"webhook_log_{endpoint_id}"
    await db[name].insert_many(messages + attempts)
    await db[name].create_index([("kind", 1), ("at", -1)], name="attempts")


@pytest.fixture
async def legacy(db: Database, settings: Settings) -> dict[str, list[Doc]]:
    """Two subscriptions' endpoints, one busy log, one small one."""
    await ensure_layout(db, settings)
    first, second = "cust_" + secrets.token_hex(8), "cust_" + secrets.token_hex(8)
    mine = [old_endpoint(settings, NOW_MS, None), old_endpoint(settings, NOW_MS + 1, 1)]
    theirs = [old_endpoint(settings, NOW_MS, 1, disabled=True, failingSince=NOW_MS - 9,
                           disabledReason="every delivery failed for 9 s")]
    await db[f"webhooks_{first}"].insert_many(mine)
    await db[f"webhooks_{second}"].insert_many(theirs)
    busy = [old_message(mine[1]["_id"], n, log.DELIVERED) for n in range(2)]
    await write_legacy_log(db, mine[1]["_id"], busy,
                           [old_attempt(busy[n % 2], n) for n in range(ATTEMPTS)])
    small = [old_message(theirs[0]["_id"], 0, log.FAILED)]
    await write_legacy_log(db, theirs[0]["_id"], small, [old_attempt(small[0], 1)])
    # A run that stopped after copying one endpoint, before dropping its collection.
    await db[WEBHOOKS].insert_one({**mine[0], "subscription": first})
    return {first: mine, second: theirs, "messages": busy + small}


async def legacy_names(db: Database) -> list[str]:
    pattern = re.compile(r"webhooks_.+|webhook_log_(?!t\d\d$).+")
    return [n for n in await db.list_collection_names() if pattern.fullmatch(n)]


async def test_every_endpoint_message_and_attempt_moves_once(
        db: Database, settings: Settings, legacy: dict[str, list[Doc]]) -> None:
    everything = 3 + len(legacy["messages"]) + ATTEMPTS + 1
    assert await migrate_webhooks(db, settings) == everything - 1  # one was copied before
    assert await migrate_webhooks(db, settings) == 0
    assert await legacy_names(db) == []
    (first, mine), (second, theirs) = [(k, v) for k, v in legacy.items() if k != "messages"]
    listed = await endpoints.list_endpoints(db, first)
    assert [e.id for e in listed] == [d["_id"] for d in mine]
    assert [e.slot for e in listed] == [None, 1]
    assert endpoints.endpoint_secret(settings, listed[1]) == SECRET
    [disabled] = await endpoints.list_endpoints(db, second)
    assert (disabled.disabled, disabled.failing_since_ms) == (True, NOW_MS - 9)
    assert endpoints.public_view(disabled)["disabledReason"] == theirs[0]["disabledReason"]
    with pytest.raises(NotFound):
        await endpoints.get_endpoint(db, first, disabled.id)
    await check_logs(db, mine[1]["_id"], disabled.id, legacy["messages"])


async def check_logs(db: Database, busy_id: str, small_id: str, messages: list[Doc]) -> None:
    """The API's view of each log, and a delivered message still refused a second time."""
    newest = await log.list_attempts(db, busy_id, 50)
    assert [a["at"] for a in newest] == [NOW_MS + n for n in range(ATTEMPTS - 1, ATTEMPTS - 51,
                                                                   -1)]
    assert len(await log.list_attempts(db, busy_id, 5000)) == ATTEMPTS
    [small] = await log.list_attempts(db, small_id, 50)
    assert (small["ok"], small["status"], small["note"]) == (False, 500, "retry in 1 s")
    for doc, endpoint_id in zip(messages, [busy_id, busy_id, small_id], strict=True):
        found = await log.find_message(db, endpoint_id, doc["_id"])
        assert found is not None and (found.payload, found.state) == (doc["payload"],
                                                                        doc["state"])
    assert await log.find_message(db, small_id, messages[0]["_id"]) is None
    again = WebhookMessage(kind="delivery", client="x", type="bulk.completed",
                           key=messages[0]["key"], payload="{}", endpoint=busy_id,
                           webhook_id=messages[0]["_id"])
    assert await log.remember(db, again) is False
    await check_expiry(db, busy_id)


async def check_expiry(db: Database, endpoint_id: str) -> None:
    """Every moved log document expires LOG_KEPT_S after it was written."""
    found = db[webhook_log_collection(endpoint_id)].find({"endpoint": endpoint_id})
    docs = [doc async for doc in found]
    assert len(docs) == ATTEMPTS + 2
    for doc in docs:
        written_at_ms = doc["at"] if doc["kind"] == "attempt" else doc["createdAt"]
        assert doc["expiresAt"].timestamp() == written_at_ms / 1000 + LOG_KEPT_S


async def test_deleting_a_migrated_endpoint_empties_its_log(
        db: Database, settings: Settings, legacy: dict[str, list[Doc]]) -> None:
    await migrate_webhooks(db, settings)
    first = next(k for k in legacy if k != "messages")
    busy_id = legacy[first][1]["_id"]
    await endpoints.delete_endpoint(db, first, busy_id)
    assert await log.list_attempts(db, busy_id, 100) == []
    assert [e.id for e in await endpoints.list_endpoints(db, first)] == [legacy[first][0]["_id"]]
