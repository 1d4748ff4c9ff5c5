"""Building blocks of the OpenAPI document's paths: references, answers, shared parameters."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from gateway.apimodels import BULK_ID_PATTERN, Error
from gateway.bulk import FLAG_VALUES
from gateway.idempotency import HEADER, MAX_KEY_CHARS
from shared.orders import MAX_LIST_LIMIT

Schema = dict[str, Any]


def ref(model: type[BaseModel]) -> Schema:
    """The components' schema of a wire model (openapi_components.MODELS or one they use)."""
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def error(description: str) -> Schema:
    return {"description": description,
            "content": {"application/json": {"schema": ref(Error)}}}


def json_body(schema: Schema, description: str = "OK") -> Schema:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def json_request(model: type[BaseModel]) -> Schema:
    return {"required": True, "content": {"application/json": {"schema": ref(model)}}}


def query(name: str, schema: Schema, description: str | None = None) -> Schema:
    parameter = {"name": name, "in": "query", "required": False, "schema": schema}
    return parameter if description is None else {**parameter, "description": description}


def path(name: str, schema: Schema | None = None, description: str | None = None) -> Schema:
    parameter = {"name": name, "in": "path", "required": True,
                 "schema": schema or {"type": "string"}}
    return parameter if description is None else {**parameter, "description": description}


def limit(maximum: int = MAX_LIST_LIMIT) -> Schema:
    return query("limit", {"type": "integer", "minimum": 1, "maximum": maximum})


AUTH: list[dict[str, list[str]]] = [{"clientId": [], "apiKey": []}]
BULK_ID = path("bulkId", {"type": "string", "pattern": BULK_ID_PATTERN})
QR_ID = path("qrId")
CODE = path("code")
CURSOR = query("cursor", {"type": "string"})
AUTH_ERRORS = {"401": error("Missing or unknown credentials"),
               "403": error("Subscription disabled or key revoked")}
IDEMPOTENCY = {"name": HEADER, "in": "header", "required": False,
               "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_CHARS}}
VERIFY = query("verify", {"enum": list(FLAG_VALUES)},
               "scan every image back before delivering it")
CSV_BODY = {
    "content": {
        "text/csv": {"schema": {"type": "string"}},
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {"file": {"type": "string", "contentMediaType": "text/csv"}},
            }
        },
    }
}
