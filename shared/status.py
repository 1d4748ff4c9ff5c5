"""The order status state machine: the wire values and the table of legal transitions."""

from __future__ import annotations

from enum import StrEnum

from shared.errors import IllegalTransition


class OrderStatus(StrEnum):
    """An order's status; values equal the strings of the API."""

    PROCESSING = "processing"
    COMPLETED = "completed"
    RESULT_DOWNLOADED = "resultDownloaded"


TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.PROCESSING: frozenset({OrderStatus.COMPLETED}),
    OrderStatus.COMPLETED: frozenset({OrderStatus.RESULT_DOWNLOADED}),
    OrderStatus.RESULT_DOWNLOADED: frozenset(),
}


def can_transition(current: OrderStatus, target: OrderStatus) -> bool:
    """True when an order in `current` may move to `target`."""
    return target in TRANSITIONS[current]


def check_transition(current: OrderStatus, target: OrderStatus) -> None:
    """Raise IllegalTransition unless `current` → `target` is in the table."""
    if not can_transition(current, target):
        raise IllegalTransition(f"order cannot go from {current} to {target}")
