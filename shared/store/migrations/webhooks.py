"""Move webhook endpoints and delivery logs from a collection per subscription
(`webhooks_<client>`) and per endpoint (`webhook_log_<endpoint>`) into `webhooks` and
the `webhook_log` shards.

`_id`s are kept: endpoint ids and attempt ids are random, and a message's `_id` (its
webhook-id, which clients hold in retry URLs) is derived from its endpoint's id, so no two
tenants' documents share one. Each document gains the owner its collection name carried,
and a log document the `expiresAt` the new layout gives it (LOG_KEPT_S after it was
written: the old release kept its log for ever).
`webhook_slots` keeps its layout and is not touched.
"""

from __future__ import annotations

import re

from shared.settings import Settings
from shared.store.client import Database, Doc
from shared.store.layout import WEBHOOKS, webhook_log_collection
from shared.store.migrate import legacy_collections, move_collection
from shared.store.webhooks import log_expiry

LEGACY_ENDPOINTS = re.compile(r"webhooks_(.+)")
LEGACY_LOGS = re.compile(r"webhook_log_(?!t\d\d$)(.+)")  # not the new shards


async def migrate_webhooks(db: Database, settings: Settings) -> int:
    """Endpoints first, then logs; returns the documents copied."""
    copied = 0
    for name in await legacy_collections(db, LEGACY_ENDPOINTS):
        copied += await _move_endpoints(db, name, name.removeprefix("webhooks_"))
    for name in await legacy_collections(db, LEGACY_LOGS):
        copied += await _move_log(db, name, name.removeprefix("webhook_log_"))
    return copied


async def _move_endpoints(db: Database, legacy: str, client_id: str) -> int:
    def owned(doc: Doc) -> Doc:
        return {**doc, "subscription": client_id}

    return await move_collection(db, legacy, lambda _doc: WEBHOOKS, owned)


async def _move_log(db: Database, legacy: str, endpoint_id: str) -> int:
    target = webhook_log_collection(endpoint_id)

    def owned(doc: Doc) -> Doc:
        written_at_ms = doc["at"] if doc.get("kind") == "attempt" else doc["createdAt"]
        return {**doc, "endpoint": endpoint_id, "expiresAt": log_expiry(written_at_ms)}

    return await move_collection(db, legacy, lambda _doc: target, owned)
