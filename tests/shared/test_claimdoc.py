"""The typed claim document keeps the stored shapes of the archive and download claims."""

from __future__ import annotations

import pytest

from shared.claimdoc import Claim


def test_the_archive_claim_names_its_delivery_and_never_expires() -> None:
    claim = Claim.archive("b1", "delivery-7")
    assert claim.to_doc() == {"_id": "archive:b1", "owner": "delivery-7"}
    assert Claim.from_doc(claim.to_doc()) == claim
    assert claim.is_held_by("delivery-7") and not claim.is_held_by("delivery-8")
    assert not claim.is_expired(10**12)


def test_the_download_claim_names_its_request_and_expires() -> None:
    claim = Claim.download("b1", "tok", now_s=100.0, ttl_s=30.0)
    assert claim.to_doc() == {"_id": "download:b1", "token": "tok", "expiresAt": 130.0}
    assert Claim.from_doc(claim.to_doc()) == claim
    assert not claim.is_expired(130.0) and claim.is_expired(130.5)


def test_a_download_claim_without_expiry_counts_as_expired() -> None:
    assert Claim.from_doc({"_id": "download:b1", "token": "t"}).is_expired(0.5)


@pytest.mark.parametrize("claim_id", ["guess:b1", "archive:", "b1"])
def test_other_ids_are_not_claims(claim_id: str) -> None:
    with pytest.raises(ValueError, match="not a claim id"):
        Claim.from_doc({"_id": claim_id})
