"""`bulkqr submit|status|download|list`: the API caller's commands, built on the `client` package.

stdout carries what scripts read (a bulkId, JSON lines); stderr carries progress and
messages. Exit status: 0 done, 1 the server or the network said no (its message is
printed), 2 bad usage or missing credentials, 130 interrupted.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import orjson
from rich.console import Console

from cli.progress import download_showing, wait_showing
from cli.rowfiles import csv_rows, read_rows
from client import BulkQRClient, BulkQRClientError, ClientConfig, export_archive
from client.export import MANIFEST_NAME

COMMANDS = frozenset({"submit", "status", "download", "list"})
FORMATS = ("json", "zip", "pdf")
SHEETS = ("a4-3x8", "a4-3x7", "letter-3x10", "a4-2x5", "custom")  # docs/print.md
ARCHIVE_NAME = "result.json"
Handler = Callable[[BulkQRClient, argparse.Namespace, Console], Awaitable[int]]


def add_parsers(commands: Any) -> None:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--url", help="gateway URL (default: $BULKQR_URL or local)")
    common.add_argument("--client-id", help="default: $BULKQR_CLIENT_ID")
    common.add_argument("--api-key", help="default: $BULKQR_API_KEY")
    submit = commands.add_parser(
        "submit", parents=[common], help="queue rows.json or rows.csv (parsed here, sent as JSON)"
    )
    submit.add_argument("rows", help="a .json array of rows, or a .csv with a header row")
    submit.add_argument("--wait", action="store_true", help="wait until processed")
    submit.add_argument("--out", metavar="DIR", help="wait, then download into DIR")
    submit.add_argument(
        "--format",
        choices=FORMATS,
        default="json",
        help="with --out: json (unpacked here), zip (the server's ZIP, "
        "saved as DIR/BULKID.zip) or pdf (a label sheet, --sheet)",
    )
    _sheet_arguments(submit)
    submit.add_argument("--timeout", type=float, metavar="S", help="give up waiting after S s")
    submit.add_argument("--idempotency-key", help="default: a fresh random key")
    submit.add_argument(
        "--workspace",
        action="store_true",
        help="send a .csv to the dashboard's upload endpoint (at most 500 "
        "rows, 5 calls a minute) instead of parsing it here",
    )
    commands.add_parser("status", parents=[common], help="print a bulk's status").add_argument(
        "bulk_id"
    )
    download = commands.add_parser(
        "download", parents=[common], help="save the one-shot archive, its images and manifest"
    )
    download.add_argument("bulk_id")
    download.add_argument("--out", metavar="DIR", required=True)
    download.add_argument(
        "--format",
        choices=FORMATS,
        default="json",
        help="json: save result.json and unpack it; zip: save the server's "
        "ZIP (images named by uid, manifest.csv, result.json) as "
        "DIR/BULKID.zip); pdf: the label sheet alone (--sheet) as "
        "DIR/BULKID.pdf",
    )
    _sheet_arguments(download)
    download.add_argument(
        "--rows", metavar="FILE", help="the submitted rows file, to name static rows by uid"
    )
    listing = commands.add_parser("list", parents=[common], help="your bulks, newest first")
    listing.add_argument("--limit", type=int, metavar="N", help="print at most N")


def _sheet_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--sheet",
        choices=SHEETS,
        help="a label sheet: sheet.pdf in the ZIP (--format zip) or the PDF alone (--format pdf)",
    )
    parser.add_argument("--crop-marks", action="store_true", help="with --sheet: crop marks")
    parser.add_argument(
        "--sheet-param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="with --sheet custom: cols, rows, cellW, cellH (mm), "
        "marginLeft, marginTop, gapX, gapY, page (repeat the flag)",
    )


def sheet_query(args: argparse.Namespace) -> dict[str, str]:
    """The sheet's query parameters besides `sheet`; ValueError for a bad KEY=VALUE."""
    params = {"cropMarks": "true"} if args.crop_marks else {}
    for item in args.sheet_param:
        key, equals, value = item.partition("=")
        if not equals or not key:
            raise ValueError(f"--sheet-param takes KEY=VALUE, not {item!r}")
        params[key] = value
    return params


def _file_format(args: argparse.Namespace) -> str | None:
    """The problem with --format and --sheet together, if any (checked before any call)."""
    if args.format == "pdf" and not args.sheet:
        return "--format pdf needs --sheet"
    if (args.sheet or args.crop_marks or args.sheet_param) and args.format == "json":
        return "--sheet needs --format zip or --format pdf"
    if (args.crop_marks or args.sheet_param) and not args.sheet:
        return "--crop-marks and --sheet-param need --sheet"
    try:
        sheet_query(args)
    except ValueError as exc:
        return str(exc)
    return None


