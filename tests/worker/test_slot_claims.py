"""Chunks of one worker charged at the same time never try the same quota slots."""

from __future__ import annotations

import asyncio
import uuid

from pymongo import AsyncMongoClient, monitoring

from shared.quota import charge_rows, quota_used
from shared.settings import Settings
from shared.store.client import Doc
from shared.store.layout import quota_collection
from shared.store.quota import delete_charges, delete_slots
from shared.subscriptions import create_subscription, get_subscription


class SlotInserts(monitoring.CommandListener):
    """Counts the slot documents sent to one quota collection."""

    def __init__(self, collection: str) -> None:
        self.collection, self.sent = collection, 0

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name == "insert" and event.command["insert"] == self.collection:
            self.sent += len(event.command.get("documents", ()))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


async def test_concurrent_chunks_of_one_process_insert_each_slot_once(
        settings: Settings) -> None:
    """Each chunk read the same stored hint, so each took the range another had just filled
    and FerretDB refused it slot by slot: twice the inserts, each refusal ~3x a clean one."""
    client: AsyncMongoClient[Doc] = AsyncMongoClient(settings.mongo_url.get_secret_value())
    db = client[settings.mongo_db]
    client_id, _ = await create_subscription(db, "slots", qr_limit=10_000)
    listener = SlotInserts(quota_collection(client_id))
    watched: AsyncMongoClient[Doc] = AsyncMongoClient(settings.mongo_url.get_secret_value(),
                                                      event_listeners=[listener])
    bulk_id = f"bulk_{uuid.uuid4().hex}"
    try:
        sub = await get_subscription(watched[settings.mongo_db], client_id)  # one stale hint
        charged = await asyncio.gather(*(
            charge_rows(watched[settings.mongo_db], sub, bulk_id, chunk, list(range(100)),
                        may_have_run=False) for chunk in range(8)))
        assert [len(rows) for rows in charged] == [100] * 8
        assert await quota_used(db, client_id) == 800
        assert listener.sent == 800
    finally:
        await delete_slots(db, client_id, range(1, 801))
        await delete_charges(db, bulk_id)
        assert await quota_used(db, client_id) == 0
        await watched.close()
        await client.close()
