"""A chunk whose renderer made an image the ZIP's format table does not know is dead-lettered
at once: no redelivery can put that image in the chunk's ZIP part."""

from __future__ import annotations

import pytest

from shared.formats.archive import UnknownImageFormat
from shared.pipeline import RowInput
from worker.policy import Outcome, Policy, decide, outcome_of
from worker.queues import policies
from worker.zippart import zip_part

WEBP = "data:image/webp;base64,UklGRg=="


def unknown_format_of_a_chunk() -> UnknownImageFormat:
    """What the chunk's handler raises: its ZIP part, made from a static row's WebP."""
    row = RowInput(0, {"uid": "a", "qrType": "static", "data": "hello"})
    with pytest.raises(UnknownImageFormat, match="image/webp") as caught:
        zip_part([WEBP], [row], rendered_at_s=0.0)
    return caught.value


def test_the_table_dead_letters_an_unknown_image_format() -> None:
    assert outcome_of(unknown_format_of_a_chunk()) is Outcome.DEAD_LETTER
    assert outcome_of(ValueError("a bug")) is Outcome.REQUEUE  # other ValueErrors: requeued


@pytest.mark.parametrize("policy", list(policies(120.0).values()), ids=lambda p: p.queue)
def test_no_queue_retries_or_requeues_it_even_with_budget_left(policy: Policy) -> None:
    assert decide(unknown_format_of_a_chunk(), policy, retry_fits=True) is Outcome.DEAD_LETTER
