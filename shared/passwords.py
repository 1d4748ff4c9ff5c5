"""Hash and check the passwords that protect secured short links (scrypt, salted), off the loop.

scrypt costs milliseconds of CPU per call, so callers on an event loop go through a
`PasswordPool`: a small, bounded set of threads (hashlib releases the GIL while scrypt
runs), so many passwords in one request queue there instead of stalling every other one.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import hashlib
import hmac
import secrets
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

# n=2**12 costs ~5 ms: slow enough to make guessing expensive, cheap enough for bulk rows.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**12, 8, 1
MAX_PASSWORDS, MAX_PASSWORD_CHARS = 5, 128


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


def matches_any(password: str, hashes: Sequence[str]) -> bool:
    return any(check_password(password, stored) for stored in hashes)


class PasswordPool:
    """Runs hashing and checking in `threads` threads; at most that many run at once."""

    def __init__(self, threads: int) -> None:
        self._executor = ThreadPoolExecutor(threads, thread_name_prefix="scrypt")

    async def hash_all(self, passwords: Sequence[str]) -> list[str]:
        loop = asyncio.get_running_loop()
        return list(await asyncio.gather(
            *(loop.run_in_executor(self._executor, hash_password, p) for p in passwords)))

    async def matches(self, password: str, hashes: Sequence[str]) -> bool:
        """True if `password` is one of `hashes` (checked in one thread, one after another)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, matches_any, password, list(hashes))


@functools.cache
def password_pool(threads: int) -> PasswordPool:
    """The process's pool of `threads` threads, made on first use (Settings.password_threads)."""
    return PasswordPool(threads)
