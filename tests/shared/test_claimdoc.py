"""The typed claim document keeps the stored shapes of the archive and download claims."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shared.claimdoc import ARCHIVE_KEEP_S, Claim


def test_the_archive_claim_names_its_delivery_and_is_kept_a_week() -> None:
    claim = Claim.archive("b1", "delivery-7", now_s=0.0)
    assert claim.to_doc() == {"_id": "archive:b1", "owner": "delivery-7",
                              "expiresAt": datetime.fromtimestamp(ARCHIVE_KEEP_S, UTC)}
    assert Claim.from_doc(claim.to_doc()) == claim
    assert claim.is_held_by("delivery-7") and not claim.is_held_by("delivery-8")
    assert not claim.is_expired(10**12)  # a redelivery takes it over; the store forgets it


def test_an_archive_claim_stored_before_expiry_dates_never_expires() -> None:
    assert not Claim.from_doc({"_id": "archive:b1", "owner": "d"}).is_expired(10**12)


def test_the_download_claim_names_its_request_and_expires() -> None:
    claim = Claim.download("b1", "tok", now_s=100.0, ttl_s=30.0)
    assert claim.to_doc() == {"_id": "download:b1", "token": "tok",
                              "expiresAt": datetime.fromtimestamp(130.0, UTC)}
    assert Claim.from_doc(claim.to_doc()) == claim
    assert not claim.is_expired(130.0) and claim.is_expired(130.5)


def test_a_download_claim_without_expiry_counts_as_expired() -> None:
    assert Claim.from_doc({"_id": "download:b1", "token": "t"}).is_expired(0.5)


@pytest.mark.parametrize("claim_id", ["guess:b1", "archive:", "b1"])
def test_other_ids_are_not_claims(claim_id: str) -> None:
    with pytest.raises(ValueError, match="not a claim id"):
        Claim.from_doc({"_id": claim_id})
