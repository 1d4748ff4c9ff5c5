"""Typed, frozen settings read from BULKQR_* environment variables, with local defaults."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

MIB = 1024 * 1024


class Settings(BaseSettings):
    """Everything a gateway or worker needs to know; built once in each entry point."""

    model_config = SettingsConfigDict(env_prefix="BULKQR_", frozen=True, extra="ignore")

    mongo_url: SecretStr = SecretStr("mongodb://127.0.0.1:27017/")
    mongo_db: str = "bulkqr"
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
    chunk_rows: int = Field(default=500, ge=1, le=10_000)
    chunk_bytes: int = Field(default=1 * MIB, ge=1024)
    link_shards: int = Field(default=64, ge=1, le=3844)

    prefetch_chunks: int = Field(default=2, ge=1, le=4)
    delivery_limit: int = Field(default=5, ge=1)
    drain_timeout_s: float = Field(default=25.0, gt=0)
    render_processes: int = Field(default=0, ge=0, description="0 means one per CPU core")
    publish_timeout_s: float = Field(default=10.0, gt=0)
    download_claim_ttl_s: float = Field(default=900.0, gt=0)

    log_json: bool | None = Field(default=None, description="None: JSON unless on a TTY")
    log_level: str = "info"
