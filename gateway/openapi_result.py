"""The OpenAPI pieces of the result download: its formats, bodies and sheet parameters."""

from __future__ import annotations

from gateway.apimodels_rows import Archive
from gateway.download import FORMATS
from gateway.openapi_parts import Schema, query, ref
from shared.sheets import SHEETS
from shared.sheets.layout import PAGES_MM
from shared.sheets.params import FLAG_VALUES, MAX_COUNT, MAX_MM, SIZES_MM

RESULT_FORMAT = query(
    "format", {"enum": list(FORMATS), "default": "json"},
    "json: the archive as a JSON string; zip: images named by uid, manifest.csv and "
    "result.json (and sheet.pdf with `sheet`); pdf: the label sheet alone, needs `sheet` "
    "(docs/api.md)",
)
ARCHIVE_TEXT: Schema = {"type": "string", "contentMediaType": "application/json",
                        "contentSchema": ref(Archive)}
ZIP_BODY = {
    "description": "The archive, as the JSON string, a ZIP (format=zip) or a label "
    "sheet PDF (format=pdf)",
    "content": {
        "application/json": {"schema": ARCHIVE_TEXT},
        "application/zip": {"schema": {"type": "string", "contentMediaType": "application/zip"}},
        "application/pdf": {"schema": {"type": "string", "contentMediaType": "application/pdf"}},
    },
}
SHEET_PARAMS = [
    query("sheet", {"enum": list(SHEETS)},
          "a label sheet: sheet.pdf in the ZIP (format=zip) or the PDF alone (format=pdf); "
          "docs/print.md"),
    query("cropMarks", {"enum": list(FLAG_VALUES), "default": "false"},
          "crop marks in the margins; needs `sheet`"),
    query("page", {"enum": list(PAGES_MM), "default": "a4"}, "sheet=custom only"),
    *(query(name, {"type": "integer", "minimum": 1, "maximum": MAX_COUNT},
            "sheet=custom only: columns and rows of labels a page")
      for name in ("cols", "rows")),
    *(query(name, {"type": "number", "minimum": 0, "maximum": MAX_MM},
            "sheet=custom only, in mm")
      for name in SIZES_MM),
]
