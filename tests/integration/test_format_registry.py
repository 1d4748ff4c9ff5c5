"""Issue 33: a format added as one module (tests/formatplugin_ppm.py) and named in
BULKQR_FORMAT_MODULES flows through a batch, its archive, its ZIP, a label sheet (which
cannot print it, and says so) and a single generate; a stack without it refuses its rows by
name, and a module that fails stops a start."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import uuid
import zipfile
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import orjson
import pytest
import zxingcpp
from PIL import Image

from shared.settings import Settings
from shared.sheets import layout_for
from shared.store import Database
from tests.api import Api, new_tenant
from tests.conftest import Stack
from tests.processes import (
    LOGS,
    ROOT,
    delete_topology,
    free_port,
    start_gateway,
    start_worker,
    stopped_at_end,
)
from tests.shared.test_sheet_pdf import codes_by_cell, text_of
from tests.zipfiles import manifest_rows, open_zip

PLUGIN = "tests.formatplugin_ppm"
PPM_URI = "data:image/x-portable-pixmap;base64,"
SIZE_PX = 160
STYLING = {"format": "ppm", "size": SIZE_PX}
KNOWN = "styling.format must be png, svg, pdf or eps"
# The processes import the test package's module: the repository is on their path.
ENV = {"PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}


def rows() -> list[dict[str, Any]]:
    return [
        {"uid": "static-1", "data": "https://example.com/ppm/1", "styling": STYLING},
        {"uid": "static-2", "data": "https://example.com/ppm/2", "styling": STYLING},
        {"uid": "dyn", "qrType": "dynamic", "data": "https://example.com/ppm/d",
         "sources": ["flyer"], "styling": STYLING},
    ]


def own_settings(settings: Settings, name: str, modules: list[str]) -> Settings:
    port = free_port()
    return settings.model_copy(update={
        "queue_prefix": f"{settings.queue_prefix}-{name}-{uuid.uuid4().hex[:6]}",
        "http_port": port, "public_url": f"http://127.0.0.1:{port}", "format_modules": modules,
        "render_processes": 1, "render_pool_processes": 1})


@pytest.fixture(scope="module")
async def ppm_stack(settings: Settings) -> AsyncIterator[Stack]:
    own = own_settings(settings, "ppm", [PLUGIN])
    try:
        with stopped_at_end() as processes:
            processes.append(start_gateway(own, f"{own.queue_prefix}-gateway", extra_env=ENV))
            processes.append(start_worker(own, f"{own.queue_prefix}-worker", extra_env=ENV))
            yield Stack(own, processes[0], processes[1:])
    finally:
        await delete_topology(own)


@pytest.fixture
async def ppm_api(ppm_stack: Stack, db: Database) -> AsyncIterator[Api]:
    async with aiohttp.ClientSession(ppm_stack.url) as http:
        yield Api(http, await new_tenant(db))


def read_ppm(data: bytes) -> str:
    """The content of a PPM of the expected size, read back with zxing-cpp."""
    assert data.startswith(b"P6\n%d %d\n255\n" % (SIZE_PX, SIZE_PX))
    with Image.open(io.BytesIO(data)) as image:
        assert (image.format, image.size, image.mode) == ("PPM", (SIZE_PX, SIZE_PX), "RGB")
        found = zxingcpp.read_barcode(image)
    assert found is not None
    return str(found.text)


def ppm_of(data_uri: str) -> str:
    assert data_uri.startswith(PPM_URI), data_uri[:60]
    return read_ppm(base64.b64decode(data_uri[len(PPM_URI):]))


async def test_a_batch_of_the_format_is_drawn_into_its_archive(ppm_api: Api) -> None:
    first, second, dynamic = await ppm_api.archive(await ppm_api.submit(rows()))
    assert ppm_of(first) == "https://example.com/ppm/1"
    assert ppm_of(second) == "https://example.com/ppm/2"
    assert dynamic["uid"] == "dyn" and ppm_of(dynamic["QRs"]) == dynamic["url"]
    [source] = dynamic["sources"]
    assert source["source"] == "flyer" and ppm_of(source["QRs"]) == source["url"]


async def test_its_zip_holds_deflated_ppm_files_the_manifest_lists(ppm_api: Api) -> None:
    bulk_id = await ppm_api.submit(rows())
    await ppm_api.wait_completed(bulk_id)
    status, body = await ppm_api.download(bulk_id, "zip")
    assert status == 200, body[:300]
    archive = open_zip(body)
    lines = manifest_rows(archive)
    assert [line["file"] for line in lines] == [
        "images/static-1.ppm", "images/static-2.ppm", "images/dyn.ppm", "images/dyn--flyer.ppm"]
    assert [line["status"] for line in lines] == ["ok"] * 4
    assert not any("image not saved" in line["message"] for line in lines)
    for line in lines:
        info = archive.getinfo(line["file"])
        assert info.compress_type == zipfile.ZIP_DEFLATED  # PPM is not compressed already
        data = archive.read(info)
        assert hashlib.sha256(data).hexdigest() == line["sha256"]
        content = read_ppm(data)
        assert content == (line["url"] or f"https://example.com/ppm/{line['uid'][-1]}")


async def test_a_label_sheet_says_which_rows_it_cannot_print(ppm_api: Api, ppm_stack: Stack
                                                             ) -> None:
    """A sheet reads back only png and svg: a static PPM row keeps its cell with a caption
    saying so, a dynamic one is re-encoded from its short link, as for pdf and eps."""
    bulk_id = await ppm_api.submit(rows())
    await ppm_api.wait_completed(bulk_id)
    status, pdf = await ppm_api.download(bulk_id, "pdf", sheet="a4-3x8")
    assert status == 200, pdf[:300]
    text = text_of(pdf, 1)
    assert "static-1 · no printable image" in text and "static-2 · no printable image" in text
    codes = codes_by_cell(pdf, layout_for("a4-3x8", {}))
    assert list(codes) == [2] and codes[2].startswith(f"{ppm_stack.url}/r/")


async def generate(api: Api, row: dict[str, Any]) -> tuple[int, Any]:
    async with api.http.post("/api/qr/generate", json=row, headers=api.tenant.headers) as answer:
        return answer.status, await answer.json()


async def test_a_single_generate_draws_the_format(ppm_api: Api) -> None:
    status, entry = await generate(ppm_api, {"data": "https://example.com/ppm/one",
                                             "styling": STYLING})
    assert status == 200, entry
    assert ppm_of(entry) == "https://example.com/ppm/one"


async def test_the_dashboard_page_names_the_format_by_its_extension(ppm_stack: Stack) -> None:
    async with (aiohttp.ClientSession(ppm_stack.url) as http,
                http.get("/dashboard") as answer):
        page = await answer.text()
    assert answer.status == 200
    block = page.split('<script type="application/json" id="image-formats">', 1)[1]
    table = orjson.loads(block.split("</script>", 1)[0])
    assert table["image/x-portable-pixmap"] == "ppm"
    assert table["application/pdf"] == "pdf"


async def test_a_stack_without_the_module_refuses_its_rows_by_name(api: Api) -> None:
    """The session's stack loads no format module: each row fails alone, with a 400 that
    names the formats it knows."""
    entries = await api.archive(await api.submit(rows()))
    assert [(entry["uid"], entry["status"], entry["code"], entry["message"])
            for entry in entries] == [(uid, "failed", 400, KNOWN)
                                      for uid in ("static-1", "static-2", "dyn")]
    status, entry = await generate(api, {"data": "https://example.com/ppm/one",
                                         "styling": STYLING})
    assert (status, entry["code"], entry["message"]) == (400, 400, KNOWN)


@pytest.mark.parametrize(("role", "module", "message"), [
    ("gateway", "tests.formatplugin_nowhere",
     "'tests.formatplugin_nowhere' (BULKQR_FORMAT_MODULES) failed to load: ModuleNotFoundError"),
    ("worker", "tests.formatplugin_clash",
     "'tests.formatplugin_clash' (BULKQR_FORMAT_MODULES) clashes: image format 'png2' "
     "(image/png) is registered already"),
])
def test_a_module_that_fails_to_load_stops_the_start(settings: Settings, role: str,
                                                      module: str, message: str) -> None:
    own = own_settings(settings, f"bad-{role}", [module])
    start = start_gateway if role == "gateway" else start_worker
    name = f"{own.queue_prefix}-{role}"
    with pytest.raises(RuntimeError, match=f"{role} exited"):
        start(own, name, extra_env=ENV)
    [uncaught] = [line for line in map(orjson.loads, (LOGS / f"{name}.log").read_bytes()
                                       .splitlines()) if line["event"] == "uncaught exception"]
    stopped_by = uncaught["exception"][0]
    assert stopped_by["exc_type"] == "FormatModuleError"
    assert stopped_by["exc_value"].startswith(f"format module {message}")
