"""The Standard Webhooks headers of one delivery, signed with the `standardwebhooks` package."""

from __future__ import annotations

import base64
import secrets
from datetime import UTC, datetime

from standardwebhooks.webhooks import Webhook

SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    """A fresh signing secret: `whsec_` and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def signed_headers(secret: str, webhook_id: str, payload: str,
                   now: datetime | None = None) -> dict[str, str]:
    timestamp = now or datetime.now(tz=UTC)
    signature = Webhook(secret).sign(webhook_id, timestamp, payload)
    return {"webhook-id": webhook_id, "webhook-timestamp": str(int(timestamp.timestamp())),
            "webhook-signature": signature, "content-type": "application/json",
            "user-agent": "bulkqr-webhooks/1"}
