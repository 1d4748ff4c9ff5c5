"""OpenAPI paths of the features beyond the vendor contract: managed links, webhooks, assets."""

from __future__ import annotations

from typing import Any

from gateway.apimodels_links import (
    ChangeApplied,
    ChangePreview,
    LinksChange,
    QrList,
    QrRecord,
    Scans,
)
from gateway.apimodels_managed import (
    Asset,
    AssetList,
    AttemptList,
    RetryQueued,
    WebhookCreated,
    WebhookList,
    WebhookRegister,
)
from gateway.assets import IMAGE_TYPES, MAX_MULTIPART_PARTS
from gateway.links_export import EXPORT_FORMATS
from gateway.openapi_parts import (
    AUTH,
    AUTH_ERRORS,
    BULK_ID,
    CURSOR,
    QR_ID,
    error,
    json_body,
    json_request,
    limit,
    path,
    query,
    ref,
)
from shared.analytics.series import INTERVAL_HOURS


def links_paths() -> dict[str, Any]:
    """The routes that manage a subscription's dynamic codes (DESIGN.md §9)."""
    search = [query(name, {"type": "string"}) for name in ("bulkId", "uid", "q")]
    span = [query(name, {"type": "string"}, "Unix ms or ISO 8601") for name in ("from", "to")]
    interval = query("interval", {"enum": list(INTERVAL_HOURS), "default": "hour"})
    fmt = query("format", {"enum": list(EXPORT_FORMATS), "default": EXPORT_FORMATS[0]})
    outcome = {"oneOf": [ref(ChangePreview), ref(ChangeApplied)]}
    not_found = {"404": error("No such bulk or QR for this caller")}
    return {
        "/api/qr": {"get": {
            "summary": "List and search dynamic codes", "security": AUTH,
            "parameters": [*search, CURSOR, limit()],
            "responses": {"200": json_body(ref(QrList)), "400": error("Bad parameter"),
                          **not_found, **AUTH_ERRORS}}},
        "/api/qr/{qrId}/scans": {"get": {
            "summary": "Scans over time with breakdowns", "security": AUTH,
            "parameters": [QR_ID, *span, interval],
            "responses": {"200": json_body(ref(Scans)), "400": error("Bad parameter"),
                          **not_found, **AUTH_ERRORS}}},
        "/api/qr/bulk-generate/{bulkId}/links": {"get": {
            "summary": "Every link of a batch, streamed", "security": AUTH,
            "parameters": [BULK_ID, fmt],
            "responses": {"200": {"description": "CSV or a JSON array of QrRecord", "content": {
                "text/csv": {"schema": {"type": "string"}},
                "application/json": {"schema": {"type": "array", "items": ref(QrRecord)}}}},
                "400": error("Bad format"), **not_found, **AUTH_ERRORS}}},
        "/api/qr/bulk-generate/{bulkId}/links/update": {"post": {
            "summary": "Change many links of a batch", "security": AUTH,
            "parameters": [BULK_ID], "requestBody": json_request(LinksChange),
            "responses": {"200": json_body(outcome), "400": error("Bad change"),
                          "415": error("Not JSON"), **not_found, **AUTH_ERRORS}}},
    }


WEBHOOK_ID = path("webhookId")
DELIVERY_ID = path("deliveryId", description="a delivery's webhook-id")
NO_WEBHOOK = error("No such webhook for this caller")


def webhook_paths() -> dict[str, Any]:
    return {
        "/api/webhooks": {
            "post": {"summary": "Register a webhook endpoint (the secret is shown once)",
                     "security": AUTH, "requestBody": json_request(WebhookRegister),
                     "responses": {"201": json_body(ref(WebhookCreated), "Registered"),
                                   "400": error("Bad url or events, or not strict JSON"),
                                   "413": error("Body over 16 KB"),
                                   "415": error("Not JSON"), **AUTH_ERRORS}},
            "get": {"summary": "The caller's webhook endpoints", "security": AUTH,
                    "responses": {"200": json_body(ref(WebhookList)), **AUTH_ERRORS}}},
        "/api/webhooks/{webhookId}": {
            "delete": {"summary": "Remove a webhook endpoint and its delivery log",
                       "security": AUTH, "parameters": [WEBHOOK_ID],
                       "responses": {"204": {"description": "Removed"}, "404": NO_WEBHOOK,
                                     **AUTH_ERRORS}}},
        "/api/webhooks/{webhookId}/deliveries": {
            "get": {"summary": "Every delivery attempt, newest first", "security": AUTH,
                    "parameters": [WEBHOOK_ID, limit()],
                    "responses": {"200": json_body(ref(AttemptList)),
                                  "400": error("Bad limit"), "404": NO_WEBHOOK,
                                  **AUTH_ERRORS}}},
        "/api/webhooks/{webhookId}/deliveries/{deliveryId}/retry": {
            "post": {"summary": "Send a logged delivery again, with its webhook-id",
                     "security": AUTH, "parameters": [WEBHOOK_ID, DELIVERY_ID],
                     "responses": {"202": json_body(ref(RetryQueued), "Queued"),
                                   "404": error("No such webhook or delivery"),
                                   "429": error("Manual retries of this endpoint used up "
                                                "for the hour"),
                                   **AUTH_ERRORS}}},
    }


ASSET_ID = path("assetId")


def asset_paths() -> dict[str, Any]:
    binary = {"schema": {"type": "string", "format": "binary"}}
    upload = {"content": {
        **{kind: binary for kind in IMAGE_TYPES},
        "multipart/form-data": {"schema": {"type": "object", "required": ["file"],
                                           "properties": {"file": binary["schema"]}}}}}
    return {
        "/api/assets": {
            "post": {"summary": "Upload a logo (PNG, JPEG, WebP or SVG; at most 1 MB and "
                                "4096x4096 px)", "security": AUTH, "requestBody": upload,
                     "responses": {"201": json_body(ref(Asset), "Stored"),
                                   "400": error("Refused image, or over "
                                                f"{MAX_MULTIPART_PARTS} multipart parts"),
                                   "413": error("Over 1 MB, or over 4 MiB re-encoded"),
                                   "415": error("Not an image type"),
                                   "429": error("The subscription keeps its most assets"),
                                   "503": error("Every render process is busy; retry"),
                                   **AUTH_ERRORS}},
            "get": {"summary": "The subscription's assets, oldest first", "security": AUTH,
                    "parameters": [limit(), CURSOR],
                    "responses": {"200": json_body(ref(AssetList)),
                                  "400": error("Bad limit or cursor"), **AUTH_ERRORS}}},
        "/api/assets/{assetId}": {
            "get": {"summary": "One asset's description", "security": AUTH,
                    "parameters": [ASSET_ID],
                    "responses": {"200": json_body(ref(Asset)), "404": error("No such asset"),
                                  **AUTH_ERRORS}},
            "delete": {"summary": "Delete an asset", "security": AUTH, "parameters": [ASSET_ID],
                       "responses": {"204": {"description": "Deleted"},
                                     "404": error("No such asset"), **AUTH_ERRORS}}},
    }
