"""Every exception bulkqr raises on purpose sits in the tree drawn in shared/errors.py."""

from __future__ import annotations

import inspect
import re

import pytest

from shared import errors
from shared.errors import BulkQRError, ClientError, NotScannable, RowInvalid, UnsupportedMediaType
from shared.rows.payloads import encode_payload


def test_the_former_outsiders_are_in_the_tree() -> None:
    assert issubclass(RowInvalid, BulkQRError)
    assert issubclass(NotScannable, BulkQRError)
    assert issubclass(UnsupportedMediaType, ClientError)
    assert UnsupportedMediaType("no").status == 415


def test_a_refused_row_is_still_caught_as_a_value_error() -> None:
    with pytest.raises(ValueError, match="Invalid URL"):
        encode_payload("url", "not a url")
    with pytest.raises(BulkQRError):
        encode_payload("url", "not a url")


def test_the_drawn_tree_names_every_class_of_the_module() -> None:
    assert errors.__doc__ is not None
    drawn = set(re.findall(r"[└├]── (\w+)", errors.__doc__)) | {"BulkQRError"}
    defined = {name for name, value in inspect.getmembers(errors, inspect.isclass)
               if issubclass(value, BulkQRError)}
    assert drawn == defined
