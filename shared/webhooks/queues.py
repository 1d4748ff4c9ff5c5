"""The webhook queue and its delay queues: retries wait in RabbitMQ, not in a sleeping consumer.

Each delay is one quorum queue with a message TTL whose expired messages dead-letter back
into the webhooks queue through the work exchange. The delay is part of the queue's name,
so a changed setting declares new queues instead of clashing with the old ones.
"""

from __future__ import annotations

from aio_pika.abc import AbstractChannel, AbstractExchange, AbstractQueue

WEBHOOK_KEY = "webhook"
DELIVERY_LIMIT = 50  # deliveries of one message (crashed workers), not send attempts


def webhooks_queue(prefix: str) -> str:
    return f"{prefix}.webhooks"


def _ms(delay_s: float) -> int:
    return max(1, round(delay_s * 1000))


def delay_key(delay_s: float) -> str:
    return f"{WEBHOOK_KEY}.delay.{_ms(delay_s)}ms"


def delay_queue(prefix: str, delay_s: float) -> str:
    return f"{prefix}.webhooks.delay.{_ms(delay_s)}ms"


def retry_delay_s(delays_s: list[float], attempt: int) -> float | None:
    """The wait before the retry that follows attempt number `attempt` (0 is the first
    send), or None when the schedule is used up."""
    return delays_s[attempt] if attempt < len(delays_s) else None


async def declare_webhook_queues(channel: AbstractChannel, prefix: str,
                                 work: AbstractExchange, delays_s: list[float]) -> AbstractQueue:
    queue = await channel.declare_queue(webhooks_queue(prefix), durable=True, arguments={
        "x-queue-type": "quorum", "x-delivery-limit": DELIVERY_LIMIT})
    await queue.bind(work, WEBHOOK_KEY)
    for delay_s in sorted(set(delays_s)):
        delayed = await channel.declare_queue(delay_queue(prefix, delay_s), durable=True,
                                              arguments={
            "x-queue-type": "quorum",
            "x-message-ttl": _ms(delay_s),
            "x-dead-letter-exchange": work.name,
            "x-dead-letter-routing-key": WEBHOOK_KEY,
            "x-dead-letter-strategy": "at-least-once",
            "x-overflow": "reject-publish",
        })
        await delayed.bind(work, delay_key(delay_s))
    return queue
