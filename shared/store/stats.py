"""What each family holds: documents and their BSON bytes, for sizing a MongoDB deployment.

It reads every document of the database, so it is for benchmarks and small copies of a
deployment, never for a live service's hot path."""

from __future__ import annotations

from dataclasses import dataclass

import bson

from shared.settings import Settings
from shared.store.client import Database
from shared.store.errors import store_errors
from shared.store.layout import family_of, months_database


@dataclass
class FamilySize:
    collections: int = 0
    documents: int = 0
    bson_bytes: int = 0


async def family_sizes(db: Database, settings: Settings) -> dict[str, FamilySize]:
    """Per family (or per legacy collection name, for names outside the layout)."""
    sizes: dict[str, FamilySize] = {}
    with store_errors():
        for home in (db, months_database(db)):
            for name in sorted(await home.list_collection_names()):
                family = family_of(name, settings.link_shards)
                stem = family.stem if family else f"(legacy) {name}"
                size = sizes.setdefault(stem, FamilySize())
                size.collections += 1
                async for doc in home[name].find({}):
                    size.documents += 1
                    size.bson_bytes += len(bson.encode(doc))
    return sizes


async def collection_count(db: Database) -> int:
    """The deployment's collections, in both of its databases."""
    with store_errors():
        return sum([len(await home.list_collection_names())
                    for home in (db, months_database(db))])
