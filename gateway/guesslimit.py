"""Password guesses on a secured link: at most 5 wrong a minute per (client address, link).

Exact under concurrency, in two steps that both decide without a read-then-write:
- in this process, check-and-record is one synchronous step (no await between them), so
  of many concurrent guesses on one event loop only the first `limit` go on;
- across gateways, each guess then takes one of `limit` slot documents for its minute,
  `guess:{code}:{ip}:{window}:{n}`, by unique insert (the one primitive with exactly one
  winner on FerretDB and MongoDB alike, as in ratelimit.py for the CSV limit).
A guess that proves right gives both back, so only wrong guesses use up the minute.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from shared.mongo import RATE_LIMITS, Database, insert_unique

WINDOW_S = 60
MAX_WRONG_PER_MINUTE = 5
SWEEP_AT_KEYS = 10_000  # past this many tracked (address, link) pairs, forget stale ones
Recent = dict[tuple[str, str], list[float]]


@dataclass(frozen=True)
class Guess:
    """One admitted guess: its place in this process's list and its shared slot."""

    key: tuple[str, str]
    stamp_s: float
    slot_id: str


def take_local(recent: Recent, key: tuple[str, str], now_s: float,
               limit: int = MAX_WRONG_PER_MINUTE) -> bool:
    """Record a guess for `key` unless `limit` were made in the last minute. Synchronous,
    so concurrent guesses on one event loop are counted exactly."""
    if len(recent) > SWEEP_AT_KEYS:
        for stale in [k for k, stamps in recent.items() if stamps[-1] <= now_s - WINDOW_S]:
            del recent[stale]
    stamps = [t for t in recent.get(key, []) if t > now_s - WINDOW_S]
    if len(stamps) >= limit:
        recent[key] = stamps
        return False
    recent[key] = [*stamps, now_s]
    return True


def give_back_local(recent: Recent, key: tuple[str, str], stamp_s: float) -> None:
    stamps = recent.get(key, [])
    if stamp_s in stamps:
        stamps.remove(stamp_s)


async def begin_guess(db: Database, recent: Recent, address: str, code: str,
                      limit: int = MAX_WRONG_PER_MINUTE) -> Guess | None:
    """Admit one guess at `code` from `address`, or None when its minute is used up."""
    key, now_s = (address, code), time.time()
    if not take_local(recent, key, now_s, limit):
        return None
    window = int(now_s // WINDOW_S)
    collection = db[RATE_LIMITS]
    for slot in range(1, limit + 1):
        slot_id = f"guess:{code}:{address}:{window}:{slot}"
        doc = {"_id": slot_id, "expiresAt": float((window + 1) * WINDOW_S)}
        if await insert_unique(collection, doc):
            if slot == 1:
                await collection.delete_many({"expiresAt": {"$lte": now_s}})
            return Guess(key, now_s, slot_id)
    give_back_local(recent, key, now_s)
    return None


async def forgive_guess(db: Database, recent: Recent, guess: Guess) -> None:
    """The guess was right: it does not count against the minute."""
    give_back_local(recent, guess.key, guess.stamp_s)
    await db[RATE_LIMITS].delete_one({"_id": guess.slot_id})
