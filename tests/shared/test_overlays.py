"""Bulk-change overlays: which change a reader sees, field by field."""

from __future__ import annotations

from shared.linkdoc import Link
from shared.overlays import Overlay, apply_overlays, fill_template


def record(uid: str | int = "sku-1", **fields: object) -> Link:
    base = Link("AAcode001", "sub", "bulk_1", 3, 1_000, uid=uid,
                destination="https://old.example/", expiry_ms=9_000_000)
    return base.updated(dict(fields)) if fields else base


def test_an_overlay_fills_the_template_per_uid_and_covers_named_uids_only() -> None:
    move = Overlay(2_000, {"destination": "https://new.example/{uid}?a=1"}, frozenset({"a/b"}))
    assert apply_overlays(record("a/b"), [move]).location == "https://new.example/a%2Fb?a=1"
    assert apply_overlays(record("other"), [move]).location == "https://old.example/"
    assert fill_template("https://x.example/{uid}/{uid}", 7) == "https://x.example/7/7"


def test_later_overlays_win_and_an_expiry_can_be_cleared() -> None:
    first = Overlay(2_000, {"destination": "https://one.example/", "disabled": True})
    second = Overlay(3_000, {"destination": "https://two.example/", "expiryMs": None})
    seen = apply_overlays(record(), [first, second])
    assert (seen.location, seen.disabled, seen.expiry_ms) == ("https://two.example/", True, None)


def test_a_patch_wins_over_older_overlays_and_loses_to_newer_ones_field_by_field() -> None:
    patched = record(destination="https://patched.example/", disabled=False,
                     editedAt={"destination": 2_500, "disabled": 2_500})
    older = Overlay(2_000, {"destination": "https://bulk.example/", "disabled": True})
    newer = Overlay(3_000, {"disabled": True})
    seen = apply_overlays(patched, [older])
    assert (seen.location, seen.disabled) == ("https://patched.example/", False)
    seen = apply_overlays(patched, [older, newer])
    assert (seen.location, seen.disabled) == ("https://patched.example/", True)


def test_source_links_and_batches_without_overlays_are_left_as_stored() -> None:
    source = Link("AAsrc0001", "sub", "bulk_1", 3, 1_000, parent="AAcode001", source="flyer")
    move = Overlay(2_000, {"destination": "https://new.example/"})
    assert apply_overlays(source, [move]) is source
    assert apply_overlays(record(), []) == record()


def test_the_edit_stamps_survive_the_stored_form() -> None:
    patched = record(editedAt={"destination": 2_500})
    assert Link.from_doc(patched.to_doc()).edited_at_ms == {"destination": 2_500}
    assert "editedAt" not in record().to_doc()
