"""The orders and subscriptions repositories on the real document store: typed in and out."""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest

from shared.errors import AlreadyExists
from shared.orderdoc import Order
from shared.orders import list_orders, transition
from shared.status import OrderStatus
from shared.store.client import Database
from shared.store.orders import (
    count_orders,
    delete_order,
    find_order,
    insert_order,
    page_orders,
    set_status,
)
from shared.store.subscriptions import (
    all_subscriptions,
    find_subscription,
    insert_subscription,
    raise_quota_hint,
    replace_key,
    store_disabled,
    store_limits,
)
from shared.subscriptiondoc import SubscriptionRecord


def new_order(subscription: str, created_at_ms: int = 1_000) -> Order:
    return Order.new(f"bulk_{uuid.uuid4().hex}", subscription, 10, 2, created_at_ms,
                     verify=True, input_ends=(5, 9))


async def test_an_order_round_trips_and_its_id_is_taken_once(db: Database) -> None:
    order = new_order(f"sub-{uuid.uuid4().hex}")
    await insert_order(db, order)
    assert await find_order(db, order.bulk_id) == order
    with pytest.raises(AlreadyExists):
        await insert_order(db, replace(order, count=99))
    await delete_order(db, order.bulk_id)
    assert await find_order(db, order.bulk_id) is None


async def test_the_status_changes_only_from_the_expected_one(db: Database) -> None:
    order = new_order(f"sub-{uuid.uuid4().hex}")
    await insert_order(db, order)
    totals = {"dynamicQr": 2, "securedQr": 0, "sourceQr": 1}
    done = await set_status(db, order.bulk_id, OrderStatus.PROCESSING, OrderStatus.COMPLETED,
                            5_000, totals)
    assert done is not None and done.is_completed and done.updated_at_ms == 5_000
    assert done.failed_features == totals and done.count == order.count
    assert await set_status(db, order.bulk_id, OrderStatus.PROCESSING,
                            OrderStatus.COMPLETED, 6_000) is None
    downloaded = await transition(db, order.bulk_id, OrderStatus.COMPLETED,
                                  OrderStatus.RESULT_DOWNLOADED)
    assert downloaded is not None and downloaded.is_downloaded
    assert downloaded.failed_features == totals  # kept when not given
    with pytest.raises(ValueError, match="no other field"):
        await transition(db, order.bulk_id, OrderStatus.PROCESSING, OrderStatus.COMPLETED,
                         {"status": {}})


async def test_pages_are_the_owners_orders_newest_first_ties_by_id(db: Database) -> None:
    owner = f"sub-{uuid.uuid4().hex}"
    orders = [new_order(owner, ms) for ms in (100, 200, 200, 200, 300)]
    await insert_order(db, new_order(f"sub-{uuid.uuid4().hex}", 250))  # someone else's
    for order in orders:
        await insert_order(db, order)
    newest_first = sorted(orders, key=lambda o: (o.created_at_ms, o.bulk_id), reverse=True)
    first = await page_orders(db, owner, 2)
    assert first == newest_first[:2]
    rest = await page_orders(db, owner, 10, (first[-1].created_at_ms, first[-1].bulk_id))
    assert rest == newest_first[2:]
    assert await count_orders(db, owner) == 5
    listed, cursor = await list_orders(db, owner, 3, None)
    assert [o.bulk_id for o in listed] == [o.bulk_id for o in newest_first[:3]]
    assert all(o.processed is not None for o in listed) and cursor is not None
    tail, end = await list_orders(db, owner, 3, cursor)
    assert [o.bulk_id for o in tail] == [o.bulk_id for o in newest_first[3:]] and end is None


def new_record(created_at_ms: int) -> SubscriptionRecord:
    return SubscriptionRecord(f"cli_{uuid.uuid4().hex}", "hash-now", 50, "acme",
                              created_at_ms=created_at_ms, quota_hint=7)


async def test_a_subscription_round_trips_and_changes_by_its_id(db: Database) -> None:
    record = new_record(1_000)
    await insert_subscription(db, record)
    assert await find_subscription(db, record.client_id) == record
    with pytest.raises(AlreadyExists):
        await insert_subscription(db, record)
    assert await store_disabled(db, record.client_id, True)
    assert await store_limits(db, record.client_id, 3, None)
    assert await replace_key(db, record.client_id, "hash-next", "hash-now")
    await raise_quota_hint(db, record.client_id, 12)
    await raise_quota_hint(db, record.client_id, 9)  # never lowers it
    assert await find_subscription(db, record.client_id) == replace(
        record, key_hash="hash-next", revoked_key_hashes=("hash-now",), disabled=True,
        batches_in_flight=3, quota_hint=12)
    missing = f"cli_{uuid.uuid4().hex}"
    assert not await store_disabled(db, missing, True)
    assert not await store_limits(db, missing, None, None)
    assert not await replace_key(db, missing, "a", "b")
    assert await find_subscription(db, missing) is None


async def test_the_listing_is_oldest_first_without_key_hashes(db: Database) -> None:
    records = [new_record(ms) for ms in (3, 1, 2)]
    for record in records:
        await insert_subscription(db, record)
    mine = {r.client_id for r in records}
    listed = [r for r in await all_subscriptions(db) if r.client_id in mine]
    assert [r.created_at_ms for r in listed] == [1, 2, 3]
    assert all(r.key_hash == "" and r.revoked_key_hashes == () for r in listed)
    assert not any(r.accepts("anything") for r in listed)
