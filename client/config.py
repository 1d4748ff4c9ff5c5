"""Where the gateway is, who is calling, and how long to wait: the client's settings."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from client.policy import POLL, Backoff, RetryPolicy

DEFAULT_URL = "http://127.0.0.1:8080"


@dataclass(frozen=True)
class ClientConfig:
    """Settings of one client. The api-key is kept out of `repr`."""

    client_id: str
    api_key: str = field(repr=False)
    base_url: str = DEFAULT_URL
    connect_timeout_s: float = 10.0
    read_timeout_s: float = 60.0  # longest silence allowed while reading an answer
    wait_timeout_s: float = 600.0  # default limit of `wait`
    claim_wait_s: float = 30.0  # how long a download waits out another's unfinished claim
    poll: Backoff = POLL
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    user_agent: str = "bulkqr-client/0.1"

    def __post_init__(self) -> None:
        if not self.client_id or not self.api_key:
            raise ValueError("client_id and api_key are both required")
        if not self.base_url.startswith(("http://", "https://")):
            raise ValueError(f"base_url must be an http(s) URL, not {self.base_url!r}")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, *, client_id: str | None = None,
                 api_key: str | None = None, base_url: str | None = None) -> ClientConfig:
        """BULKQR_CLIENT_ID, BULKQR_API_KEY and BULKQR_URL; arguments that are given win."""
        source = os.environ if env is None else env
        return cls(client_id=client_id or source.get("BULKQR_CLIENT_ID", ""),
                   api_key=api_key or source.get("BULKQR_API_KEY", ""),
                   base_url=base_url or source.get("BULKQR_URL") or DEFAULT_URL)

    def url(self, path: str) -> str:
        """The absolute URL of an API path (a base URL may carry a path prefix)."""
        return self.base_url.rstrip("/") + path

    @property
    def auth_headers(self) -> dict[str, str]:
        return {"client-id": self.client_id, "api-key": self.api_key,
                "User-Agent": self.user_agent}
