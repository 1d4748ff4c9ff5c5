"""Start an accepted batch: register it as running and publish the first window of chunks."""

from __future__ import annotations

from shared.keys import SPLIT_CLAIMER
from shared.progress import register_running
from shared.schemas import WorkMessage
from shared.store.orders import find_order
from worker.delivery import Delivery
from worker.deps import Deps
from worker.window import advance


async def handle_split(deps: Deps, message: WorkMessage, delivery: Delivery) -> None:
    """Publish the window's first chunks; the chunks publish the rest as they finish.
    A redelivered split re-publishes what it claimed, which the chunks absorb."""
    order = await find_order(deps.db, message.bulk_id)
    if order is None or not order.is_processing:
        return
    await register_running(deps.db, order, message.sizes)
    await advance(deps, message.bulk_id, SPLIT_CLAIMER, delivery)
