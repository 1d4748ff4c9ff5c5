"""`bulkqr admin migrate`'s ephemeral steps: idempotency keys and numeric expiries, as the
release before DESIGN §11 wrote them, moved and rewritten so the new code reads them all."""

from __future__ import annotations

import hashlib
import secrets
import time

import pytest

import shared.store.idempotency as keys
from gateway.idempotency import submit_once
from shared.claimdoc import ARCHIVE_KEEP_S
from shared.errors import Conflict
from shared.settings import Settings
from shared.store.claims import find_claim
from shared.store.client import Database, Doc
from shared.store.layout import CLAIMS, RATE_LIMITS, ensure_layout
from shared.store.migrations.idempotency import migrate_expiry_dates, migrate_idempotency
from shared.store.ratelimits import batch_slots, is_taken

DAY_S = 24 * 3600


def old_key(key: str, body: bytes, bulk_id: str | None, expires_at_s: float) -> Doc:
    """A record exactly as the old `submit_once` wrote it into `idempotency_<client>`."""
    return {"_id": key, "bodySha256": hashlib.sha256(body).hexdigest(), "bulkId": bulk_id,
            "expiresAt": expires_at_s}


async def never(*_: object) -> str:
    raise AssertionError("a migrated key must answer without accepting again")


async def test_idempotency_keys_move_into_their_shards(db: Database, settings: Settings) -> None:
    await ensure_layout(db, settings)
    now_s = time.time()
    one, two = ("cust_" + secrets.token_hex(8) for _ in range(2))
    await db[f"idempotency_{one}"].insert_many([
        old_key("order-1", b"[1]", "bulk-one", now_s + DAY_S),  # both tenants use order-1
        old_key("pending", b"[2]", None, now_s + DAY_S),  # its first request was running
        old_key("stale", b"[3]", "bulk-stale", now_s - 60)])  # past its window
    await db[f"idempotency_{two}"].insert_one(old_key("order-1", b"[9]", "bulk-two",
                                                      now_s + DAY_S))
    assert await migrate_idempotency(db, settings) >= 4  # other tests' legacy keys too
    assert await migrate_idempotency(db, settings) == 0
    names = set(await db.list_collection_names())
    assert not {f"idempotency_{one}", f"idempotency_{two}"} & names

    first = await keys.find(db, one, "order-1")
    assert first is not None and first.bulk_id == "bulk-one"
    assert abs(first.expires_at_s - (now_s + DAY_S)) < 0.01
    assert await submit_once(db, one, "order-1", b"[1]", never) == "bulk-one"
    assert await submit_once(db, two, "order-1", b"[9]", never) == "bulk-two"
    with pytest.raises(Conflict, match="different body"):
        await submit_once(db, two, "order-1", b"[1]", never)
    pending = await keys.find(db, one, "pending")
    assert pending is not None and pending.bulk_id is None
    stale = await keys.find(db, one, "stale")
    assert stale is not None and stale.bulk_id == "bulk-stale"  # copied; its window is over

    async def accept() -> str:
        return "bulk-new"

    assert await submit_once(db, one, "stale", b"[4]", accept) == "bulk-new"


async def test_numeric_expiries_become_dates(db: Database, settings: Settings) -> None:
    now_s, tag = time.time(), secrets.token_hex(6)
    await db[RATE_LIMITS].insert_many([
        {"_id": f"workspace:{tag}:1", "expiresAt": now_s + 30},
        {"_id": f"guess:{tag}:1", "expiresAt": now_s - 30},
        {"_id": f"inflight:{tag}:1", "bulkId": "b-run", "takenAt": now_s - 5,
         "expiresAt": now_s + 7 * DAY_S}])
    await db[CLAIMS].insert_many([
        {"_id": f"archive:{tag}", "owner": "delivery-1"},
        {"_id": f"download:{tag}-live", "token": "t1", "expiresAt": now_s + 600},
        {"_id": f"download:{tag}-old", "token": "t2", "expiresAt": now_s - 600}])
    assert await migrate_expiry_dates(db, settings) >= 6
    assert await migrate_expiry_dates(db, settings) == 0

    assert await is_taken(db, f"workspace:{tag}:1")
    assert not await is_taken(db, f"guess:{tag}:1")  # expired: the sweeper's, done at once
    [slot] = await batch_slots(db, [f"inflight:{tag}:1"])
    assert slot.bulk_id == "b-run" and abs(slot.taken_at_s - (now_s - 5)) < 0.01
    archive = await find_claim(db, f"archive:{tag}")
    assert archive is not None and archive.is_held_by("delivery-1")
    assert archive.expires_at_s is not None
    assert abs(archive.expires_at_s - (now_s + ARCHIVE_KEEP_S)) < 60
    live = await find_claim(db, f"download:{tag}-live")
    assert live is not None and not live.is_expired(now_s)
    assert await find_claim(db, f"download:{tag}-old") is None
    stored = await db[RATE_LIMITS].find_one({"_id": f"workspace:{tag}:1"})
    assert stored is not None and stored["expiresAt"].timestamp() == pytest.approx(now_s + 30,
                                                                                    abs=0.01)
