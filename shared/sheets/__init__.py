"""Print label sheets: a grid layout, the labels to place, and the streamed vector PDF."""

from shared.sheets.labels import (
    Label,
    Modules,
    Picture,
    caption_for,
    label_from_data_uri,
    label_from_payload,
)
from shared.sheets.layout import PRESETS, SheetLayout
from shared.sheets.params import SHEETS, layout_for
from shared.sheets.pdf import SheetWriter, sheet_pdf

__all__ = [
    "PRESETS",
    "SHEETS",
    "Label",
    "Modules",
    "Picture",
    "SheetLayout",
    "SheetWriter",
    "caption_for",
    "label_from_data_uri",
    "label_from_payload",
    "layout_for",
    "sheet_pdf",
]
