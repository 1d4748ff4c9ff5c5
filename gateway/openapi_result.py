"""The OpenAPI pieces of the result download: its formats, bodies and sheet parameters."""

from __future__ import annotations

from typing import Any

from shared.sheets import SHEETS
from shared.sheets.params import SIZES_MM

RESULT_FORMAT = {
    "name": "format",
    "in": "query",
    "required": False,
    "schema": {"enum": ["json", "zip", "pdf"], "default": "json"},
    "description": "json: the archive as a JSON string; zip: images named by "
    "uid, manifest.csv and result.json (and sheet.pdf with "
    "`sheet`); pdf: the label sheet alone, needs `sheet` "
    "(docs/api.md)",
}
ZIP_BODY = {
    "description": "The archive, as the JSON string, a ZIP (format=zip) or a label "
    "sheet PDF (format=pdf)",
    "content": {
        "application/json": {"schema": {"type": "string"}},
        "application/zip": {"schema": {"type": "string", "contentMediaType": "application/zip"}},
        "application/pdf": {"schema": {"type": "string", "contentMediaType": "application/pdf"}},
    },
}


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


_MM = {"type": "number", "minimum": 0, "maximum": 1000}
SHEET_PARAMS = [
    _query(
        "sheet",
        {"enum": list(SHEETS)},
        "a label sheet: sheet.pdf in the ZIP "
        "(format=zip) or the PDF alone (format=pdf); docs/print.md",
    ),
    _query(
        "cropMarks",
        {"enum": ["true", "false"], "default": "false"},
        "crop marks in the margins; needs `sheet`",
    ),
    _query("page", {"enum": ["a4", "letter"], "default": "a4"}, "sheet=custom only"),
    *(
        _query(
            name,
            {"type": "integer", "minimum": 1, "maximum": 1000},
            "sheet=custom only: columns and rows of labels a page",
        )
        for name in ("cols", "rows")
    ),
    *(_query(name, _MM, "sheet=custom only, in mm") for name in SIZES_MM),
]
