"""The OpenAPI 3.1 description of every route, served at /openapi.json."""

from __future__ import annotations

from typing import Any

from aiohttp import web

Schema = dict[str, Any]


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def error(description: str) -> Schema:
    return {"description": description,
            "content": {"application/json": {"schema": ref("Error")}}}


def json_body(schema: Schema, description: str = "OK") -> Schema:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


AUTH: list[dict[str, list[str]]] = [{"clientId": [], "apiKey": []}]
BULK_ID = {"name": "bulkId", "in": "path", "required": True,
           "schema": {"type": "string", "pattern": "^bulk_[0-9a-f]{24,}$"}}
QR_ID = {"name": "qrId", "in": "path", "required": True, "schema": {"type": "string"}}
CODE = {"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}
IDEMPOTENCY = {"name": "Idempotency-Key", "in": "header", "required": False,
               "schema": {"type": "string", "minLength": 1, "maxLength": 255}}
VERIFY = {"name": "verify", "in": "query", "required": False,
          "schema": {"enum": ["true", "false", "1", "0"]},
          "description": "scan every image back before delivering it"}
AUTH_ERRORS = {"401": error("Missing or unknown credentials"),
               "403": error("Subscription disabled or key revoked")}
ROW = {"type": "object", "description": "One QR row; `uid` is required in bulk batches "
       "(a row without one fails) and optional in single generation (echoed when given).",
       "properties": {
           "uid": {"type": ["string", "integer"]},
           "qrType": {"enum": ["static", "dynamic"]},
           "dataType": {"enum": ["url", "text", "email", "phone", "sms", "wifi", "vcard",
                                 "geo"]},
           "data": {}, "styling": {"type": "object"}, "secure": {"type": "array"},
           "sources": {"type": "array", "items": {"type": "string"}},
           "expiry": {"type": ["string", "integer"]}}}
STATUS = {
    "type": "object",
    "required": ["bulkId", "status", "count", "failedFeatures", "product", "createdAt",
                 "updatedAt"],
    "properties": {
        "bulkId": {"type": "string"},
        "status": {"enum": ["processing", "completed", "resultDownloaded"]},
        "count": {"type": "integer", "minimum": 1},
        "failedFeatures": {"type": "object",
                           "required": ["dynamicQr", "securedQr", "sourceQr"],
                           "properties": {k: {"type": "integer"}
                                          for k in ("dynamicQr", "securedQr", "sourceQr")}},
        "product": {"const": "qr"},
        "createdAt": {"type": "integer"}, "updatedAt": {"type": "integer"},
        "processed": {"type": "integer", "minimum": 0,
                      "description": "rows finished so far; equals count once completed"}}}
FAILED_ROW = {"type": "object", "required": ["uid", "status", "message", "code"],
              "properties": {"status": {"const": "failed"}, "code": {"type": "integer"}}}
ENTRY = {"oneOf": [{"type": "string", "description": "static success: a data URI"},
                   {"type": "object", "required": ["id", "uid", "url", "QRs"]}, FAILED_ROW]}
SINGLE_FAILED = {"type": "object", "required": ["status", "message", "code"],
                 "properties": FAILED_ROW["properties"]}
SINGLE_ENTRY = {"oneOf": [{"type": "string", "description": "static success: a data URI"},
                          {"type": "object", "required": ["id", "url", "QRs"],
                           "description": "dynamic success; uid only when the row gave one"},
                          SINGLE_FAILED]}
RECORD = {"type": "object", "required": ["id", "url", "destination", "scans"],
          "properties": {"id": {"type": "string"}, "url": {"type": "string"},
                         "destination": {"type": "string"},
                         "expiry": {"type": ["integer", "null"]},
                         "scans": {"type": "object"}, "sources": {"type": "array"}}}
CSV_BODY = {"content": {"text/csv": {"schema": {"type": "string"}},
                        "multipart/form-data": {"schema": {
                            "type": "object", "properties": {"file": {
                                "type": "string", "contentMediaType": "text/csv"}}}}}}


def _bulk_paths() -> dict[str, Any]:
    submitted = json_body({"type": "string"}, "Accepted: the bulkId")
    return {
        "/api/qr/bulk-generate": {
            "post": {"summary": "Queue a batch of rows", "security": AUTH,
                     "parameters": [IDEMPOTENCY, VERIFY],
                     "requestBody": {"required": True, "content": {"application/json": {
                         "schema": {"type": "array", "minItems": 1, "items": ROW}}}},
                     "responses": {"200": submitted, "400": error("Not a non-empty array"),
                                   "409": error("Idempotency-Key reused with another body"),
                                   "413": error("Body over 25 MB"),
                                   "415": error("Not JSON"),
                                   "429": error("Quota used up"),
                                   "500": error("Not queued"), **AUTH_ERRORS}},
            "get": {"summary": "The caller's orders, newest first", "security": AUTH,
                    "parameters": [
                        {"name": "limit", "in": "query",
                         "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
                        {"name": "cursor", "in": "query", "schema": {"type": "string"}}],
                    "responses": {"200": json_body({
                        "type": "object", "required": ["items", "next"],
                        "properties": {"items": {"type": "array", "items": ref("Status")},
                                       "next": {"type": ["string", "null"]}}}),
                        "400": error("Bad limit or cursor"), **AUTH_ERRORS}}},
        "/api/qr/bulk-generate/{bulkId}": {"get": {
            "summary": "A batch's status", "security": AUTH, "parameters": [BULK_ID],
            "responses": {"200": json_body(ref("Status")), "400": error("bulkId missing"),
                          "404": error("No such batch for this caller"), **AUTH_ERRORS}}},
        "/api/qr/bulk-generate/{bulkId}/result": {"get": {
            "summary": "Download the archive, once", "security": AUTH,
            "parameters": [BULK_ID],
            "responses": {"200": json_body({"type": "string"},
                                           "A JSON string holding the archive's JSON array"),
                          "404": error("No such batch for this caller"),
                          "410": error("Not completed yet, or already downloaded"),
                          **AUTH_ERRORS}}},
        "/api/qr/workspace-bulk-generate": {"post": {
            "summary": "Queue a CSV of at most 500 rows", "security": AUTH,
            "parameters": [IDEMPOTENCY], "requestBody": {"required": True, **CSV_BODY},
            "responses": {"200": submitted, "400": error("Bad CSV or too many rows"),
                          "409": error("Idempotency-Key reused with another body"),
                          "413": error("CSV over 5 MB"),
                          "415": error("Neither CSV nor multipart"),
                          "429": error("Over 5 calls a minute from this address"),
                          **AUTH_ERRORS}}},
    }


def _qr_paths() -> dict[str, Any]:
    html = {"content": {"text/html": {"schema": {"type": "string"}}}}
    return {
        "/api/qr/generate": {"post": {
            "summary": "Render one row now", "security": AUTH,
            "requestBody": {"required": True,
                            "content": {"application/json": {"schema": ROW}}},
            "responses": {"200": json_body(SINGLE_ENTRY),
                          "400": json_body({"oneOf": [SINGLE_FAILED, ref("Error")]},
                                           "The row failed, or the body is not one row"),
                          "415": error("Not JSON"),
                          "429": json_body(SINGLE_FAILED, "Quota used up"), **AUTH_ERRORS}}},
        "/api/qr/{qrId}": {
            "get": {"summary": "A dynamic QR with its scan counts", "security": AUTH,
                    "parameters": [QR_ID],
                    "responses": {"200": json_body(ref("QrRecord")),
                                  "404": error("No such QR for this caller"), **AUTH_ERRORS}},
            "patch": {"summary": "Change destination or expiry", "security": AUTH,
                      "parameters": [QR_ID],
                      "requestBody": {"required": True, "content": {"application/json": {
                          "schema": {"type": "object", "properties": {
                              "destination": {"type": "string"},
                              "expiry": {"type": ["string", "integer", "null"]}}}}}},
                      "responses": {"200": json_body(ref("QrRecord")),
                                    "400": error("Bad change"),
                                    "404": error("No such QR for this caller"),
                                    **AUTH_ERRORS}}},
        "/r/{code}": {
            "get": {"summary": "Follow a short link", "parameters": [CODE],
                    "responses": {"302": {"description": "To the destination"},
                                  "200": {"description": "Password form", **html},
                                  "404": {"description": "Unknown", **html},
                                  "410": {"description": "Expired", **html}}},
            "post": {"summary": "Unlock a secured short link", "parameters": [CODE],
                     "requestBody": {"content": {"application/x-www-form-urlencoded": {
                         "schema": {"type": "object",
                                    "properties": {"password": {"type": "string"}}}}}},
                     "responses": {"302": {"description": "Right password"},
                                   "401": {"description": "Wrong password", **html},
                                   "404": {"description": "Unknown", **html},
                                   "410": {"description": "Expired", **html},
                                   "429": {"description": "Too many wrong tries", **html}}}},
    }


def _ops_paths() -> dict[str, Any]:
    probe = {"type": "object", "properties": {"status": {"type": "string"}}}
    return {
        "/healthz": {"get": {"summary": "Liveness", "responses": {"200": json_body(probe)}}},
        "/readyz": {"get": {"summary": "Readiness of MongoDB, RabbitMQ and S3", "responses": {
            "200": json_body(probe), "503": json_body(
                {"type": "object", "properties": {"failed": {"type": "array"}}},
                "Names the servers that failed")}}},
        "/metrics": {"get": {"summary": "Prometheus metrics", "responses": {"200": {
            "description": "Prometheus text", "content": {"text/plain": {
                "schema": {"type": "string"}}}}}}},
        "/openapi.json": {"get": {"summary": "This document",
                                  "responses": {"200": json_body({"type": "object"})}}},
    }


def document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "bulkqr", "version": "1.0.0",
                 "description": "Bulk and single QR code generation with dynamic short links."},
        "paths": {**_bulk_paths(), **_qr_paths(), **_ops_paths(), **_links_paths(),
                  **_webhook_paths(), **_asset_paths()},
        "components": {
            "securitySchemes": {
                "clientId": {"type": "apiKey", "in": "header", "name": "client-id"},
                "apiKey": {"type": "apiKey", "in": "header", "name": "api-key"}},
            "schemas": {"Status": STATUS, "QrRecord": RECORD, "Error": {
                "type": "object", "required": ["error", "status"],
                "properties": {"error": {"type": "string"}, "status": {"type": "integer"}}}},
        },
    }


