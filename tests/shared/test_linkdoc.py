"""The typed link document: its stored form, read back unchanged, and its predicates."""

from __future__ import annotations

import pytest

from shared.linkdoc import Link, SourceRef
from shared.links import LinkCodes, link_documents

CODES = LinkCodes("AAbbbbbbb", (("flyer", "AAccccccc"),))


def documents(**overrides: object) -> list[dict[str, object]]:
    fields: dict[str, object] = {
        "subscription": "sub", "bulk_id": "b1", "row": 3, "uid": 7,
        "destination": "https://example.com", "expiry_ms": None, "password_hashes": [],
        "now_ms": 1000} | overrides
    return link_documents(CODES, **fields)  # type: ignore[arg-type]


def test_a_record_and_its_source_store_only_what_they_have() -> None:
    record, child = documents()
    assert record == {"_id": "AAbbbbbbb", "subscription": "sub", "bulkId": "b1", "row": 3,
                      "uid": 7, "destination": "https://example.com", "createdAt": 1000,
                      "sources": [{"source": "flyer", "code": "AAccccccc"}]}
    assert child == {"_id": "AAccccccc", "parent": "AAbbbbbbb", "source": "flyer",
                     "subscription": "sub", "bulkId": "b1", "row": 3, "createdAt": 1000}


@pytest.mark.parametrize("doc", [
    *documents(), *documents(expiry_ms=5000, password_hashes=["h1"], uid=None),
    {**documents()[0], "scans": 4, "lastScanAt": 1500},
])
def test_from_doc_then_to_doc_is_the_stored_document(doc: dict[str, object]) -> None:
    assert Link.from_doc(doc).to_doc() == doc


def test_predicates() -> None:
    record, child = (Link.from_doc(d) for d in documents(expiry_ms=5000, password_hashes=["h"]))
    assert not record.is_source and child.is_source
    assert record.is_secured and not child.is_secured
    assert record.is_expired(5000) and not record.is_expired(4999)
    assert not Link.from_doc(documents()[0]).is_expired(10**15)
    assert record.is_record_of("sub") and not record.is_record_of("other")
    assert not child.is_record_of("sub")
    assert record.same_row(child)
    assert record.codes == ["AAbbbbbbb", "AAccccccc"]
    assert record.sources == (SourceRef("flyer", "AAccccccc"),)
    assert record.location == "https://example.com"
    with pytest.raises(LookupError):
        _ = child.location


def test_updated_applies_a_set_of_stored_fields() -> None:
    record = Link.from_doc(documents(expiry_ms=5000)[0])
    changed = record.updated({"destination": "https://example.org", "expiryMs": None})
    assert (changed.destination, changed.expiry_ms) == ("https://example.org", None)
    assert changed.to_doc().keys() == record.to_doc().keys() - {"expiryMs"}
