"""Property-based API testing from our own OpenAPI document: no 5xx, and every answer
matches the document (status codes, content types, bodies, headers)."""

from __future__ import annotations

from typing import Any

import pytest
import pytest_asyncio
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.generation.case import Case

from gateway.openapi import document
from shared.store import Database
from tests.api import Tenant, new_tenant
from tests.conftest import Stack

SCHEMA = schemathesis.openapi.from_dict(document())
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, response_headers_conformance]


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def fuzz_tenant(db: Database) -> Tenant:
    return await new_tenant(db, qr_limit=100_000)


@pytest.mark.slow
@SCHEMA.parametrize()
@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
def test_api_matches_its_document(case: Case[Any], stack: Stack, fuzz_tenant: Tenant) -> None:
    if case.path == "/api/qr/workspace-bulk-generate":
        return  # rate-limited per address; covered by its own tests
    case.call_and_validate(base_url=stack.url, headers=fuzz_tenant.headers, checks=CHECKS,
                           timeout=30)
