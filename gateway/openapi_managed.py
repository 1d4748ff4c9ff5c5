"""OpenAPI paths of the features beyond the vendor contract: managed links, webhooks, assets."""

from __future__ import annotations

from typing import Any

from gateway.openapi_parts import (
    AUTH,
    AUTH_ERRORS,
    BULK_ID,
    QR_ID,
    Schema,
    error,
    json_body,
    ref,
)


def links_paths() -> dict[str, Any]:
    """The routes that manage a subscription's dynamic codes (DESIGN.md §9)."""
    query = [{"name": n, "in": "query", "required": False, "schema": {"type": "string"}}
             for n in ("bulkId", "uid", "q", "cursor")]
    limit = {"name": "limit", "in": "query", "required": False,
             "schema": {"type": "integer", "minimum": 1, "maximum": 100}}
    span = [{"name": n, "in": "query", "required": False,
             "schema": {"type": "string"}, "description": "Unix ms or ISO 8601"}
            for n in ("from", "to")]
    interval = {"name": "interval", "in": "query", "required": False,
                "schema": {"enum": ["hour", "day"]}}
    fmt = {"name": "format", "in": "query", "required": False,
           "schema": {"enum": ["csv", "json"]}}
    counts = {"type": "object", "additionalProperties": {"type": "integer"}}
    scans = {"type": "object", "required": ["total", "series", "breakdowns"], "properties": {
        "total": {"type": "integer"}, "from": {"type": "integer"}, "to": {"type": "integer"},
        "series": {"type": "array", "items": {"type": "object", "properties": {
            "t": {"type": "integer"}, "scans": {"type": "integer"}}}},
        "breakdowns": {"type": "object", "additionalProperties": counts}}}
    change = {"type": "object", "properties": {
        "uids": {"type": "array", "items": {"type": ["string", "integer"]}},
        "destination": {"type": "string", "description": "may hold {uid}"},
        "expiry": {"type": ["string", "integer", "null"]}, "disabled": {"type": "boolean"},
        "dryRun": {"type": "boolean"}}}
    outcome = {"type": "object", "required": ["dryRun"], "properties": {
        "dryRun": {"type": "boolean"},
        "matched": {"type": "integer", "description": "dry run: codes the change names"},
        "changed": {"type": "integer", "description": "dry run: codes it would change"},
        "sample": {"type": "array", "description": "dry run: up to 20 changes"},
        "scope": {"enum": ["all", "uids"], "description": "applied: what it covers"},
        "uids": {"type": ["integer", "null"], "description": "applied: uids named"},
        "appliedAt": {"type": "integer", "description": "applied: when, epoch ms"}}}
    not_found = {"404": error("No such bulk or QR for this caller")}
    return {
        "/api/qr": {"get": {
            "summary": "List and search dynamic codes", "security": AUTH,
            "parameters": [*query, limit],
            "responses": {"200": json_body({"type": "object", "properties": {
                "items": {"type": "array", "items": ref("QrRecord")},
                "next": {"type": ["string", "null"]}}}),
                "400": error("Bad parameter"), **not_found, **AUTH_ERRORS}}},
        "/api/qr/{qrId}/scans": {"get": {
            "summary": "Scans over time with breakdowns", "security": AUTH,
            "parameters": [QR_ID, *span, interval],
            "responses": {"200": json_body(scans), "400": error("Bad parameter"),
                          **not_found, **AUTH_ERRORS}}},
        "/api/qr/bulk-generate/{bulkId}/links": {"get": {
            "summary": "Every link of a batch, streamed", "security": AUTH,
            "parameters": [BULK_ID, fmt],
            "responses": {"200": {"description": "CSV or a JSON array of QrRecord", "content": {
                "text/csv": {"schema": {"type": "string"}},
                "application/json": {"schema": {"type": "array", "items": ref("QrRecord")}}}},
                "400": error("Bad format"), **not_found, **AUTH_ERRORS}}},
        "/api/qr/bulk-generate/{bulkId}/links/update": {"post": {
            "summary": "Change many links of a batch", "security": AUTH,
            "parameters": [BULK_ID],
            "requestBody": {"required": True,
                            "content": {"application/json": {"schema": change}}},
            "responses": {"200": json_body(outcome), "400": error("Bad change"),
                          "415": error("Not JSON"), **not_found, **AUTH_ERRORS}}},
    }


WEBHOOK_ID = {"name": "webhookId", "in": "path", "required": True, "schema": {"type": "string"}}
DELIVERY_ID = {"name": "deliveryId", "in": "path", "required": True,
               "schema": {"type": "string"}, "description": "a delivery's webhook-id"}
EVENTS = {"type": "array", "minItems": 1, "uniqueItems": True,
          "items": {"enum": ["bulk.completed", "bulk.downloaded"]}}
WEBHOOK: Schema = {"type": "object", "required": ["id", "url", "events", "createdAt", "disabled"],
           "properties": {"id": {"type": "string"}, "url": {"type": "string"},
                          "events": EVENTS, "createdAt": {"type": "integer"},
                          "disabled": {"type": "boolean"},
                          "disabledReason": {"type": ["string", "null"]},
                          "failingSince": {"type": ["integer", "null"]}}}
ATTEMPT = {"type": "object", "required": ["id", "deliveryId", "event", "attempt", "at", "ok"],
           "properties": {"id": {"type": "string"}, "deliveryId": {"type": "string"},
                          "event": {"type": "string"}, "attempt": {"type": "integer"},
                          "manual": {"type": "boolean"}, "at": {"type": "integer"},
                          "ok": {"type": "boolean"}, "status": {"type": ["integer", "null"]},
                          "error": {"type": ["string", "null"]},
                          "latencyMs": {"type": "number"}, "answer": {"type": "string"},
                          "note": {"type": ["string", "null"]}}}
