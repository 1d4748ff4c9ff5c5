"""Expire ephemeral documents: delete what is past its `expiresAt` where TTL indexes are missing.

Claims, rate-limit and guess slots and idempotency keys carry `expiresAt`, a datetime.
MongoDB's TTL monitor removes them through the `expiry` index (layout.EXPIRES); FerretDB v1
refuses TTL indexes, so a worker runs `sweep_forever`: every period it deletes expired
documents from each collection of a family declaring that index, in pages of `PAGE_DOCS`
and at most `MAX_PAGES` a collection per pass, so one pass is bounded work whatever the
backlog. Several workers may sweep at once: each deletion happens once, whoever does it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import structlog

from shared.settings import Settings
from shared.store.client import Database
from shared.store.errors import store_errors
from shared.store.layout import EXPIRES, FAMILIES

log = structlog.get_logger(__name__)

PAGE_DOCS = 500
MAX_PAGES = 4  # per collection and pass: at most 2,000 deletions, then the next pass


@dataclass(frozen=True)
class Target:
    """One collection the sweeper visits, and the family its deletions are counted under."""

    family: str
    collection: str


def as_datetime(at_s: float) -> datetime:
    """How a time (Unix seconds) is stored, e.g. as `expiresAt`: an aware UTC datetime."""
    return datetime.fromtimestamp(at_s, UTC)


def seconds_of(value: datetime | float | int) -> float:
    """Unix seconds of a stored time: a datetime, or a number left by the layout before
    DESIGN §11 (until `bulkqr admin migrate` rewrites it)."""
    return value.timestamp() if isinstance(value, datetime) else float(value)


def expiring(settings: Settings) -> list[Target]:
    """Every collection of every family that declares the `expiry` index."""
    return [Target(family.stem, name) for family in FAMILIES if EXPIRES in family.indexes
            for name in family.names(settings.link_shards)]


async def sweep_collection(db: Database, name: str, now: datetime, page_docs: int = PAGE_DOCS,
                           max_pages: int = MAX_PAGES) -> int:
    """Delete up to `max_pages` pages of `name`'s documents expired at `now`; how many."""
    expired = {"expiresAt": {"$lte": now}}
    deleted = 0
    with store_errors():
        for _ in range(max_pages):
            page = [doc["_id"] async for doc in
                    db[name].find(expired, {"_id": 1}).limit(page_docs)]
            if not page:
                break
            # A document taken again under the same _id since the read is not expired.
            result = await db[name].delete_many({"_id": {"$in": page}, **expired})
            deleted += result.deleted_count
            if len(page) < page_docs:
                break
    return deleted


async def sweep_once(db: Database, targets: list[Target], now: datetime | None = None,
                     page_docs: int = PAGE_DOCS, max_pages: int = MAX_PAGES) -> dict[str, int]:
    """One pass over `targets`; documents deleted per family (families with none left out)."""
    now = datetime.now(UTC) if now is None else now
    counts: dict[str, int] = {}
    for target in targets:
        deleted = await sweep_collection(db, target.collection, now, page_docs, max_pages)
        if deleted:
            counts[target.family] = counts.get(target.family, 0) + deleted
    return counts


async def sweep_forever(db: Database, targets: list[Target],
                        on_expired: Callable[[str, int], None],
                        period_s: float) -> None:
    """Sweep every `period_s`, telling `on_expired(family, count)`; runs until cancelled."""
    while True:
        try:
            for family, count in (await sweep_once(db, targets)).items():
                on_expired(family, count)
        except Exception as exc:  # noqa: BLE001 - a late sweep is better than a dead worker
            log.warning("expired documents not swept", error=repr(exc))
        await asyncio.sleep(period_s)
