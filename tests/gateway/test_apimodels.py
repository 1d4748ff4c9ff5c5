"""The wire models hold what the gateway's answer builders make, field for field, and the
row model accepts and refuses what the row parser does."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from pydantic import ValidationError

from gateway.apimodels import Error, Status
from gateway.apimodels_links import QrRecord
from gateway.apimodels_managed import Asset, Attempt, Webhook
from gateway.apimodels_rows import FailedEntry, Row, SingleFailed
from gateway.middleware import error_response
from gateway.qr_records import _view
from shared.assets import public
from shared.linkdoc import Link, SourceRef
from shared.orderdoc import Order
from shared.pipeline import failure_entry
from shared.rows.plan import RowFailure, plan_row
from shared.scantotals import ScanTotal
from shared.status import OrderStatus
from shared.store.assets import AssetRecord
from shared.store.webhooks import Attempt as LoggedAttempt
from shared.store.webhooks import Endpoint
from shared.webhooks.endpoints import public_view
from shared.webhooks.log import attempt_view

BULK_ID = "bulk_" + "0123456789abcdef" * 2
NOW_MS = 1_800_000_000_000


@pytest.mark.parametrize("status", list(OrderStatus))
def test_status_document(status: OrderStatus) -> None:
    order = Order(BULK_ID, "client", status, 3, 1, {"dynamicQr": 1, "securedQr": 0,
                                                     "sourceQr": 2}, "qr", NOW_MS, NOW_MS)
    document = order.with_processed(2).status_document()
    assert Status.model_validate(document).model_dump() == document


def test_error_body() -> None:
    body = orjson.loads(error_response(404, "no such batch").body)  # type: ignore[arg-type]
    assert Error.model_validate(body).model_dump() == body == {"error": "no such batch",
                                                               "status": 404}


def test_failed_row_entry() -> None:
    entry = failure_entry(RowFailure(0, "row-1", "uid is required", 400))
    assert FailedEntry.model_validate(entry).model_dump() == entry
    assert SingleFailed.model_validate({k: v for k, v in entry.items() if k != "uid"})
    with pytest.raises(ValidationError):
        FailedEntry.model_validate({k: v for k, v in entry.items() if k != "uid"})


def test_qr_record() -> None:
    link = Link("c0de", "client", BULK_ID, 0, NOW_MS, uid="row-1",
                destination="https://example.com", sources=(SourceRef("flyer", "c0df"),),
                max_scans=5)
    totals = {"c0de": ScanTotal(4, NOW_MS), "c0df": ScanTotal(2, None)}
    view = _view("https://qr.example", link, totals)
    assert QrRecord.model_validate(view).model_dump() == view


def test_webhook_and_attempt() -> None:
    endpoint = Endpoint("wh_1", "client", "https://hooks.example/in", ("bulk.completed",),
                        "sealed", NOW_MS, disabled=True, disabled_reason="failing")
    assert Webhook.model_validate(public_view(endpoint)).model_dump() == public_view(endpoint)
    attempt = attempt_view(LoggedAttempt("a1", "wh_1", "msg_1", "bulk.completed", 1, False,
                                         NOW_MS, False, 502, "bad gateway", 12.5, None))
    assert Attempt.model_validate(attempt).model_dump() == attempt


def test_asset() -> None:
    record = AssetRecord("asset_" + "ab" * 16, "client", "svg", 64, 64, "f" * 64, 900, NOW_MS)
    assert Asset.model_validate(public(record)).model_dump() == public(record)


def test_an_unknown_answer_field_is_refused() -> None:
    with pytest.raises(ValidationError):
        Error.model_validate({"error": "x", "status": 400, "detail": "more"})


VALID_ROWS: list[dict[str, Any]] = [
    {"uid": "a", "data": "https://example.com"},
    {"uid": 7, "dataType": "wifi", "data": {"ssid": "home", "password": "pw"},
     "styling": {"format": "svg", "size": 512, "errorCorrection": "Q", "dark": "#123"}},
    {"uid": "b", "qrType": "dynamic", "data": "https://example.com", "sources": ["flyer"],
     "secure": [{"type": "password", "value": "s3cret"}], "maxScans": 10,
     "styling": {"format": "pdf", "modules": "dots", "eyes": {"shape": "leaf"},
                 "frame": {"style": "banner", "text": "Scan me"}}},
]
INVALID_ROWS: list[dict[str, Any]] = [
    {"uid": "a", "dataType": "fax", "data": "x"},
    {"uid": "a", "data": "https://example.com", "styling": {"format": "bmp"}},
    {"uid": "a", "data": "https://example.com", "styling": {"size": 5000}},
    {"uid": "a", "data": "https://example.com", "styling": {"margin": -1}},
    {"uid": "a", "data": "https://example.com", "styling": {"dark": "black"}},
    {"uid": "a", "data": "https://example.com", "styling": {"modules": "stars"}},
    {"uid": "a", "data": "https://example.com", "styling": {"logoSize": 0.9}},
    {"uid": "a", "qrType": "sometimes", "data": "https://example.com"},
    {"uid": "a", "qrType": "dynamic", "data": "https://example.com", "sources": []},
    {"uid": "a", "data": "https://example.com", "label": "x" * 201},
]


@pytest.mark.parametrize("raw", VALID_ROWS)
def test_a_row_the_parser_accepts_is_a_row_model(raw: dict[str, Any]) -> None:
    assert not isinstance(plan_row(0, raw, now_ms=NOW_MS), RowFailure)
    assert Row.model_validate(raw).model_dump(exclude_unset=True) == raw


@pytest.mark.parametrize("raw", INVALID_ROWS)
def test_a_row_the_parser_refuses_the_model_refuses(raw: dict[str, Any]) -> None:
    assert isinstance(plan_row(0, raw, now_ms=NOW_MS), RowFailure)
    with pytest.raises(ValidationError):
        Row.model_validate(raw)
