"""The OpenAPI document names every route the gateway serves, is valid OpenAPI 3.1, reads
its enums from their tables (a format registered at start included), and is served as JSON."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from typing import Any

import jsonschema_rs
import pytest
from pydantic import ValidationError
from schemathesis.specs.openapi.definitions import OPENAPI_31

from gateway.apimodels_rows import Styling
from gateway.app import create_app
from gateway.openapi import _document_text, document
from shared.formats import registry
from shared.formats.registry import ImageFormat
from shared.orderdoc import FEATURE_KEYS
from shared.rows.payloads import ENCODERS
from shared.settings import Settings
from shared.status import OrderStatus
from shared.webhooks.events import EVENTS
from tests.api import Api

UNDOCUMENTED = {"/dashboard", "/dashboard/", "/dashboard/{filename}",
                "/api/qr/bulk-generate/"}  # the dashboard's files, and the 400 for a bare id


def shape(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


def test_every_route_is_documented() -> None:
    app = create_app(Settings())
    served = {
        (shape(route.resource.canonical), route.method.lower())
        for route in app.router.routes()
        if route.resource is not None and route.method != "HEAD"
        and route.resource.canonical not in UNDOCUMENTED
        and not route.resource.canonical.startswith("/dashboard")
    }
    documented = {(shape(path), method) for path, item in document()["paths"].items()
                  for method in item}
    assert served == documented


def test_references_resolve() -> None:
    text = str(document())
    names = set(re.findall(r"#/components/schemas/(\w+)", text))
    assert names <= set(document()["components"]["schemas"])


async def test_served_document(api: Api) -> None:
    async with api.http.get("/openapi.json") as answer:
        assert answer.status == 200
        served = await answer.json()
    assert served["openapi"] == "3.1.0" and served == document()


def schema_objects(node: Any) -> Iterator[dict[str, Any]]:
    """Every Schema Object of the document: the components' and those inline in paths."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "schema":
                yield value
            elif key == "schemas":
                yield from value.values()
            else:
                yield from schema_objects(value)
    elif isinstance(node, list):
        for item in node:
            yield from schema_objects(item)


def test_document_is_valid_openapi_3_1() -> None:
    """The OpenAPI 3.1 meta-schema checks the document's structure (it leaves Schema
    Objects open); each Schema Object is then checked against JSON Schema 2020-12."""
    doc = document()
    assert doc["openapi"] == "3.1.0"
    errors = [e.message for e in jsonschema_rs.Draft202012Validator(OPENAPI_31).iter_errors(doc)]
    assert errors == []
    schemas = list(schema_objects(doc))
    assert len(schemas) > 40
    for schema in schemas:
        jsonschema_rs.meta.validate(schema)


def enum_of(model: str, *path: str) -> list[Any]:
    """The enum at `path` in a model's schema, through references and nullable fields."""
    components = document()["components"]["schemas"]
    node = components[model]
    for key in path:
        node = node[key]
        if "anyOf" in node:  # a nullable field: the non-null member
            node = next(s for s in node["anyOf"] if s.get("type") != "null")
        if "$ref" in node:
            node = components[node["$ref"].rsplit("/", 1)[1]]
    return list(node["enum"])


def test_enums_equal_their_sources() -> None:
    assert enum_of("Status", "properties", "status") == [s.value for s in OrderStatus]
    assert enum_of("Row", "properties", "dataType") == list(ENCODERS)
    assert enum_of("Styling", "properties", "format") == list(registry.names())
    assert enum_of("Webhook", "properties", "events", "items") == list(EVENTS)
    failed = document()["components"]["schemas"]["FailedFeatures"]
    assert failed["required"] == list(FEATURE_KEYS)


def test_a_registered_format_is_in_the_served_document() -> None:
    name = "fmt" + uuid.uuid4().hex[:8]
    throwaway = ImageFormat(name, f"image/x-{name}", f".{name}", vector=True,
                            writer="shared.brand.vector:as_is")
    before = _document_text(registry.names())
    registry.register(throwaway)
    try:
        served = json.loads(_document_text(registry.names()))
        formats = served["components"]["schemas"]["Styling"]["properties"]["format"]["enum"]
        assert formats == list(registry.names()) and formats[-1] == name
        image = served["components"]["schemas"]["SourceEntry"]["properties"]["QRs"]
        assert re.match(image["pattern"], f"data:image/x-{name};base64,AAAA")
        assert Styling.model_validate({"format": name}).format == name
    finally:
        registry.unregister(name)
    assert _document_text(registry.names()) == before and name not in before
    with pytest.raises(ValidationError):
        Styling.model_validate({"format": name})
