"""Seal endpoint secrets at rest: HMAC-SHA256 in counter mode, then an HMAC tag (stdlib only)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

NONCE_BYTES = 16
TAG_BYTES = 32


def _key(seal_key: str, purpose: bytes) -> bytes:
    return hmac.new(seal_key.encode(), purpose, hashlib.sha256).digest()


def _stream(key: bytes, nonce: bytes, size: int) -> bytes:
    blocks = (hmac.new(key, nonce + i.to_bytes(4, "big"), hashlib.sha256).digest()
              for i in range((size + 31) // 32))
    return b"".join(blocks)[:size]


def seal(seal_key: str, secret: str) -> str:
    """An opaque text that only `unseal` with the same key turns back into `secret`."""
    nonce = secrets.token_bytes(NONCE_BYTES)
    plain = secret.encode()
    cipher = bytes(a ^ b for a, b in zip(plain, _stream(_key(seal_key, b"enc"), nonce,
                                                         len(plain)), strict=True))
    tag = hmac.new(_key(seal_key, b"mac"), nonce + cipher, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(nonce + tag + cipher).decode()


def unseal(seal_key: str, sealed: str) -> str:
    """The secret, or ValueError if `sealed` was altered or sealed with another key."""
    raw = base64.urlsafe_b64decode(sealed.encode())
    nonce, tag = raw[:NONCE_BYTES], raw[NONCE_BYTES:NONCE_BYTES + TAG_BYTES]
    cipher = raw[NONCE_BYTES + TAG_BYTES:]
    expected = hmac.new(_key(seal_key, b"mac"), nonce + cipher, hashlib.sha256).digest()
    if not hmac.compare_digest(tag, expected):
        raise ValueError("sealed secret does not match the seal key")
    stream = _stream(_key(seal_key, b"enc"), nonce, len(cipher))
    return bytes(a ^ b for a, b in zip(cipher, stream, strict=True)).decode()
