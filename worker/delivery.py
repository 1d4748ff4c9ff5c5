"""Which delivery of a message the current handler runs for: a token, and the broker's flag."""

from __future__ import annotations

import uuid
from contextvars import ContextVar
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Delivery:
    """One delivery of one message. In-place retries keep the token; a redelivery by the
    broker (the first holder died or gave the message back) gets a new one."""

    redelivered: bool = False
    token: str = field(default_factory=lambda: uuid.uuid4().hex)


# Frozen, so a shared default is safe; the consumer sets a fresh one for every message.
CURRENT: ContextVar[Delivery] = ContextVar("delivery", default=Delivery())  # noqa: B039
