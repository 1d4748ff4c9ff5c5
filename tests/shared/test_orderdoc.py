"""The typed order document: its round trip, its predicates, and that nobody reads raw status."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from shared.orderdoc import Order
from shared.orders import new_order
from shared.status import OrderStatus

ROOT = Path(__file__).resolve().parents[2]
TYPED_DOCUMENTS = {"shared/orderdoc.py", "shared/claimdoc.py", "shared/linkdoc.py",
                   "shared/subscriptiondoc.py",
                   "shared/webhooks/log.py"}  # the delivery log's adapter (an HTTP status)


def test_a_new_order_round_trips_through_its_document() -> None:
    doc = new_order("bulk_1", "sub_1", 250, 3, verify=True, input_ends=(10, 25, 31))
    order = Order.from_doc(doc)
    assert order.to_doc() == doc
    assert order.input_ends == (10, 25, 31)
    assert (order.is_processing, order.is_completed, order.is_downloaded) == (True, False, False)
    assert order.status_document()["processed"] == 0
    assert order.with_processed(400).processed == 250  # never more than the batch


def test_predicates_follow_the_status() -> None:
    order = Order.from_doc(new_order("bulk_2", "sub_1", 10, 1))
    completed = replace(order, status=OrderStatus.COMPLETED)
    downloaded = replace(order, status=OrderStatus.RESULT_DOWNLOADED)
    assert completed.is_completed and not completed.is_processing
    assert downloaded.is_downloaded and not downloaded.is_completed
    assert completed.status_document() | {"processed": 10} == completed.status_document()


def test_status_is_read_only_through_typed_documents() -> None:
    """No module reads `["status"]` off a raw document outside the typed documents."""
    raw_reads = [
        f"{path.relative_to(ROOT)}:{number}"
        for package in ("gateway", "worker", "shared")
        for path in sorted((ROOT / package).rglob("*.py"))
        if str(path.relative_to(ROOT)) not in TYPED_DOCUMENTS
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"""\[["']status["']\]""", line)
    ]
    assert raw_reads == []
