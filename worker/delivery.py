"""One delivery of one message, passed explicitly to every handler."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class Delivery:
    """One delivery of one message.

    `redelivered` is the broker's flag: an earlier holder died or gave the message back,
    so this delivery takes over what that holder claimed (e.g. the archive job).
    `attempt` counts in-place retries after a transient failure; they keep the token.
    """

    redelivered: bool = False
    attempt: int = 0
    token: str = field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def may_have_run(self) -> bool:
        """An earlier run of this message may have done part of its work (charged quota,
        claimed window slots) and died before finishing it."""
        return self.redelivered or self.attempt > 0

    def retry(self) -> Delivery:
        """The same delivery, run again in place after a transient failure."""
        return replace(self, attempt=self.attempt + 1)
