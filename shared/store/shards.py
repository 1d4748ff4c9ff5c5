"""Which of a family's fixed collections holds a key: a stable hash, the same in every process."""

from __future__ import annotations

import hashlib

TENANT_SHARDS = 16  # collections per family keyed by subscription, batch or webhook


def shard_of(key: str, count: int = TENANT_SHARDS) -> int:
    """A number in [0, count) that depends on `key` only (not on PYTHONHASHSEED)."""
    digest = hashlib.blake2b(key.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % count