def run(args: argparse.Namespace) -> int:
    console = Console(stderr=True)
    problem = _file_format(args) if args.command in ("submit", "download") else None
    if problem is not None:
        _say(f"bulkqr: {problem}")
        return 2
    try:
        config = ClientConfig.from_env(
            client_id=args.client_id, api_key=args.api_key, base_url=args.url
        )
    except ValueError as exc:
        _say(
            f"bulkqr: {exc}: set BULKQR_CLIENT_ID and BULKQR_API_KEY (or --client-id and --api-key)"
        )
        return 2
    try:
        return asyncio.run(_with_client(config, HANDLERS[args.command], args, console))
    except (BulkQRClientError, OSError, ValueError) as exc:
        _say(f"bulkqr: {exc}")
        return 1
    except KeyboardInterrupt:
        _say("bulkqr: interrupted")
        return 130


async def _with_client(
    config: ClientConfig, handler: Handler, args: argparse.Namespace, console: Console
) -> int:
    async with BulkQRClient(config) as client:
        return await handler(client, args, console)


async def _submit(client: BulkQRClient, args: argparse.Namespace, console: Console) -> int:
    rows_path = Path(args.rows)
    out = Path(args.out) if args.out else None
    if out is not None and args.format == "json":
        _require_fresh(out)  # before submitting: a batch that cannot be saved is waste
    rows: Path | list[Any] = rows_path
    if rows_path.suffix.lower() == ".csv" and not args.workspace:
        rows = await asyncio.to_thread(csv_rows, rows_path)
    bulk_id = await client.submit(rows, idempotency_key=args.idempotency_key)
    _emit_text(bulk_id)
    if not (args.wait or out):
        return 0
    done = await wait_showing(client, bulk_id, args.timeout, console)
    failed = " ".join(f"{name}={n}" for name, n in done.failed_features.items())
    _say(f"{bulk_id}: {done.status}, {done.count} rows (failed by feature: {failed})")
    if out is None:
        return 0
    if args.format != "json":
        return await _save_file(client, bulk_id, out, args, console)
    return await _save(client, bulk_id, out, await asyncio.to_thread(read_rows, rows_path), console)


async def _status(client: BulkQRClient, args: argparse.Namespace, console: Console) -> int:
    _emit_json((await client.status(args.bulk_id)).raw)
    return 0


async def _download(client: BulkQRClient, args: argparse.Namespace, console: Console) -> int:
    out = Path(args.out)
    if args.format != "json":
        return await _save_file(client, args.bulk_id, out, args, console)
    _require_fresh(out)
    rows = await asyncio.to_thread(read_rows, Path(args.rows)) if args.rows else None
    return await _save(client, args.bulk_id, out, rows, console)


async def _list(client: BulkQRClient, args: argparse.Namespace, console: Console) -> int:
    if args.limit is not None and args.limit < 1:
        raise ValueError("--limit must be 1 or more")
    page_size = min(args.limit or 100, 100)
    printed = 0
    async for item in client.list(page_size=page_size):
        _emit_json(item.raw)
        printed += 1
        if printed == args.limit:
            break
    return 0


HANDLERS: dict[str, Handler] = {
    "submit": _submit,
    "status": _status,
    "download": _download,
    "list": _list,
}


async def _save(
    client: BulkQRClient, bulk_id: str, out: Path, rows: list[Any] | None, console: Console
) -> int:
    """Download the archive as result.json (durably, first), then unpack it beside."""
    archive = await download_showing(client, bulk_id, out, ARCHIVE_NAME, console)
    _say(f"{bulk_id}: archive saved as {archive}")
    summary = await asyncio.to_thread(export_archive, archive, out, rows)
    _say(
        f"{bulk_id}: {summary.images} images saved, {summary.failed_rows} rows failed; "
        f"see {summary.manifest}"
    )
    _emit_json(
        {
            "bulkId": bulk_id,
            "archive": str(archive),
            "manifest": str(summary.manifest),
            "images": summary.images,
            "failedRows": summary.failed_rows,
            "unsavedImages": summary.unsaved_images,
        }
    )
    if summary.unsaved_images:
        _say(
            f"bulkqr: {summary.unsaved_images} images could not be decoded; the archive is "
            f"kept in {archive} and the manifest says which"
        )
        return 1
    return 0


async def _save_file(
    client: BulkQRClient, bulk_id: str, out: Path, args: argparse.Namespace, console: Console
) -> int:
    """Download the server's ZIP or PDF as DIR/BULKID.zip|pdf (durably, under a temporary
    name first)."""
    fmt = args.format
    path = await download_showing(
        client,
        bulk_id,
        out,
        f"{bulk_id}.{fmt}",
        console,
        fmt=fmt,
        sheet=args.sheet,
        sheet_params=sheet_query(args),
    )
    _say(f"{bulk_id}: {fmt.upper()} saved as {path}")
    _emit_json({"bulkId": bulk_id, fmt: str(path), "bytes": path.stat().st_size})
    return 0


def _require_fresh(out: Path) -> None:
    for name in (ARCHIVE_NAME, MANIFEST_NAME):
        if (out / name).exists():
            raise FileExistsError(f"{out / name} exists: choose an empty --out folder")


def _emit_text(text: str) -> None:
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def _emit_json(value: Any) -> None:
    _emit_text(orjson.dumps(value).decode())


def _say(text: str) -> None:
    """A message for people, on stderr (never wrapped, so it stays greppable)."""
    sys.stderr.write(text + "\n")
    sys.stderr.flush()
