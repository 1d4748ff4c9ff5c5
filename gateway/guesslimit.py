"""Password guesses on a secured link: at most 5 wrong a minute per (client address, link).

Exact under concurrency, in two steps that both decide without a read-then-write:
- in this process, check-and-record is one synchronous step (no await between them), so
  of many concurrent guesses on one event loop only the first `limit` go on;
- across gateways, each guess then takes one of `limit` slot documents for its minute,
  `guess:{code}:{ip}:{window}:{n}`, by unique insert (the one primitive with exactly one
  winner on FerretDB and MongoDB alike, as in ratelimit.py for the CSV limit).
A guess that proves right gives both back, so only wrong guesses use up the minute.
The in-process record is bounded in bytes (anyone may guess): past MAX_TRACKED_BYTES the
stale pairs go, then the least recent ones; a forgotten pair is still held to its minute
by its slot documents, so forgetting costs only the exactness of concurrent guesses.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass

from shared.store.client import Database
from shared.store.ratelimits import give_back, take_first_free

WINDOW_S = 60
MAX_WRONG_PER_MINUTE = 5
MAX_ADDRESS_CHARS = 45  # the longest text form of an IPv6 address (with an IPv4 tail)
# One tracked pair at its largest: the dict's slot (~100 bytes with its share of the table
# kept half empty), the key tuple, a longest address, a code, and a full list of stamps.
ENTRY_BYTES = (100 + sys.getsizeof(("", "")) + sys.getsizeof("a" * MAX_ADDRESS_CHARS)
               + sys.getsizeof("a" * 9) + sys.getsizeof([0.0] * MAX_WRONG_PER_MINUTE)
               + MAX_WRONG_PER_MINUTE * sys.getsizeof(0.0))
MAX_TRACKED_BYTES = 4 * 1024 * 1024  # ~8,000 pairs: far more than a minute of real guessing
Recent = dict[tuple[str, str], list[float]]


def tracked_bytes(recent: Recent) -> int:
    """The memory the in-process record holds, at most ENTRY_BYTES a pair."""
    return len(recent) * ENTRY_BYTES


def _make_room(recent: Recent, now_s: float, max_bytes: int) -> None:
    """Forget stale pairs, then the least recently guessed, until a new pair fits in
    `max_bytes` with a tenth to spare (so the sweep runs once per many new pairs)."""
    if tracked_bytes(recent) + ENTRY_BYTES <= max_bytes:
        return
    window_start_s = now_s - WINDOW_S
    for stale in [k for k, stamps in recent.items() if not stamps or stamps[-1] <= window_start_s]:
        del recent[stale]
    keep_pairs = (max_bytes * 9 // 10) // ENTRY_BYTES
    for oldest in list(recent)[:max(0, len(recent) - keep_pairs)]:
        del recent[oldest]


@dataclass(frozen=True)
class Guess:
    """One admitted guess: its place in this process's list and its shared slot."""

    key: tuple[str, str]
    stamp_s: float
    slot_id: str


def take_local(recent: Recent, key: tuple[str, str], now_s: float,
               limit: int = MAX_WRONG_PER_MINUTE, max_bytes: int = MAX_TRACKED_BYTES) -> bool:
    """Record a guess for `key` unless `limit` were made in the last minute. Synchronous,
    so concurrent guesses on one event loop are counted exactly."""
    stamps = [t for t in recent.pop(key, []) if t > now_s - WINDOW_S]
    _make_room(recent, now_s, max_bytes)
    taken = len(stamps) < limit
    recent[key] = [*stamps, now_s] if taken else stamps  # last: the most recent pair
    return taken


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
    slots = (f"guess:{code}:{address}:{window}:{n}" for n in range(1, limit + 1))
    slot_id = await take_first_free(db, slots, float((window + 1) * WINDOW_S))
    if slot_id is not None:
        return Guess(key, now_s, slot_id)
    give_back_local(recent, key, now_s)
    return None


async def forgive_guess(db: Database, recent: Recent, guess: Guess) -> None:
    """The guess was right: it does not count against the minute."""
    give_back_local(recent, guess.key, guess.stamp_s)
    await give_back(db, [guess.slot_id])
