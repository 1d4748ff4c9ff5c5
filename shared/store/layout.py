"""Every collection bulkqr stores and every index it queries by, created at start.

The set of collections is a deployment constant (DESIGN §11): families keyed by a
subscription, batch or webhook are spread over TENANT_SHARDS collections by a stable
hash of that key, and link families over `settings.link_shards` collections by the
short code's first two characters. Nothing creates a collection while the service runs.
The scan-month ring lives in a database of its own beside the service's (`months_database`):
FerretDB v1 lists a database's every collection on each query.
docs/architecture.md ("What bulkqr stores") says why each family exists and how it grows.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass, field

from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.errors import OperationFailure

from shared.settings import Settings
from shared.store.client import Database
from shared.store.errors import NAMESPACE_EXISTS, store_errors
from shared.store.shards import TENANT_SHARDS, shard_of


@dataclass(frozen=True)
class Index:
    """One declared index; `expire_after_s` makes it a TTL index where the store has them."""

    name: str
    keys: tuple[tuple[str, int], ...]
    unique: bool = False
    expire_after_s: int | None = None

    def model(self, ttl: bool) -> IndexModel:
        options: dict[str, object] = {"name": self.name}
        if self.unique:
            options["unique"] = True
        if ttl and self.expire_after_s is not None:
            options["expireAfterSeconds"] = self.expire_after_s
        return IndexModel(list(self.keys), **options)


@dataclass(frozen=True)
class Family:
    """A collection, or a fixed set of shards of one, holding one kind of document."""

    stem: str
    # "one", "tenant" (TENANT_SHARDS by hash), "link" (settings.link_shards) or
    # "link_month" (each link shard times the 12 calendar months, a ring the years reuse)
    shards: str
    id: str  # what a document's _id is
    why: str
    indexes: tuple[Index, ...] = field(default=())
    database: str = ""  # "" the service's database, MONTHS the scan-month database

    def names(self, link_shards: int) -> list[str]:
        if self.shards == "one":
            return [self.stem]
        if self.shards == "tenant":
            return [tenant_name(self.stem, n) for n in range(TENANT_SHARDS)]
        if self.shards == "link_month":
            return [link_month_name(self.stem, n, mm) for n in range(link_shards)
                    for mm in range(1, 13)]
        return [link_name(self.stem, n) for n in range(link_shards)]


MONTHS = "months"
MONTHS_DB_SUFFIX = "_scanmonths"


def months_database(db: Database) -> Database:
    """The database of the scan-month ring, named after the service's. FerretDB v1 lists
    every collection of a database (copied and sorted) on each `find` and `aggregate`: the
    ring's 768 collections (64 link shards by 12 months) beside the service's 234 made every
    query of the service cost 0.3 ms more on a quiet machine, 1.5 ms on a busy one
    (`python -m bench.catalogcost`), and the store's CPU per dynamic row rise by a fifth
    (docs/benchmarks.md, issue 32). Apart, only the scan months' own queries pay for them."""
    return db.client[db.name + MONTHS_DB_SUFFIX]


def database_of(db: Database, family: Family) -> Database:
    return months_database(db) if family.database == MONTHS else db


async def drop_databases(db: Database) -> None:
    """Drop a deployment's databases (tests and benchmarks that made one of their own)."""
    with store_errors():
        await db.client.drop_database(months_database(db).name)
        await db.client.drop_database(db.name)


def tenant_name(stem: str, shard: int) -> str:
    return f"{stem}_t{shard:02d}"


def link_name(stem: str, shard: int) -> str:
    return f"{stem}_{shard:04d}"


def link_month_name(stem: str, shard: int, month_of_year: int) -> str:
    return f"{stem}_{shard:04d}_{month_of_year:02d}"


def asc(*fields: str) -> tuple[tuple[str, int], ...]:
    return tuple((name, ASCENDING) for name in fields)


# FerretDB lays out 1,002 collections in 28-37 s eight at a time, 12-19 s thirty-two at a time.
CREATES_AT_ONCE = 32
INDEX_CONFLICTS = frozenset({85, 86})  # IndexOptionsConflict, IndexKeySpecsConflict
EXPIRES = Index("expiry", asc("expiresAt"), expire_after_s=0)

