"""BulkQRClient: the async client of the bulk API (submit, status, wait, download, list)."""

from __future__ import annotations

import asyncio
import os
import random
import time
import urllib.parse
import uuid
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import aiohttp
import orjson

from client.config import ClientConfig
from client.errors import Gone, TransportError, WaitTimeout
from client.files import PartFile
from client.models import COMPLETED, BulkStatus, Page, bulk_id_from_json
from client.transport import Sleep, Transport

BULK = "/api/qr/bulk-generate"
WORKSPACE = "/api/qr/workspace-bulk-generate"
CHUNK_BYTES = 256 * 1024
FORMATS = ("json", "zip", "pdf")
# A ZIP ends with its end-of-central-directory record: 22 bytes, signature first.
ZIP_END_SIGNATURE, ZIP_END_BYTES = b"PK\x05\x06", 22
PDF_END, TAIL_BYTES = b"%%EOF", 32  # a PDF's last line, give or take a line break
Rows = Sequence[Any] | str | os.PathLike[str]
OnStatus = Callable[[BulkStatus], None]
OnBytes = Callable[[int, int | None], None]


class BulkQRClient:
    """One caller's connection to a gateway. Use `async with`, or call `close()`."""

    def __init__(
        self,
        config: ClientConfig,
        *,
        session: aiohttp.ClientSession | None = None,
        sleep: Sleep = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.config = config
        self._transport = Transport(config, session, sleep=sleep, rng=rng)

    async def __aenter__(self) -> BulkQRClient:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        await self._transport.close()

    async def submit(self, rows: Rows, *, idempotency_key: str | None = None) -> str:
        """Queue a batch; returns its bulkId.

        `rows` is a sequence of row objects, a `.json` file holding the array, or a `.csv`
        file (sent to the workspace endpoint). Every submission carries an
        Idempotency-Key (a fresh one unless given), so retrying it after a timeout or a
        5xx can never queue the batch twice.
        """
        path, body, content_type = await _encode(rows)
        headers = {
            "Content-Type": content_type,
            "Idempotency-Key": idempotency_key or str(uuid.uuid4()),
        }
        answer = await self._transport.call("POST", path, retry=True, data=body, headers=headers)
        return bulk_id_from_json(answer)

    async def status(self, bulk_id: str) -> BulkStatus:
        answer = await self._transport.call("GET", f"{BULK}/{_quoted(bulk_id)}", retry=True)
        return BulkStatus.from_json(answer)

    async def wait(
        self, bulk_id: str, *, timeout_s: float | None = None, on_progress: OnStatus | None = None
    ) -> BulkStatus:
        """Poll on the configured schedule until the batch is no longer processing.

        `on_progress` sees every status read. Raises WaitTimeout after `timeout_s`
        (default `config.wait_timeout_s`).
        """
        limit_s = self.config.wait_timeout_s if timeout_s is None else timeout_s
        deadline = time.monotonic() + limit_s
        delays = self.config.poll.delays(self._transport.random())
        while True:
            current = await self.status(bulk_id)
            if on_progress is not None:
                on_progress(current)
            if current.done:
                return current
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise WaitTimeout(current, limit_s)
            await self._transport.sleep(min(next(delays), remaining))

    async def download(
        self,
        bulk_id: str,
        dest: str | os.PathLike[str],
        *,
        name: str | None = None,
        on_progress: OnBytes | None = None,
        fmt: str = "json",
        sheet: str | None = None,
        sheet_params: Mapping[str, str] | None = None,
    ) -> Path:
        """Save the one-shot archive as `dest/name` (default `{bulkId}.{fmt}`); returns its path.

        `fmt` is `json` (the archive as the API's JSON string), `zip` (the server's ZIP
        of the images named by uid, manifest.csv and result.json, plus sheet.pdf when
        `sheet` names a label sheet such as `a4-3x8`) or `pdf` (the label sheet alone,
        `sheet` required); any of them consumes it. `sheet_params` are the sheet's other
        query parameters (`cropMarks`, and `cols`, `cellW`… for `custom`).

        The body is streamed into a hidden temporary file in `dest`, fsynced with its
        folder, and only then given its name: an interrupted download leaves no file and
        does not consume the archive, so it can simply be called again. `on_progress`
        gets (bytes so far, total or None). Raises FileExistsError before asking the
        server if the name is already taken, and Gone once the archive was downloaded.
        """
        query = _download_query(fmt, sheet, sheet_params)
        folder, file_name = Path(dest), name or f"{bulk_id}.{fmt}"
        if Path(file_name).name != file_name or file_name in ("", ".", ".."):
            raise ValueError(f"name must be a plain file name, not {file_name!r}")
        await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
        if (folder / file_name).exists():
            raise FileExistsError(f"{folder / file_name} exists; it may be an earlier archive")
        return await self._download_waiting_out_claims(
            _Saving(bulk_id, folder, file_name, on_progress, query)
        )

    async def _download_waiting_out_claims(self, saving: _Saving) -> Path:
        """A 410 while the bulk still reads completed means another download holds the
        claim: a live one, or one just cut off whose claim the gateway is releasing.
        Wait (up to `claim_wait_s`) for it to finish or be released."""
        deadline = time.monotonic() + self.config.claim_wait_s
        pauses = self.config.retry.backoff.delays(self._transport.random())
        while True:
            try:
                return await self._transport.retrying(lambda: self._fetch(saving), retry=True)
            except Gone:
                if time.monotonic() >= deadline or not await self._claimed(saving.bulk_id):
                    raise
                await self._transport.sleep(next(pauses))

    async def _claimed(self, bulk_id: str) -> bool:
        return (await self.status(bulk_id)).status == COMPLETED

    async def _fetch(self, saving: _Saving) -> Path:
        bulk_id, on_progress, query = saving.bulk_id, saving.on_progress, saving.query
        path = f"{BULK}/{_quoted(bulk_id)}/result"
        async with self._transport.open("GET", path, params=query or None) as response:
            # A compressed body is inflated on the way in, so its length says nothing then.
            encoded = response.headers.get("Content-Encoding", "identity") != "identity"
            total = None if encoded else response.content_length
            tail = b""
            with PartFile(saving.folder, saving.name) as part:
                async for piece in response.content.iter_chunked(CHUNK_BYTES):
                    part.write(piece)
                    tail = (tail + piece)[-TAIL_BYTES:]
                    if on_progress is not None:
                        on_progress(part.size, total)
                if total is not None and part.size != total:
                    raise TransportError(f"GET {path}: got {part.size} of {total} bytes")
                _check_end(path, query.get("format", "json"), tail)
                # Shielded: once every byte is here, a cancel must not lose the archive.
                return await asyncio.shield(asyncio.to_thread(part.commit))

    async def list_page(self, *, limit: int = 20, cursor: str | None = None) -> Page:
        """One page of the caller's bulks, newest first."""
        params = {"limit": str(limit)} | ({"cursor": cursor} if cursor else {})
        return Page.from_json(await self._transport.call("GET", BULK, retry=True, params=params))

    async def list(self, *, page_size: int = 20) -> AsyncIterator[BulkStatus]:
        """Every bulk of the caller, newest first, fetched page by page."""
        cursor: str | None = None
        while True:
            page = await self.list_page(limit=page_size, cursor=cursor)
            for item in page.items:
                yield item
            if page.next is None:
                return
            cursor = page.next


@dataclass(frozen=True)
class _Saving:
    """One download being saved: what to ask for and where to put it."""

    bulk_id: str
    folder: Path
    name: str
    on_progress: OnBytes | None
    query: dict[str, str]


def _download_query(
    fmt: str, sheet: str | None, sheet_params: Mapping[str, str] | None
) -> dict[str, str]:
    """The result download's query; ValueError for a combination the server refuses."""
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {', '.join(FORMATS)}, not {fmt!r}")
    if fmt == "pdf" and not sheet:
        raise ValueError("fmt pdf needs a sheet, such as a4-3x8")
    if (sheet or sheet_params) and fmt == "json":
        raise ValueError("a sheet needs fmt zip (sheet.pdf inside) or pdf (the sheet alone)")
    if sheet_params and not sheet:
        raise ValueError("sheet_params need a sheet")
    query = {} if fmt == "json" else {"format": fmt}
    return query | ({"sheet": sheet, **(sheet_params or {})} if sheet else {})


def _check_end(path: str, fmt: str, tail: bytes) -> None:
    """A ZIP or PDF cut short at a chunk boundary still lacks its last record."""
    if fmt == "zip" and not tail[-ZIP_END_BYTES:].startswith(ZIP_END_SIGNATURE):
        raise TransportError(f"GET {path}: the ZIP ended before its directory")
    if fmt == "pdf" and PDF_END not in tail:
        raise TransportError(f"GET {path}: the PDF ended before its trailer")


async def _encode(rows: Rows) -> tuple[str, bytes, str]:
    """The endpoint, body and content type of a submission."""
    if isinstance(rows, str | os.PathLike):
        path = Path(rows)
        suffix = path.suffix.lower()
        if suffix not in (".json", ".csv"):
            raise ValueError(f"{path}: a rows file must end in .json or .csv")
        body = await asyncio.to_thread(path.read_bytes)
        if suffix == ".csv":
            return WORKSPACE, body, "text/csv; charset=utf-8"
        return BULK, body, "application/json"
    if isinstance(rows, bytes | bytearray | dict):
        raise TypeError("rows must be a sequence of row objects, or a .json/.csv path")
    return BULK, orjson.dumps(list(rows)), "application/json"


def _quoted(bulk_id: str) -> str:
    if not bulk_id:
        raise ValueError("bulk_id is empty")
    return urllib.parse.quote(bulk_id, safe="")
