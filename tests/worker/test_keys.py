"""Storage keys and claim ids: one builder each, stable formats."""

from __future__ import annotations

from shared import keys


def test_object_keys_live_under_their_batch_prefixes() -> None:
    assert keys.input_key("b1", 7) == "inputs/b1/000007.json"
    assert keys.input_key("b1", 7).startswith(keys.inputs_prefix("b1"))
    assert keys.part_key("b1", 7) == "parts/b1/000007.txt"
    assert keys.part_key("b1", 7).startswith(keys.parts_prefix("b1"))
    assert keys.result_key("b1") == "results/b1.json"


def test_claim_ids_name_their_chunk_and_batch() -> None:
    assert keys.archive_claim("b1") == "archive:b1"
    assert keys.claimer_of_chunk(3) == "chunk:3" != keys.SPLIT_CLAIMER