SUBSCRIPTIONS = "subscriptions"
ORDERS = "orders"
RUNNING = "running"
CLAIMS = "claims"
RATE_LIMITS = "rate_limits"
WEBHOOK_SLOTS = "webhook_slots"
WEBHOOKS = "webhooks"
ASSETS = "assets"
ASSET_SLOTS = "asset_slots"
STORE_META = "store_meta"

FAMILIES: tuple[Family, ...] = (
    Family(STORE_META, "one", "'layout'", "the fingerprint of the layout last ensured"),
    Family(SUBSCRIPTIONS, "one", "client id", "a tenant: key hashes, limits, quota hint",
           (Index("by_creation", asc("createdAt")),)),
    Family(ORDERS, "one", "bulk id", "a batch: its rows' object, state, counts",
           (Index("by_owner", (("subscription", ASCENDING), ("createdAt", DESCENDING),
                               ("_id", DESCENDING))),)),
    Family(RUNNING, "one", "bulk id", "the batches processing now (fair scheduling)",
           (Index("by_subscription", asc("subscription")),)),
    Family(CLAIMS, "one", "claim id", "one-shot downloads and archive jobs (unique inserts)",
           (EXPIRES,)),
    Family(RATE_LIMITS, "one", "slot id", "admission, guess and retry slots; they expire",
           (EXPIRES,)),
    Family(WEBHOOK_SLOTS, "one", "client:slot", "caps webhooks per subscription",
           (Index("by_endpoint", asc("client", "endpoint")),)),
    Family(WEBHOOKS, "one", "endpoint id", "a subscription's webhook endpoints",
           (Index("by_subscription", asc("subscription", "createdAt")),)),
    Family(ASSETS, "one", "asset id", "uploaded logos and frames",
           (Index("by_subscription", (("subscription", ASCENDING), ("createdAt", DESCENDING),
                                      ("_id", DESCENDING))),)),
    Family(ASSET_SLOTS, "one", "client:slot", "caps assets per subscription",
           (Index("by_asset", asc("assetId")), Index("by_client", asc("client")))),
    Family("quota", "tenant", "client:slot", "one document per charged dynamic row",
           (Index("by_chunk", asc("bulkId", "chunk", "row")),)),
    Family("idempotency", "tenant", "client:key", "replayable answers inside the key window",
           (EXPIRES,)),
    Family("progress", "tenant", "bulk:kind:chunk", "a running batch's chunk completions",
           (Index("by_bulk", asc("bulkId", "kind")),)),
    Family("charges", "tenant", "bulk:chunk", "which rows of a chunk were charged",
           (Index("by_bulk", asc("bulkId")),)),
    Family("overlays", "tenant", "bulk:time:part", "a batch's link changes made by uid",
           (Index("by_bulk", asc("bulkId")),)),
    Family("webhook_log", "tenant", "delivery id", "deliveries and attempts per endpoint",
           (Index("by_endpoint", (("endpoint", ASCENDING), ("kind", ASCENDING),
                                  ("at", DESCENDING))), EXPIRES)),
    Family("links", "link", "short code", "a dynamic QR's destination and limits",
           # A batch's records in row order, or by uid; a search (a regex on uid or
           # destination) is tested on the batch's documents these find.
           (Index("by_bulk", asc("bulkId", "row", "parent")),
            Index("by_uid", asc("bulkId", "uid", "row", "parent")))),
    Family("linkscans", "link", "short code", "scan totals per code, one writer"),
    Family("scanmonths", "link_month", "record:YYYYMM",
           "scan buckets per code and month, in the collection of its calendar month",
           database=MONTHS),
)


def quota_collection(client_id: str) -> str:
    return tenant_name("quota", shard_of(client_id))


def idempotency_collection(client_id: str) -> str:
    return tenant_name("idempotency", shard_of(client_id))


def progress_collection(bulk_id: str) -> str:
    return tenant_name("progress", shard_of(bulk_id))


def charges_collection(bulk_id: str) -> str:
    return tenant_name("charges", shard_of(bulk_id))


def overlays_collection(bulk_id: str) -> str:
    return tenant_name("overlays", shard_of(bulk_id))


