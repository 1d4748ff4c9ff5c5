"""Every line a gateway and a worker write during a batch, the libraries' lines included, is
one JSON object with `level`, `logger` and `event`."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import aiohttp
import orjson
import pytest

from shared.settings import Settings
from shared.store import Database
from tests.api import Api, new_tenant
from tests.processes import Process, free_port, removed_at_end, start_gateway, start_worker

LEVELS = {"debug", "info", "warning", "error", "critical"}


@pytest.fixture(scope="module")
async def batch_logs(settings: Settings, db: Database) -> AsyncIterator[list[Process]]:
    """A gateway and a worker at debug level (so aio-pika, aiohttp and PyMongo speak), run
    through a small batch and its download, then stopped; their logs are complete."""
    port = free_port()
    local = settings.model_copy(update={
        "queue_prefix": f"{settings.queue_prefix}-logs{uuid.uuid4().hex[:4]}",
        "http_port": port, "public_url": f"http://127.0.0.1:{port}", "log_level": "debug"})
    with removed_at_end(local, databases=False) as processes:
        processes.append(start_gateway(local, f"{local.queue_prefix}-gateway"))
        processes.append(start_worker(local, f"{local.queue_prefix}-worker"))
        async with aiohttp.ClientSession(f"http://127.0.0.1:{port}") as http:
            api = Api(http, await new_tenant(db))
            rows = [{"uid": 1, "data": "https://example.com/1"},
                    {"uid": 2, "qrType": "dynamic", "data": "https://example.com/2"},
                    {"uid": 3, "dataType": "email", "data": "not an address"}]
            assert len(await api.archive(await api.submit(rows))) == 3
            async with http.get("/api/qr/bulk-generate/nope", headers=api.tenant.headers) as gone:
                assert gone.status == 404
        assert (await malformed_request(port)).startswith(b"HTTP/1.0 400 Bad Request")
    yield processes


async def malformed_request(port: int) -> bytes:
    """A request aiohttp's parser refuses: aiohttp logs the error with its traceback."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n")
    await writer.drain()
    answer = await reader.read()
    writer.close()
    await writer.wait_closed()
    return answer


def parsed(process: Process) -> list[dict[str, object]]:
    lines = process.log_text().splitlines()
    assert lines, f"{process.role} wrote nothing"
    records = []
    for number, line in enumerate(lines, 1):
        try:
            record = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            raise AssertionError(f"{process.role} line {number} is not JSON: {line!r}") from exc
        assert isinstance(record, dict), f"{process.role} line {number}: {line!r}"
        records.append(record)
    return records


@pytest.mark.parametrize("role", ["gateway", "worker"])
def test_every_line_is_one_json_object_with_level_logger_event(
        batch_logs: list[Process], role: str) -> None:
    [process] = [p for p in batch_logs if p.role == role]
    for record in parsed(process):
        assert record.get("level") in LEVELS, record
        assert isinstance(record.get("logger"), str) and record["logger"], record
        assert isinstance(record.get("event"), str), record


def test_the_libraries_lines_are_among_them(batch_logs: list[Process]) -> None:
    loggers = {str(r["logger"]) for p in batch_logs for r in parsed(p)}
    roots = {name.split(".")[0] for name in loggers}
    assert {"aio_pika", "pymongo", "gateway", "worker"} <= roots, sorted(loggers)
    assert {"aiohttp", "aiormq"} <= roots, sorted(loggers)


def test_a_traceback_is_a_structured_field_of_its_line(batch_logs: list[Process]) -> None:
    [gateway] = [p for p in batch_logs if p.role == "gateway"]
    [refused] = [r for r in parsed(gateway) if r["logger"] == "aiohttp.server"]
    assert refused["level"] == "error" and "Error handling request" in str(refused["event"])
    errors = refused["exception"]
    assert isinstance(errors, list) and len(errors) == 1, refused
    error = errors[0]
    assert error["exc_type"] == "BadHttpMessage" and error["frames"], error
