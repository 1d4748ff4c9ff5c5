"""The OpenAPI document names every route the gateway serves, and is served as JSON."""

from __future__ import annotations

import re

from gateway.app import create_app
from gateway.openapi import document
from shared.settings import Settings
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
