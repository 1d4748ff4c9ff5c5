"""Each queue's parser: a body becomes its message and log fields, or MessageInvalid; and
the in-flight count a draining worker waits on."""

from __future__ import annotations

import asyncio

import pytest

from shared.analytics.tally import TallyBatch
from shared.errors import MessageInvalid
from shared.schemas import WorkMessage
from shared.webhooks.events import WebhookMessage
from worker.consume import Parser
from worker.inflight import InFlight
from worker.queues import WORK
from worker.scans import SCAN_PARSER
from worker.webhooks import WEBHOOK_PARSER


def test_a_work_message_binds_its_batch_chunk_and_kind() -> None:
    body = WorkMessage(kind="chunk", bulk_id="bulk_x", chunk=2, chunks=3, rows=5).to_bytes()
    message = WORK.parse(body)
    assert message.bulk_id == "bulk_x"
    assert WORK.describe(message) == {"bulkId": "bulk_x", "chunk": 2, "kind": "chunk"}


def test_a_scan_batch_binds_its_name() -> None:
    body = TallyBatch(gateway="00ff00ff", seq=7, links=[], cells=[]).model_dump_json().encode()
    assert SCAN_PARSER.describe(SCAN_PARSER.parse(body)) == {"batch": "00ff00ff:7"}


def test_a_webhook_message_binds_what_it_is_about() -> None:
    body = WebhookMessage(kind="delivery", client="c", type="bulk.completed", key="k",
                          payload="{}", webhook_id="msg_1", attempt=2).to_bytes()
    assert WEBHOOK_PARSER.describe(WEBHOOK_PARSER.parse(body)) == {
        "webhook_kind": "delivery", "event_key": "k", "webhook_id": "msg_1", "attempt": 2}


@pytest.mark.parametrize(("parser", "name"), [
    (WORK, "not a work message"), (SCAN_PARSER, "not a scan batch"),
    (WEBHOOK_PARSER, "not a webhook message")])
@pytest.mark.parametrize("body", [b"", b"not json", b"{}", b'{"kind": "chunk"}', b"[1]"])
def test_a_body_of_another_shape_is_invalid(parser: Parser[object], name: str,
                                            body: bytes) -> None:
    with pytest.raises(MessageInvalid, match=f"^{name}: "):
        parser.parse(body)


async def test_in_flight_is_idle_once_every_message_left() -> None:
    in_flight = InFlight()
    assert await in_flight.wait_idle(0.01)
    in_flight.enter()
    in_flight.enter()
    in_flight.leave()
    assert in_flight.count == 1
    assert not await in_flight.wait_idle(0.01)
    asyncio.get_running_loop().call_later(0.02, in_flight.leave)
    assert await in_flight.wait_idle(1.0)
    assert in_flight.count == 0
