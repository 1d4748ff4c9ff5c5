"""The typed subscription document: its stored form and its key predicates."""

from __future__ import annotations

from shared.ids import hash_api_key
from shared.subscriptiondoc import Subscription, SubscriptionRecord

STORED = {"_id": "c1", "name": "shop", "keyHash": hash_api_key("new"),
          "revokedKeyHashes": [hash_api_key("old")], "disabled": False, "qrLimit": 10,
          "quotaHint": 3, "createdAt": 1000}


def test_from_doc_then_to_doc_is_the_stored_document() -> None:
    assert SubscriptionRecord.from_doc(STORED).to_doc() == STORED


def test_keys() -> None:
    record = SubscriptionRecord.from_doc(STORED)
    assert record.accepts("new") and not record.accepts("old")
    assert record.was_revoked("old") and not record.was_revoked("new")
    assert not record.accepts("other") and not record.was_revoked("other")


def test_a_record_read_without_its_hashes_accepts_no_key() -> None:
    listed = {k: v for k, v in STORED.items() if k not in {"keyHash", "revokedKeyHashes"}}
    record = SubscriptionRecord.from_doc(listed)
    assert not record.accepts("new") and not record.was_revoked("old")
    assert record.listing() == {"clientId": "c1", "name": "shop", "qrLimit": 10,
                                "disabled": False, "createdAt": 1000}


def test_the_view_and_the_active_predicate() -> None:
    record = SubscriptionRecord.from_doc(STORED)
    assert record.subscription == Subscription("c1", "shop", 10, 3)
    assert record.is_active
    assert not SubscriptionRecord.from_doc({**STORED, "disabled": True}).is_active
