"""The OpenAPI 3.1 description of every route, served at /openapi.json."""

from __future__ import annotations

import functools
import json
from typing import Any

from aiohttp import web

from gateway.apimodels import Error, Probe, Status, StatusList, Submitted, Unready
from gateway.apimodels_links import QrRecord, RecordChange
from gateway.apimodels_rows import Row, SingleEntry, SingleFailed
from gateway.openapi_components import components
from gateway.openapi_managed import asset_paths, links_paths, webhook_paths
from gateway.openapi_parts import (
    AUTH,
    AUTH_ERRORS,
    BULK_ID,
    CODE,
    CSV_BODY,
    CURSOR,
    IDEMPOTENCY,
    QR_ID,
    VERIFY,
    error,
    json_body,
    json_request,
    limit,
    ref,
)
from gateway.openapi_result import RESULT_FORMAT, SHEET_PARAMS, ZIP_BODY
from shared.formats import registry


def _bulk_paths() -> dict[str, Any]:
    submitted = json_body(ref(Submitted), "Accepted: the bulkId")
    return {
        "/api/qr/bulk-generate": {
            "post": {
                "summary": "Queue a batch of rows",
                "security": AUTH,
                "parameters": [IDEMPOTENCY, VERIFY],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"type": "array", "minItems": 1, "items": ref(Row)}
                        }
                    },
                },
                "responses": {
                    "200": submitted,
                    "400": error("Not a non-empty array"),
                    "409": error("Idempotency-Key reused with another body"),
                    "413": error("Body over 25 MB"),
                    "415": error("Not JSON"),
                    "429": error("Quota used up"),
                    "500": error("Not queued"),
                    **AUTH_ERRORS,
                },
            },
            "get": {
                "summary": "The caller's orders, newest first",
                "security": AUTH,
                "parameters": [limit(), CURSOR],
                "responses": {
                    "200": json_body(ref(StatusList)),
                    "400": error("Bad limit or cursor"),
                    **AUTH_ERRORS,
                },
            },
        },
        "/api/qr/bulk-generate/{bulkId}": {
            "get": {
                "summary": "A batch's status",
                "security": AUTH,
                "parameters": [BULK_ID],
                "responses": {
                    "200": json_body(ref(Status)),
                    "400": error("bulkId missing"),
                    "404": error("No such batch for this caller"),
                    **AUTH_ERRORS,
                },
            }
        },
        "/api/qr/bulk-generate/{bulkId}/result": {
            "get": {
                "summary": "Download the archive, once",
                "security": AUTH,
                "parameters": [BULK_ID, RESULT_FORMAT, *SHEET_PARAMS],
                "responses": {
                    "200": ZIP_BODY,
                    "400": error("Unknown format, or a sheet refused (nothing consumed)"),
                    "404": error("No such batch for this caller"),
                    "410": error("Not completed yet, or already downloaded"),
                    **AUTH_ERRORS,
                },
            }
        },
        "/api/qr/workspace-bulk-generate": {
            "post": {
                "summary": "Queue a CSV of at most 500 rows",
                "security": AUTH,
                "parameters": [IDEMPOTENCY],
                "requestBody": {"required": True, **CSV_BODY},
                "responses": {
                    "200": submitted,
                    "400": error("Bad CSV or too many rows"),
                    "409": error("Idempotency-Key reused with another body"),
                    "413": error("CSV over 5 MB"),
                    "415": error("Neither CSV nor multipart"),
                    "429": error("Over 5 calls a minute from this address"),
                    **AUTH_ERRORS,
                },
            }
        },
    }


def _qr_paths() -> dict[str, Any]:
    html = {"content": {"text/html": {"schema": {"type": "string"}}}}
    return {
        "/api/qr/generate": {
            "post": {
                "summary": "Render one row now",
                "security": AUTH,
                "requestBody": json_request(Row),
                "responses": {
                    "200": json_body(ref(SingleEntry)),
                    "400": json_body(
                        {"oneOf": [ref(SingleFailed), ref(Error)]},
                        "The row failed, or the body is not one row",
                    ),
                    "415": error("Not JSON"),
                    "429": json_body(ref(SingleFailed), "Quota used up"),
                    "503": error("Every render process is busy; retry after Retry-After"),
                    **AUTH_ERRORS,
                },
            }
        },
        "/api/qr/{qrId}": {
            "get": {
                "summary": "A dynamic QR with its scan counts",
                "security": AUTH,
                "parameters": [QR_ID],
                "responses": {
                    "200": json_body(ref(QrRecord)),
                    "404": error("No such QR for this caller"),
                    **AUTH_ERRORS,
                },
            },
            "patch": {
                "summary": "Change destination or expiry",
                "security": AUTH,
                "parameters": [QR_ID],
                "requestBody": json_request(RecordChange),
                "responses": {
                    "200": json_body(ref(QrRecord)),
                    "400": error("Bad change"),
                    "404": error("No such QR for this caller"),
                    **AUTH_ERRORS,
                },
            },
        },
        "/r/{code}": {
            "get": {
                "summary": "Follow a short link",
                "parameters": [CODE],
                "responses": {
                    "302": {"description": "To the destination"},
                    "200": {"description": "Password form", **html},
                    "404": {"description": "Unknown", **html},
                    "410": {"description": "Expired", **html},
                },
            },
            "post": {
                "summary": "Unlock a secured short link",
                "parameters": [CODE],
                "requestBody": {
                    "content": {
                        "application/x-www-form-urlencoded": {
                            "schema": {
                                "type": "object",
                                "properties": {"password": {"type": "string"}},
                            }
                        }
                    }
                },
                "responses": {
                    "302": {"description": "Right password"},
                    "401": {"description": "Wrong password", **html},
                    "404": {"description": "Unknown", **html},
                    "410": {"description": "Expired", **html},
                    "429": {"description": "Too many wrong tries", **html},
                },
            },
        },
    }


def _ops_paths() -> dict[str, Any]:
    probe = ref(Probe)
    return {
        "/healthz": {"get": {"summary": "Liveness", "responses": {"200": json_body(probe)}}},
        "/readyz": {
            "get": {
                "summary": "Readiness of MongoDB, RabbitMQ and S3",
                "responses": {
                    "200": json_body(probe),
                    "503": json_body(ref(Unready), "Names the servers that failed"),
                },
            }
        },
        "/metrics": {
            "get": {
                "summary": "Prometheus metrics",
                "responses": {
                    "200": {
                        "description": "Prometheus text",
                        "content": {"text/plain": {"schema": {"type": "string"}}},
                    }
                },
            }
        },
        "/openapi.json": {
            "get": {"summary": "This document", "responses": {"200": json_body({"type": "object"})}}
        },
    }


def document() -> dict[str, Any]:
    """The document as the models and tables read now."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "bulkqr",
            "version": "1.0.0",
            "description": "Bulk and single QR code generation with dynamic short links.",
        },
        "paths": {
            **_bulk_paths(),
            **_qr_paths(),
            **_ops_paths(),
            **links_paths(),
            **webhook_paths(),
            **asset_paths(),
        },
        "components": components(),
    }


@functools.lru_cache(maxsize=4)
def _document_text(formats: tuple[str, ...]) -> str:
    return json.dumps(document())


async def serve(request: web.Request) -> web.Response:
    """Built and encoded once for the registered formats, the only table that grows after
    import (a deployment's format modules register theirs at start)."""
    return web.Response(text=_document_text(registry.names()), content_type="application/json")