def webhook_log_collection(endpoint_id: str) -> str:
    return tenant_name("webhook_log", shard_of(endpoint_id))


def links_collection(shard: int) -> str:
    """One of the link shards; a short code's first two characters name its shard."""
    return link_name("links", shard)


def scan_totals_collection(shard: int) -> str:
    return link_name("linkscans", shard)


def scan_months_collection(shard: int, month: str) -> str:
    """The ring collection of a link shard holding the months `YYYYMM` of every year with
    that calendar month (January 2026 and January 2027 share it; their `_id`s differ)."""
    return link_month_name("scanmonths", shard, int(month[4:6]))


def every_collection(settings: Settings, database: str | None = None) -> list[str]:
    """Every collection of the layout, or of one of its databases ("" or MONTHS)."""
    return [name for family in FAMILIES if database in (None, family.database)
            for name in family.names(settings.link_shards)]


def family_of(name: str, link_shards: int) -> Family | None:
    """The family a collection name belongs to (None: not part of the layout)."""
    for family in FAMILIES:
        if name in family.names(link_shards):
            return family
    return None


def fingerprint(settings: Settings, indexes: bool) -> str:
    """Changes whenever a family, an index, the number of link shards or `indexes` does."""
    text = repr((FAMILIES, TENANT_SHARDS, settings.link_shards, indexes))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


async def ensure_layout(db: Database, settings: Settings, indexes: bool | None = None) -> None:
    """Create every collection and index that is missing; safe to run at every start.

    `indexes` None creates the declared indexes on MongoDB and not on FerretDB v1, which
    never uses a secondary index (it scans; DESIGN §5) and pays for each on every insert
    (two link indexes cost it ~30 µs a link). A start that finds this layout's fingerprint
    recorded does nothing more (one `_id` read)."""
    with store_errors():
        mongodb = None if indexes is not None else await _is_mongodb(db)
        indexes = bool(mongodb) if indexes is None else indexes
        wanted = fingerprint(settings, indexes)
        meta = await db[STORE_META].find_one({"_id": "layout"})
        if meta is not None and meta.get("fingerprint") == wanted:
            return
        ttl = await _is_mongodb(db) if mongodb is None else mongodb  # asked once either way
        await _create_all(db, settings, indexes, ttl)
        await db[STORE_META].update_one({"_id": "layout"}, {"$set": {"fingerprint": wanted}},
                                        upsert=True)


async def _create_all(db: Database, settings: Settings, indexes: bool, ttl: bool) -> None:
    existing = {(db.name, name) for name in await db.list_collection_names()}
    months = months_database(db)
    existing |= {(months.name, name) for name in await months.list_collection_names()}
    gate = asyncio.Semaphore(CREATES_AT_ONCE)

    async def create(family: Family, name: str) -> None:
        home = database_of(db, family)
        async with gate:
            if (home.name, name) not in existing:
                await _create(home, name)
            for index in family.indexes if indexes else ():
                await _create_index(home, name, index.model(ttl))

    await asyncio.gather(*(create(family, name) for family in FAMILIES
                           for name in family.names(settings.link_shards)))


async def _create(db: Database, name: str) -> None:
    try:
        # Unchecked: the names listed above are known, and a check is one more listing.
        await db.create_collection(name, check_exists=False)
    except OperationFailure as exc:  # another process created it first
        if exc.code != NAMESPACE_EXISTS:
            raise
    except Exception as exc:  # PyMongo raises CollectionInvalid for an existing name
        if "already exists" not in str(exc):
            raise


async def _create_index(db: Database, name: str, model: IndexModel) -> None:
    """Create one index; an older index of the same name with other options (a TTL added,
    say) is replaced."""
    try:
        await db[name].create_indexes([model])
    except OperationFailure as exc:
        if exc.code not in INDEX_CONFLICTS:
            raise
        await db[name].drop_index(model.document["name"])
        await db[name].create_indexes([model])


async def _is_mongodb(db: Database) -> bool:
    """MongoDB honours TTL and secondary indexes; FerretDB v1 refuses the first (a sweeper
    expires documents instead) and never reads the second."""
    info = await db.client.admin.command("buildInfo")
    return "ferretdbVersion" not in info

