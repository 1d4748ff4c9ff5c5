"""The document store: the only package that speaks to MongoDB (DESIGN §11).

The package root offers what entry points and tests need (a client, the database type,
the layout); the service's code imports each repository module by name."""

from shared.store.client import Client, Collection, Database, Doc, open_client
from shared.store.errors import store_error, store_errors
from shared.store.layout import (
    CLAIMS,
    ORDERS,
    RATE_LIMITS,
    SUBSCRIPTIONS,
    ensure_layout,
    links_collection,
)
from shared.store.unique import insert_many_unique, insert_unique

__all__ = [
    "CLAIMS", "ORDERS", "RATE_LIMITS", "SUBSCRIPTIONS", "Client", "Collection", "Database",
    "Doc", "ensure_layout", "insert_many_unique", "insert_unique", "links_collection",
    "open_client", "store_error", "store_errors",
]
