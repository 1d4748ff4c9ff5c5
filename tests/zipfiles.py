"""Test helpers for ZIP deliverables: open one, read its manifest, decode its images, and
check that every name in it is safe to unpack on Windows, macOS and Linux."""

from __future__ import annotations

import csv
import io
import unicodedata
import zipfile

import zxingcpp
from PIL import Image

MANIFEST_COLUMNS = ["row", "uid", "status", "code", "message", "id", "url", "file", "sha256",
                    "source", "label"]
WINDOWS_DEVICES = {"CON", "PRN", "AUX", "NUL"} | {f"{p}{n}" for p in ("COM", "LPT")
                                                  for n in range(10)}


def open_zip(body: bytes) -> zipfile.ZipFile:
    archive = zipfile.ZipFile(io.BytesIO(body))
    assert archive.testzip() is None
    return archive


def manifest_rows(archive: zipfile.ZipFile) -> list[dict[str, str]]:
    text = archive.read("manifest.csv").decode("utf-8")
    reader = csv.DictReader(io.StringIO(text))
    assert reader.fieldnames == MANIFEST_COLUMNS
    return list(reader)


def decode_png(data: bytes) -> str:
    with Image.open(io.BytesIO(data)) as image:
        found = zxingcpp.read_barcodes(image.convert("L"))
    assert len(found) == 1, f"expected one QR code, found {len(found)}"
    return str(found[0].text)


def assert_safe_name(path: str) -> None:
    """One file directly in images/, a name every common file system takes as it is."""
    folder, _, name = path.partition("/")
    assert folder == "images" and name and "/" not in name and "\\" not in name, path
    assert unicodedata.is_normalized("NFC", name), path
    assert not name.startswith((".", "-", "=", "+", "@")) and not name.endswith((".", " "))
    assert not any(ch in name for ch in '<>:"|?*') and all(ord(ch) >= 32 for ch in name)
    assert name.split(".", 1)[0].upper() not in WINDOWS_DEVICES, path
    assert len(name.encode("utf-8")) <= 255, path
