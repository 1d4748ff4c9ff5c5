"""Typed, frozen settings read from BULKQR_* environment variables, with local defaults."""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, SecretStr
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

MIB = 1024 * 1024


def _cidrs(value: Any) -> Any:
    """CIDRs from a list or from text (`10.0.0.0/8,::1` or a JSON-style list), normalised."""
    if isinstance(value, str):
        value = [part.strip(" []'\"") for part in re.split(r"[,\s]+", value)]
    if isinstance(value, list | tuple):
        return [str(ipaddress.ip_network(str(p), strict=False)) for p in value if str(p)]
    return value


Cidrs = Annotated[list[str], NoDecode, BeforeValidator(_cidrs)]


def _names(value: Any) -> Any:
    """Module names from a list or from text (`a.b,c` or a JSON-style list)."""
    if isinstance(value, str):
        value = [part.strip(" []'\"") for part in value.split(",")]
    if isinstance(value, list | tuple):
        return [str(part) for part in value if str(part)]
    return value


ModuleNames = Annotated[list[str], NoDecode, BeforeValidator(_names)]


class Settings(BaseSettings):
    """Everything a gateway or worker needs to know; built once in each entry point."""

    model_config = SettingsConfigDict(env_prefix="BULKQR_", frozen=True, extra="ignore")

    mongo_url: SecretStr = SecretStr("mongodb://127.0.0.1:27017/")
    mongo_db: str = "bulkqr"
    # FerretDB v1 (the local default) supports neither retryable writes nor majority
    # concerns; production MongoDB (a replica set) wants retryWrites and "majority".
    mongo_retry_writes: bool = False
    mongo_write_concern: Literal["1", "majority"] = "1"
    mongo_read_concern: Literal["local", "majority"] = "local"
    # Tests only: append the shape of every query this process sends to this file (JSON
    # lines), so the suite can check each against the declared indexes (issue 32).
    store_command_log: str = ""
    # Each worker deletes expired claims, rate-limit slots and idempotency keys this often
    # (FerretDB v1 has no TTL indexes; on MongoDB the TTL monitor does it too).
    store_sweep_period_s: float = Field(default=60.0, gt=0)
    amqp_url: SecretStr = SecretStr("amqp://guest:guest@127.0.0.1:5672/")
    s3_endpoint_url: str = "http://127.0.0.1:7070"
    s3_region: str = "us-east-1"
    s3_bucket: str = "bulkqr"
    s3_access_key: SecretStr = SecretStr("bulkqr-local")
    s3_secret_key: SecretStr = SecretStr("bulkqr-local-secret")

    public_url: str = "http://127.0.0.1:8080"
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8080, ge=1, le=65535)
    worker_metrics_port: int = Field(default=9100, ge=0, le=65535)

    # Keys the HMAC that derives QR ids and short codes from (bulkId, row), so a
    # redelivered chunk produces the same codes. Set a real secret in production.
    code_secret: SecretStr = SecretStr("bulkqr-local-code-secret")
    queue_prefix: str = "bulkqr"

    max_body_bytes: int = Field(default=25 * MIB, ge=1)
    # 1,000 rows (about 0.3 s of rendering) a chunk: large enough that a 25 MB batch is a
    # few hundred objects and messages, small enough that N workers share a 10k batch.
    chunk_rows: int = Field(default=1000, ge=1, le=10_000)
    chunk_bytes: int = Field(default=2 * MIB, ge=1024)
    link_shards: int = Field(default=64, ge=1, le=3844)

    prefetch_chunks: int = Field(default=2, ge=1, le=4)
    delivery_limit: int = Field(default=5, ge=1)
    drain_timeout_s: float = Field(default=25.0, gt=0)
    render_processes: int = Field(default=0, ge=0, description="0 means one per CPU core")
    publish_timeout_s: float = Field(default=10.0, gt=0)
    # How long a worker keeps retrying a message while MongoDB, S3 or the network fail,
    # before it gives the message back; these retries do not count as deliveries.
    transient_retry_s: float = Field(default=120.0, ge=0)
    download_claim_ttl_s: float = Field(default=20.0, gt=0)

    # The dashboard's CSV upload: rows per call, bytes per call, calls per minute per client IP.
    workspace_max_rows: int = Field(default=500, ge=1, le=10_000)
    workspace_max_bytes: int = Field(default=5 * MIB, ge=1024)
    workspace_calls_per_minute: int = Field(default=5, ge=1, le=10_000)
    # Proxies whose X-Forwarded-For is believed: the client IP is then the right-most
    # address in that header that is not itself a trusted proxy.
    trusted_proxies: Cidrs = Field(default_factory=list)

    # Image formats beyond the built-in ones (shared/formats/registry.py): modules each
    # registering one, imported at start by the gateway, the worker and every render
    # process (shared/formatplugins.py). One that fails to import or clashes stops the start.
    format_modules: ModuleNames = Field(default_factory=list)

    log_json: bool | None = Field(default=None, description="None: JSON unless on a TTY")
    log_level: str = "info"

    # Hardening (issue 14): scrypt hashing and checking run in this many threads, off the
    # event loop; a download counts as received once the peer acknowledged every byte,
    # waiting at most download_ack_timeout_s after the last write.
    password_threads: int = Field(default=2, ge=1, le=32)
    download_ack_timeout_s: float = Field(default=120.0, gt=0)
    # A request body must arrive within body_timeout_s in all, and after its first
    # body_grace_s at body_min_bytes_per_s or faster (slow bodies: 408); an idle
    # keep-alive connection is closed after keepalive_timeout_s.
    body_timeout_s: float = Field(default=300.0, gt=0)
    body_grace_s: float = Field(default=5.0, ge=0)
    body_min_bytes_per_s: int = Field(default=16 * 1024, ge=1)
    keepalive_timeout_s: float = Field(default=15.0, gt=0)

    # Fair scheduling (issue 15): each subscription keeps about window_chunks chunks in the
    # work queue (0: the queue's consumers x (prefetch_chunks - 1), at least 2), shared by its
    # running batches; workers refresh the pending-rows gauge (and the consumer count)
    # every pending_refresh_s over at most pending_max_batches batches.
    window_chunks: int = Field(default=0, ge=0, le=1000)
    pending_refresh_s: float = Field(default=5.0, gt=0)
    pending_max_batches: int = Field(default=200, ge=1)
    # Fault tests only (0 in production): pause between claiming window slots and
    # publishing them, so a test can kill a worker right there.
    fault_pause_after_claim_s: float = Field(default=0.0, ge=0)

    # Admission control (issue 16): request bodies of 1 MiB or more that a gateway holds at
    # once (past it, new ones get 503 with Retry-After before they are read), and each
    # subscription's batches in flight and rows a minute unless its own limits say otherwise
    # (past them: 429 with Retry-After).
    body_budget_bytes: int = Field(default=128 * MIB, ge=MIB)
    batches_in_flight: int = Field(default=20, ge=1, le=1000)
    rows_per_minute: int = Field(default=10_000_000, ge=1)
    # A batch of more chunks than this has neighbouring chunks joined (each stored object
    # costs the gateway ~10 ms of CPU): ~2M tiny rows then make 100 objects, not 2,000.
    max_chunks_per_batch: int = Field(default=100, ge=1)
    # Webhooks (issue 21): private, loopback and link-local targets (and plain http) are
    # refused unless webhook_allow_private (local runs, tests); a failed delivery waits in
    # the delay queue of each of webhook_retry_delays_s in turn (about 24 h in all); an
    # endpoint failing for webhook_disable_after_s is disabled; endpoint secrets are sealed
    # at rest with webhook_seal_key (set a real secret in production).
    webhook_allow_private: bool = False
    webhook_retry_delays_s: list[float] = Field(
        default_factory=lambda: [5.0, 60.0, 300.0, 1800.0, 7200.0, 18000.0, 28800.0, 28800.0])
    webhook_disable_after_s: float = Field(default=3 * 86400.0, gt=0)
    webhook_seal_key: SecretStr = SecretStr("bulkqr-local-webhook-seal-key")

    # Hardening 2 (issue 31). Every decode, sanitise and render that a request can start
    # runs off the event loop in render_pool_processes processes; a row (in a worker or a
    # gateway) gets render_timeout_s to draw before it fails alone. A subscription keeps
    # at most assets_per_subscription logos. The redirect path's per-process caches hold
    # at most link_cache_max_bytes. Analytics keep scan_dimension_values distinct values
    # per dimension, code and day (the rest count as "other"). An endpoint's deliveries
    # can be resent by hand webhook_manual_retries_per_hour times an hour.
    render_pool_processes: int = Field(default=1, ge=1, le=64)
    render_timeout_s: float = Field(default=10.0, gt=0, le=600)
    assets_per_subscription: int = Field(default=100, ge=1, le=100_000)
    link_cache_max_bytes: int = Field(default=32 * MIB, ge=MIB)
    scan_dimension_values: int = Field(default=100, ge=1, le=10_000)
    webhook_manual_retries_per_hour: int = Field(default=30, ge=1, le=10_000)
