"""The OpenAPI schemas of the contract's documents: status, archive entries, records, CSV."""

from __future__ import annotations

STATUS = {
    "type": "object",
    "required": [
        "bulkId",
        "status",
        "count",
        "failedFeatures",
        "product",
        "createdAt",
        "updatedAt",
    ],
    "properties": {
        "bulkId": {"type": "string"},
        "status": {"enum": ["processing", "completed", "resultDownloaded"]},
        "count": {"type": "integer", "minimum": 1},
        "failedFeatures": {
            "type": "object",
            "required": ["dynamicQr", "securedQr", "sourceQr"],
            "properties": {k: {"type": "integer"} for k in ("dynamicQr", "securedQr", "sourceQr")},
        },
        "product": {"const": "qr"},
        "createdAt": {"type": "integer"},
        "updatedAt": {"type": "integer"},
        "processed": {
            "type": "integer",
            "minimum": 0,
            "description": "rows finished so far; equals count once completed",
        },
    },
}
FAILED_ROW = {
    "type": "object",
    "required": ["uid", "status", "message", "code"],
    "properties": {"status": {"const": "failed"}, "code": {"type": "integer"}},
}
SINGLE_FAILED = {
    "type": "object",
    "required": ["status", "message", "code"],
    "properties": FAILED_ROW["properties"],
}
SINGLE_ENTRY = {
    "oneOf": [
        {"type": "string", "description": "static success: a data URI"},
        {
            "type": "object",
            "required": ["id", "url", "QRs"],
            "description": "dynamic success; uid only when the row gave one",
        },
        SINGLE_FAILED,
    ]
}
RECORD = {
    "type": "object",
    "required": ["id", "url", "destination", "scans"],
    "properties": {
        "id": {"type": "string"},
        "url": {"type": "string"},
        "destination": {"type": "string"},
        "expiry": {"type": ["integer", "null"]},
        "scans": {"type": "object"},
        "sources": {"type": "array"},
    },
}
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


ROW = {
    "type": "object",
    "description": "One QR row; `uid` is required in bulk batches "
    "(a row without one fails) and optional in single generation (echoed when given).",
    "properties": {
        "uid": {"type": ["string", "integer"]},
        "qrType": {"enum": ["static", "dynamic"]},
        "dataType": {"enum": ["url", "text", "email", "phone", "sms", "wifi", "vcard", "geo"]},
        "data": {},
        "styling": {"type": "object"},
        "secure": {"type": "array"},
        "sources": {"type": "array", "items": {"type": "string"}},
        "expiry": {"type": ["string", "integer"]},
        "label": {
            "type": "string",
            "maxLength": 200,
            "description": "a caption, echoed in the ZIP's manifest.csv",
        },
    },
}


COMPONENTS = {
    "securitySchemes": {
        "clientId": {"type": "apiKey", "in": "header", "name": "client-id"},
        "apiKey": {"type": "apiKey", "in": "header", "name": "api-key"},
    },
    "schemas": {
        "Status": STATUS,
        "QrRecord": RECORD,
        "Error": {
            "type": "object",
            "required": ["error", "status"],
            "properties": {"error": {"type": "string"}, "status": {"type": "integer"}},
        },
    },
}
