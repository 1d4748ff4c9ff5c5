"""The documents of webhooks (endpoints, the delivery log) and of uploaded assets (logos)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from gateway.apimodels import Answer, OneOf, Wire
from shared.assets import ASSET_ID_RE, CONTENT_TYPES
from shared.webhooks.addresses import MAX_URL_CHARS
from shared.webhooks.events import EVENTS
from shared.webhooks.signing import SECRET_PREFIX

Event = Annotated[str, OneOf(lambda: EVENTS)]


class WebhookRegister(Wire):
    """An endpoint to register, and the events it listens to."""

    url: str = Field(max_length=MAX_URL_CHARS, description="https, on a public address")
    events: list[Event] = Field(min_length=1)


class Webhook(Answer):
    """A registered endpoint (times in Unix ms)."""

    id: str
    url: str
    events: list[Event] = Field(min_length=1)
    created_at: int
    disabled: bool
    disabled_reason: str | None
    failing_since: int | None


class WebhookCreated(Webhook):
    """A registered endpoint with its signing secret, shown this once."""

    secret: str = Field(pattern=f"^{SECRET_PREFIX}")


class WebhookList(Answer):
    items: list[Webhook]


class Attempt(Answer):
    """One try at sending a delivery: when (Unix ms), and what the endpoint answered."""

    id: str
    delivery_id: str
    event: str
    attempt: int = Field(ge=0)
    manual: bool
    at: int
    ok: bool
    status: int | None
    error: str | None
    latency_ms: float = Field(ge=0)
    answer: str | None
    note: str | None


class AttemptList(Answer):
    """The delivery attempts, newest first."""

    items: list[Attempt]


class RetryQueued(Answer):
    delivery_id: str
    queued: bool


class Asset(Answer):
    """An uploaded logo, named in a row's styling.logo by its assetId."""

    asset_id: str = Field(pattern=f"^{ASSET_ID_RE.pattern}$")
    kind: Annotated[str, OneOf(lambda: CONTENT_TYPES)]
    width: int = Field(ge=1)
    height: int = Field(ge=1)
    sha256: str
    size_bytes: int = Field(ge=0)


class AssetList(Answer):
    """A page of the subscription's assets, oldest first; `next` is the cursor of the next."""

    items: list[Asset]
    next: str | None