async def serve(request: web.Request) -> web.Response:
    return web.json_response(document())


def _links_paths() -> dict[str, Any]:
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
    outcome = {"type": "object", "properties": {
        "dryRun": {"type": "boolean"}, "matched": {"type": "integer"},
        "changed": {"type": "integer"}, "sample": {"type": "array"}}}
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


def _webhook_paths() -> dict[str, Any]:
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
                                   "400": error("Bad url or events"), **AUTH_ERRORS}},
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


def _asset_paths() -> dict[str, Any]:
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
                                   "400": error("Refused image (says why)"),
                                   "413": error("Over 1 MB"),
                                   "415": error("Not an image type"), **AUTH_ERRORS}},
            "get": {"summary": "The subscription's assets", "security": AUTH,
                    "responses": {"200": json_body({"type": "object", "properties": {
                        "assets": {"type": "array", "items": ASSET}}}), **AUTH_ERRORS}}},
        "/api/assets/{assetId}": {
            "get": {"summary": "One asset's description", "security": AUTH,
                    "parameters": [ASSET_ID],
                    "responses": {"200": json_body(ASSET), "404": error("No such asset"),
                                  **AUTH_ERRORS}},
            "delete": {"summary": "Delete an asset", "security": AUTH, "parameters": [ASSET_ID],
                       "responses": {"204": {"description": "Deleted"},
                                     "404": error("No such asset"), **AUTH_ERRORS}}},
    }
