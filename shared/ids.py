"""Identifiers and secrets: bulk ids, API keys and their hashes, and derived short codes."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string

BASE62 = string.digits + string.ascii_letters
BULK_ID_PREFIX = "bulk_"
QR_ID_PREFIX = "qr_"
CODE_BODY_LENGTH = 7


def new_bulk_id() -> str:
    """`bulk_` and 128 random bits in lowercase hex."""
    return BULK_ID_PREFIX + secrets.token_hex(16)


def is_bulk_id(value: str) -> bool:
    body = value.removeprefix(BULK_ID_PREFIX)
    return value.startswith(BULK_ID_PREFIX) and len(body) == 32 and all(
        c in "0123456789abcdef" for c in body
    )


def new_client_id() -> str:
    return "cust_" + secrets.token_hex(8)


def new_api_key() -> str:
    """A 256-bit random key, shown once and stored only as `hash_api_key(key)`."""
    return "sk_" + secrets.token_urlsafe(32)


def hash_api_key(api_key: str) -> str:
    # A fast hash suffices: the key has 256 random bits, so nothing can be guessed offline.
    return hashlib.sha256(api_key.encode()).hexdigest()


def api_key_matches(api_key: str, stored_hash: str) -> bool:
    """Constant-time comparison of a presented key with the stored hash."""
    return hmac.compare_digest(hash_api_key(api_key), stored_hash)


def to_base62(number: int, width: int) -> str:
    chars = []
    for _ in range(width):
        number, digit = divmod(number, 62)
        chars.append(BASE62[digit])
    return "".join(reversed(chars))


def shard_prefix(shard: int) -> str:
    """Two base-62 characters that name a link shard collection."""
    return to_base62(shard, 2)


def shard_of_code(code: str) -> int | None:
    """The shard a short code names, or None when the code is malformed."""
    if len(code) != 2 + CODE_BODY_LENGTH or any(c not in BASE62 for c in code):
        return None
    return BASE62.index(code[0]) * 62 + BASE62.index(code[1])


def derive_code(secret: bytes, shard: int, *parts: str | int) -> str:
    """A short code fixed by its parts (e.g. bulkId, row, source), so redelivery repeats it."""
    digest = hmac.new(secret, "\x1f".join(map(str, parts)).encode(), hashlib.sha256).digest()
    return shard_prefix(shard) + to_base62(int.from_bytes(digest[:8]), CODE_BODY_LENGTH)


def qr_id_of_code(code: str) -> str:
    return QR_ID_PREFIX + code


def code_of_qr_id(qr_id: str) -> str | None:
    return qr_id.removeprefix(QR_ID_PREFIX) if qr_id.startswith(QR_ID_PREFIX) else None
