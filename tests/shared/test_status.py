"""The order state machine, over every pair of statuses."""

from __future__ import annotations

import itertools

import pytest

from shared.errors import IllegalTransition
from shared.status import OrderStatus, can_transition, check_transition

LEGAL = {
    (OrderStatus.PROCESSING, OrderStatus.COMPLETED),
    (OrderStatus.COMPLETED, OrderStatus.RESULT_DOWNLOADED),
}


@pytest.mark.parametrize(("current", "target"), list(itertools.product(OrderStatus, repeat=2)))
def test_transition_table(current: OrderStatus, target: OrderStatus) -> None:
    legal = (current, target) in LEGAL
    assert can_transition(current, target) is legal
    if legal:
        check_transition(current, target)
    else:
        with pytest.raises(IllegalTransition):
            check_transition(current, target)


def test_wire_values() -> None:
    assert [s.value for s in OrderStatus] == ["processing", "completed", "resultDownloaded"]