NO_WEBHOOK = error("No such webhook for this caller")


def webhook_paths() -> dict[str, Any]:
    items = {"type": "object", "required": ["items"], "properties": {"items": {"type": "array"}}}
    created = {**WEBHOOK, "required": [*WEBHOOK["required"], "secret"], "properties": {
        **WEBHOOK["properties"], "secret": {"type": "string", "pattern": "^whsec_"}}}
    register = {"type": "object", "required": ["url", "events"], "properties": {
        "url": {"type": "string", "maxLength": 2048}, "events": EVENTS}}
    limit = {"name": "limit", "in": "query", "required": False,
             "schema": {"type": "integer", "minimum": 1, "maximum": 100}}
    return {
        "/api/webhooks": {
            "post": {"summary": "Register a webhook endpoint (the secret is shown once)",
                     "security": AUTH, "requestBody": {"required": True, "content": {
                         "application/json": {"schema": register}}},
                     "responses": {"201": json_body(created, "Registered"),
                                   "400": error("Bad url or events, or not strict JSON"),
                                   "413": error("Body over 16 KB"),
                                   "415": error("Not JSON"), **AUTH_ERRORS}},
            "get": {"summary": "The caller's webhook endpoints", "security": AUTH,
                    "responses": {"200": json_body({**items, "properties": {"items": {
                        "type": "array", "items": WEBHOOK}}}), **AUTH_ERRORS}}},
        "/api/webhooks/{webhookId}": {
            "delete": {"summary": "Remove a webhook endpoint and its delivery log",
                       "security": AUTH, "parameters": [WEBHOOK_ID],
                       "responses": {"204": {"description": "Removed"}, "404": NO_WEBHOOK,
                                     **AUTH_ERRORS}}},
        "/api/webhooks/{webhookId}/deliveries": {
            "get": {"summary": "Every delivery attempt, newest first", "security": AUTH,
                    "parameters": [WEBHOOK_ID, limit],
                    "responses": {"200": json_body({**items, "properties": {"items": {
                        "type": "array", "items": ATTEMPT}}}),
                        "400": error("Bad limit"), "404": NO_WEBHOOK, **AUTH_ERRORS}}},
        "/api/webhooks/{webhookId}/deliveries/{deliveryId}/retry": {
            "post": {"summary": "Send a logged delivery again, with its webhook-id",
                     "security": AUTH, "parameters": [WEBHOOK_ID, DELIVERY_ID],
                     "responses": {"202": json_body({"type": "object", "properties": {
                         "deliveryId": {"type": "string"}, "queued": {"type": "boolean"}}},
                         "Queued"), "404": error("No such webhook or delivery"),
                         **AUTH_ERRORS}}},
    }


ASSET = {"type": "object", "required": ["assetId", "kind", "width", "height", "sha256"],
         "properties": {"assetId": {"type": "string", "pattern": "^asset_[0-9a-f]{32}$"},
                        "kind": {"enum": ["png", "svg"]}, "width": {"type": "integer"},
                        "height": {"type": "integer"}, "sha256": {"type": "string"},
                        "sizeBytes": {"type": "integer"}}}
ASSET_ID = {"name": "assetId", "in": "path", "required": True, "schema": {"type": "string"}}


def asset_paths() -> dict[str, Any]:
    page_limit = {"name": "limit", "in": "query", "required": False,
                  "schema": {"type": "integer", "minimum": 1, "maximum": 100}}
    cursor = {"name": "cursor", "in": "query", "required": False, "schema": {"type": "string"}}
    binary = {"schema": {"type": "string", "format": "binary"}}
    upload = {"content": {
        **{kind: binary for kind in ("image/png", "image/jpeg", "image/webp", "image/svg+xml")},
        "multipart/form-data": {"schema": {"type": "object", "required": ["file"],
                                           "properties": {"file": binary["schema"]}}}}}
    return {
        "/api/assets": {
            "post": {"summary": "Upload a logo (PNG, JPEG, WebP or SVG; at most 1 MB and "
                                "4096x4096 px)", "security": AUTH, "requestBody": upload,
                     "responses": {"201": json_body(ASSET, "Stored"),
                                   "400": error("Refused image, or over 8 multipart parts"),
                                   "413": error("Over 1 MB, or over 4 MiB re-encoded"),
                                   "415": error("Not an image type"),
                                   "429": error("The subscription keeps its most assets"),
                                   "503": error("Every render process is busy; retry"),
                                   **AUTH_ERRORS}},
            "get": {"summary": "The subscription's assets, oldest first", "security": AUTH,
                    "parameters": [page_limit, cursor],
                    "responses": {"200": json_body({"type": "object", "properties": {
                        "items": {"type": "array", "items": ASSET},
                        "next": {"type": ["string", "null"]}}}),
                        "400": error("Bad limit or cursor"), **AUTH_ERRORS}}},
        "/api/assets/{assetId}": {
            "get": {"summary": "One asset's description", "security": AUTH,
                    "parameters": [ASSET_ID],
                    "responses": {"200": json_body(ASSET), "404": error("No such asset"),
                                  **AUTH_ERRORS}},
            "delete": {"summary": "Delete an asset", "security": AUTH, "parameters": [ASSET_ID],
                       "responses": {"204": {"description": "Deleted"},
                                     "404": error("No such asset"), **AUTH_ERRORS}}},
    }
