"""The `claims` collection: one-winner jobs (archive assembly, one-shot download) as documents.

A claim is won by the unique insert of `{kind}:{bulkId}` (DESIGN §4), released only by
its holder, and forgotten after its `expiresAt` (TTL index or shared/store/sweep.py).
"""

from __future__ import annotations

from shared.claimdoc import Claim
from shared.store.client import Database
from shared.store.errors import store_errors
from shared.store.layout import CLAIMS
from shared.store.sweep import as_datetime
from shared.store.unique import insert_unique


async def take_claim(db: Database, claim: Claim) -> bool:
    """True if this call created `claim`; False if someone holds its id."""
    return await insert_unique(db[CLAIMS], claim.to_doc())


async def find_claim(db: Database, claim_id: str) -> Claim | None:
    with store_errors():
        found = await db[CLAIMS].find_one({"_id": claim_id})
    return None if found is None else Claim.from_doc(found)


async def release_claim(db: Database, claim: Claim) -> None:
    """Delete `claim` if its holder still has it (another holder's claim stays)."""
    with store_errors():
        await db[CLAIMS].delete_one(claim.held_filter())


async def renew_claim(db: Database, claim: Claim, expires_at_s: float) -> bool:
    """Move `claim`'s expiry to `expires_at_s` while its holder still has it; False if it
    is gone (released, or lapsed and taken over)."""
    with store_errors():
        result = await db[CLAIMS].update_one(
            claim.held_filter(), {"$set": {"expiresAt": as_datetime(expires_at_s)}})
    return result.matched_count == 1


async def take_over_lapsed(db: Database, claim: Claim, now_s: float) -> bool:
    """Take `claim` from a holder whose claim lapsed before `now_s`; False if it is held."""
    held = await find_claim(db, claim.claim_id)
    if held is not None and not held.is_expired(now_s):
        return False
    if held is not None:
        await release_claim(db, held)
    return await take_claim(db, claim)
