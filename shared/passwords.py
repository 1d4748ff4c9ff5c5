"""Hash and check the passwords that protect secured short links (scrypt, salted)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

# n=2**12 costs ~5 ms: slow enough to make guessing expensive, cheap enough for bulk rows.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**12, 8, 1


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P)
    return "scrypt$" + base64.b64encode(salt).decode() + "$" + base64.b64encode(digest).decode()


def check_password(password: str, stored: str) -> bool:
    try:
        scheme, salt_b64, digest_b64 = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    digest = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt_b64),
                            n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P)
    return hmac.compare_digest(digest, base64.b64decode(digest_b64))
