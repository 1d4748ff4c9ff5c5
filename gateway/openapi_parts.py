"""Building blocks of the OpenAPI document: references, answers, the credentials."""

from __future__ import annotations

from typing import Any

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
AUTH_ERRORS = {"401": error("Missing or unknown credentials"),
               "403": error("Subscription disabled or key revoked")}


CODE = {"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}
IDEMPOTENCY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
}
VERIFY = {
    "name": "verify",
    "in": "query",
    "required": False,
    "schema": {"enum": ["true", "false", "1", "0"]},
    "description": "scan every image back before delivering it",
}
