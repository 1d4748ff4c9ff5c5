"""Identifiers: bulk ids, API keys and derived short codes."""

from __future__ import annotations

from shared.ids import (
    api_key_matches,
    derive_code,
    hash_api_key,
    is_bulk_id,
    new_api_key,
    new_bulk_id,
    shard_of_code,
)


def test_bulk_id_has_128_random_bits_in_lowercase_hex() -> None:
    ids = {new_bulk_id() for _ in range(1000)}
    assert len(ids) == 1000
    sample = next(iter(ids))
    assert sample.startswith("bulk_") and len(sample) == 5 + 32 and is_bulk_id(sample)
    assert not is_bulk_id("bulk_ABC") and not is_bulk_id("nope")


def test_api_key_is_checked_against_its_hash_only() -> None:
    key = new_api_key()
    stored = hash_api_key(key)
    assert key not in stored
    assert api_key_matches(key, stored)
    assert not api_key_matches(key + "x", stored)
    assert len(key) >= 40


def test_codes_are_stable_and_name_their_shard() -> None:
    code = derive_code(b"secret", 123, "bulk_x", 7)
    assert code == derive_code(b"secret", 123, "bulk_x", 7)
    assert code != derive_code(b"secret", 123, "bulk_x", 8)
    assert code != derive_code(b"other", 123, "bulk_x", 7)
    assert shard_of_code(code) == 123
    assert shard_of_code("short") is None
    assert shard_of_code("ab!defghi") is None
