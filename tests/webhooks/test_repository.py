"""shared/store/webhooks.py on the real store: tenants sharing `webhooks` and a log shard see
only their own documents, and every log document expires."""

from __future__ import annotations

import secrets

import shared.store.webhooks as repo
from shared.settings import Settings
from shared.store.client import Database
from shared.store.layout import ensure_layout, webhook_log_collection
from shared.store.shards import shard_of
from shared.store.webhooks import Attempt, Endpoint, EndpointSlot, LoggedMessage
from shared.webhooks.slots import ORPHAN_AGE_MS, free_orphan_slots, now_ms

NOW_MS = 1_800_000_000_000


def endpoint(client_id: str, created_ms: int = NOW_MS) -> Endpoint:
    return Endpoint(id="wh_" + secrets.token_hex(12), subscription=client_id,
                    url="https://example.com/hook", events=("bulk.completed",),
                    sealed_secret="sealed", created_at_ms=created_ms, slot=1)


def same_shard_ids() -> tuple[str, str]:
    """Two endpoint ids whose logs share one shard."""
    first = "wh_" + secrets.token_hex(12)
    while True:
        second = "wh_" + secrets.token_hex(12)
        if shard_of(second) == shard_of(first):
            return first, second


def attempt(endpoint_id: str, at_ms: int) -> Attempt:
    return Attempt(id="att_" + secrets.token_hex(10), endpoint=endpoint_id,
                   delivery_id="msg_x", type="bulk.completed", attempt=0, manual=False,
                   at_ms=at_ms, ok=True, status=204, error=None, latency_ms=1.0, answer="")


async def test_endpoints_are_seen_by_their_subscription_only(db: Database, settings: Settings
                                                             ) -> None:
    await ensure_layout(db, settings)
    mine, theirs = "cust_" + secrets.token_hex(8), "cust_" + secrets.token_hex(8)
    older, newer, other = endpoint(mine), endpoint(mine, NOW_MS + 1), endpoint(theirs)
    for e in (newer, other, older):
        await repo.insert_endpoint(db, e)
    assert await repo.list_endpoints(db, mine) == [older, newer]
    assert await repo.find_endpoint(db, mine, other.id) is None
    assert await repo.delete_endpoint(db, mine, other.id) is False
    await repo.mark_failing(db, newer.id, NOW_MS + 5, "down")
    failing = await repo.find_endpoint(db, mine, newer.id)
    assert failing is not None and (failing.disabled, failing.failing_since_ms) == (True,
                                                                                    NOW_MS + 5)
    await repo.mark_healthy(db, newer.id)
    assert await repo.find_endpoint(db, mine, newer.id) == newer
    assert await repo.delete_endpoint(db, mine, newer.id) is True
    assert await repo.list_endpoints(db, mine) == [older]


async def test_logs_sharing_a_shard_stay_apart_and_expire(db: Database, settings: Settings
                                                          ) -> None:
    await ensure_layout(db, settings)
    first, second = same_shard_ids()
    for n in range(3):
        await repo.insert_attempt(db, attempt(first, NOW_MS + n))
    await repo.insert_attempt(db, attempt(second, NOW_MS + 9))
    message = LoggedMessage(id="msg_" + secrets.token_hex(16), endpoint=first,
                            type="bulk.completed", key="k", payload="{}", state="pending",
                            created_at_ms=NOW_MS)
    assert await repo.insert_message(db, message) is True
    assert await repo.insert_message(db, message) is False
    assert [a.at_ms for a in await repo.list_attempts(db, first, 2)] == [NOW_MS + 2, NOW_MS + 1]
    assert await repo.find_message(db, second, message.id) is None
    await repo.delete_log(db, first)
    assert await repo.find_message(db, first, message.id) is None
    [kept] = await repo.list_attempts(db, second, 10)
    doc = await db[webhook_log_collection(second)].find_one({"_id": kept.id})
    assert doc is not None
    assert doc["expiresAt"].timestamp() == (NOW_MS + 9) / 1000 + repo.LOG_KEPT_S


async def test_only_old_slots_of_dead_endpoints_are_freed(db: Database, settings: Settings
                                                          ) -> None:
    await ensure_layout(db, settings)
    client = "cust_" + secrets.token_hex(8)
    old_ms = now_ms() - 2 * ORPHAN_AGE_MS
    slots = [EndpointSlot(client, 1, "wh_live", old_ms), EndpointSlot(client, 2, "wh_dead", old_ms),
             EndpointSlot(client, 3, "wh_young", now_ms())]
    assert [await repo.insert_endpoint_slot(db, s) for s in slots] == [True] * 3
    assert await repo.insert_endpoint_slot(db, EndpointSlot(client, 1, "wh_x", 0)) is False
    assert await free_orphan_slots(db, client, {"wh_live"}) == 1
    held = await repo.endpoint_slots(db, client)
    assert sorted(s.number for s in held) == [1, 3]
