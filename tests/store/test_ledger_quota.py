"""The quota ledger in shared shards: each subscription's slots are its own `_id` range, and
filling gaps below a hint that ran past the limit reads pages of that range, not all of it."""

from __future__ import annotations

import uuid
from typing import Any

from pymongo import AsyncMongoClient, monitoring

from shared.quota import GAP_PAGE_SLOTS, charge_rows, quota_used
from shared.settings import Settings
from shared.store.client import Database, Doc
from shared.store.layout import quota_collection
from shared.store.quota import Slot, insert_slots, taken_slots
from shared.store.shards import shard_of
from shared.subscriptiondoc import Subscription


class QuotaReads(monitoring.CommandListener):
    """The filters of the finds sent to one quota collection."""

    def __init__(self, collection: str) -> None:
        self.collection, self.filters = collection, list[Any]()

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name == "find" and event.command["find"] == self.collection:
            self.filters.append(event.command.get("filter"))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


def same_shard_clients() -> tuple[str, str]:
    """Two client ids in one quota shard, the first a prefix of the second."""
    base = f"cust_{uuid.uuid4().hex[:16]}"
    for n in range(10_000):
        other = f"{base}{n}"
        if shard_of(other) == shard_of(base):
            return base, other
    raise AssertionError("no two ids share a shard")


async def test_each_subscription_counts_only_its_own_slots(db: Database) -> None:
    mine, theirs = same_shard_clients()
    assert quota_collection(mine) == quota_collection(theirs)
    bulk_id = f"bulk_{uuid.uuid4().hex}"
    assert await insert_slots(db, mine, [Slot(s, bulk_id, 0, s) for s in (1, 2, 3)]) == {1, 2, 3}
    assert await insert_slots(db, theirs, [Slot(s, bulk_id, 1, s) for s in (1, 2)]) == {1, 2}
    assert await insert_slots(db, mine, [Slot(2, bulk_id, 0, 9)]) == set()  # one winner
    assert (await quota_used(db, mine), await quota_used(db, theirs)) == (3, 2)
    assert await taken_slots(db, mine, 2, 10) == {2, 3}


async def test_gap_filling_reads_pages_until_it_has_enough(settings: Settings) -> None:
    """The hint ran past the limit: free slots are looked for page by page, from the first
    slot, and the search stops at the page that held enough (two pages here, not three)."""
    client_id, bulk_id = f"cust_{uuid.uuid4().hex[:16]}", f"bulk_{uuid.uuid4().hex}"
    limit = 3 * GAP_PAGE_SLOTS
    free = {17, GAP_PAGE_SLOTS + 5}
    listener = QuotaReads(quota_collection(client_id))
    watched: AsyncMongoClient[Doc] = AsyncMongoClient(settings.mongo_url.get_secret_value(),
                                                      event_listeners=[listener])
    db = watched[settings.mongo_db]
    try:
        taken = [s for s in range(1, GAP_PAGE_SLOTS + 6) if s not in free]
        await insert_slots(db, client_id, [Slot(s, "earlier", 0, s) for s in taken])
        sub = Subscription(client_id, "full", qr_limit=limit, quota_hint=limit)
        charged = await charge_rows(db, sub, bulk_id, 0, [0, 1], may_have_run=False)
        assert charged == {0, 1}
        pages = [f for f in listener.filters if set(f) == {"_id"}]
        assert len(pages) == 2, listener.filters
        assert all(set(page["_id"]) == {"$gte", "$lte"} for page in pages)
        assert await taken_slots(db, client_id, 1, limit) == set(range(1, GAP_PAGE_SLOTS + 6))
        assert await charge_rows(db, sub, bulk_id, 1, [0], may_have_run=False) == {0}
        assert await quota_used(db, client_id) == GAP_PAGE_SLOTS + 6
    finally:
        await watched.close()


async def test_a_full_subscription_reads_no_page(settings: Settings) -> None:
    """Every slot taken: one count says so, and no page of slot numbers is read."""
    client_id = f"cust_{uuid.uuid4().hex[:16]}"
    listener = QuotaReads(quota_collection(client_id))
    watched: AsyncMongoClient[Doc] = AsyncMongoClient(settings.mongo_url.get_secret_value(),
                                                      event_listeners=[listener])
    db = watched[settings.mongo_db]
    try:
        await insert_slots(db, client_id, [Slot(s, "earlier", 0, s) for s in range(1, 6)])
        sub = Subscription(client_id, "full", qr_limit=5, quota_hint=5)
        assert await charge_rows(db, sub, f"bulk_{uuid.uuid4().hex}", 0, [0, 1],
                                 may_have_run=False) == set()
        assert listener.filters == []
        assert await quota_used(db, client_id) == 5
    finally:
        await watched.close()
