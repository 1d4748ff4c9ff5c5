"""The document store: the only package that speaks to MongoDB (DESIGN §11)."""

from shared.store.client import Client, Collection, Database, Doc, open_client
from shared.store.errors import is_duplicate_key, store_error, store_errors
from shared.store.layout import (
    ASSET_SLOTS,
    ASSETS,
    CLAIMS,
    ORDERS,
    RATE_LIMITS,
    RUNNING,
    SUBSCRIPTIONS,
    WEBHOOK_SLOTS,
    WEBHOOKS,
    ensure_layout,
    idempotency_collection,
    links_collection,
    overlays_collection,
    scan_months_collection,
    scan_totals_collection,
    webhook_log_collection,
)
from shared.store.legacy import charges_collection, progress_collection, quota_collection
from shared.store.unique import insert_many_unique, insert_unique

__all__ = [
    "ASSETS", "ASSET_SLOTS", "CLAIMS", "ORDERS", "RATE_LIMITS", "RUNNING", "SUBSCRIPTIONS",
    "WEBHOOKS", "WEBHOOK_SLOTS", "Client", "Collection", "Database", "Doc",
    "charges_collection", "ensure_layout", "idempotency_collection", "insert_many_unique",
    "insert_unique", "is_duplicate_key", "links_collection", "open_client",
    "overlays_collection", "progress_collection", "quota_collection",
    "scan_months_collection", "scan_totals_collection", "store_error", "store_errors",
    "webhook_log_collection",
]
