"""The OpenAPI document's components: every wire model's JSON Schema, made by pydantic."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, models_json_schema
from pydantic_core import CoreSchema

from gateway.apimodels import Error, Probe, Status, StatusList, Submitted, Unready
from gateway.apimodels_links import (
    ChangeApplied,
    ChangePreview,
    LinksChange,
    QrList,
    QrRecord,
    RecordChange,
    Scans,
)
from gateway.apimodels_managed import (
    Asset,
    AssetList,
    AttemptList,
    RetryQueued,
    Webhook,
    WebhookCreated,
    WebhookList,
    WebhookRegister,
)
from gateway.apimodels_rows import Archive, Row, SingleEntry, SingleFailed

MODELS: tuple[type[BaseModel], ...] = (
    Error, Status, StatusList, Submitted, Probe, Unready,
    Row, SingleEntry, SingleFailed, Archive,
    QrRecord, QrList, RecordChange, Scans, LinksChange, ChangePreview, ChangeApplied,
    WebhookRegister, Webhook, WebhookCreated, WebhookList, AttemptList, RetryQueued,
    Asset, AssetList,
)
SECURITY_SCHEMES = {
    "clientId": {"type": "apiKey", "in": "header", "name": "client-id"},
    "apiKey": {"type": "apiKey", "in": "header", "name": "api-key"},
}


class _Schemas(GenerateJsonSchema):
    """pydantic's JSON Schema without a title on every field (the name says it)."""

    def field_title_should_be_set(self, schema: CoreSchema) -> bool:
        return False


def schemas() -> dict[str, Any]:
    """Every model's schema and the ones they use, named by model, made now: the formats a
    deployment registered at start are in them."""
    _, top = models_json_schema([(model, "validation") for model in MODELS],
                                ref_template="#/components/schemas/{model}",
                                schema_generator=_Schemas)
    found: dict[str, Any] = top["$defs"]
    return found


def components() -> dict[str, Any]:
    return {"securitySchemes": SECURITY_SCHEMES, "schemas": schemas()}
