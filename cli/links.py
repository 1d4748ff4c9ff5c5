"""`bulkqr links list|update|export`: find, change and export a subscription's dynamic codes.

stdout carries what scripts read (JSON lines, the export's bytes); exit status 0 done,
1 the server or the network said no (its message is printed), 2 bad usage or credentials.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

import aiohttp
import orjson

from client import ClientConfig

EXPORT_CHUNK_BYTES = 64 * 1024


class ApiRefused(Exception):
    pass


def add_parser(commands: Any) -> None:
    links = commands.add_parser("links", help="list, change or export dynamic codes")
    links.add_argument("--url", help="gateway URL (default: $BULKQR_URL or local)")
    links.add_argument("--client-id", help="default: $BULKQR_CLIENT_ID")
    links.add_argument("--api-key", help="default: $BULKQR_API_KEY")
    actions = links.add_subparsers(dest="links_command", required=True)
    listing = actions.add_parser("list", help="your codes as JSON lines")
    listing.add_argument("--bulk-id")
    listing.add_argument("--uid")
    listing.add_argument("--q", help="text in the uid or destination")
    listing.add_argument("--limit", type=int, default=0, help="print at most N (0: all)")
    update = actions.add_parser("update", help="change a batch's codes")
    update.add_argument("bulk_id")
    update.add_argument("--uid", action="append", dest="uids", help="repeat; default: all")
    update.add_argument("--destination", help="new URL; {uid} is replaced by each uid")
    update.add_argument("--expiry", help="ISO 8601 or epoch ms; 'never' clears it")
    update.add_argument("--disable", action="store_true")
    update.add_argument("--enable", action="store_true")
    update.add_argument("--dry-run", action="store_true")
    export = actions.add_parser("export", help="a batch's codes as CSV or JSON on stdout")
    export.add_argument("bulk_id")
    export.add_argument("--format", choices=("csv", "json"), default="csv")


def run(args: argparse.Namespace) -> int:
    try:
        config = ClientConfig.from_env(client_id=args.client_id, api_key=args.api_key,
                                       base_url=args.url)
        body = update_body(args) if args.links_command == "update" else {}
    except ValueError as exc:
        print(f"bulkqr: {exc}", file=sys.stderr)
        return 2
    try:
        asyncio.run(_run(config, args, body))
    except (ApiRefused, aiohttp.ClientError, OSError) as exc:
        print(f"bulkqr: {exc}", file=sys.stderr)
        return 1
    return 0


def update_body(args: argparse.Namespace) -> dict[str, Any]:
    body: dict[str, Any] = {"dryRun": args.dry_run}
    if args.uids:
        body["uids"] = args.uids
    if args.destination is not None:
        body["destination"] = args.destination
    if args.expiry is not None:
        body["expiry"] = None if args.expiry == "never" else (
            int(args.expiry) if args.expiry.isdigit() else args.expiry)
    if args.disable and args.enable:
        raise ValueError("--disable and --enable exclude each other")
    if args.disable or args.enable:
        body["disabled"] = args.disable
    if len(body) == 1 + ("uids" in body):
        raise ValueError("say what to change: --destination, --expiry, --disable or --enable")
    return body


async def _run(config: ClientConfig, args: argparse.Namespace, body: dict[str, Any]) -> None:
    async with aiohttp.ClientSession(headers=config.auth_headers) as http:
        if args.links_command == "list":
            await _list(http, config, args)
        elif args.links_command == "update":
            path = f"/api/qr/bulk-generate/{args.bulk_id}/links/update"
            async with http.post(config.url(path), json=body) as answer:
                _emit(await _json(answer))
        else:
            path = f"/api/qr/bulk-generate/{args.bulk_id}/links"
            async with http.get(config.url(path), params={"format": args.format}) as answer:
                if answer.status != 200:
                    await _json(answer)
                async for piece in answer.content.iter_chunked(EXPORT_CHUNK_BYTES):
                    sys.stdout.buffer.write(piece)
            sys.stdout.buffer.flush()


async def _list(http: aiohttp.ClientSession, config: ClientConfig,
                args: argparse.Namespace) -> None:
    query = {k: v for k, v in (("bulkId", args.bulk_id), ("uid", args.uid), ("q", args.q))
             if v}
    printed, cursor = 0, None
    while True:
        params = query | {"limit": "100"} | ({"cursor": cursor} if cursor else {})
        async with http.get(config.url("/api/qr"), params=params) as answer:
            page = await _json(answer)
        for item in page["items"]:
            _emit(item)
            printed += 1
            if printed == args.limit:
                return
        cursor = page["next"]
        if cursor is None:
            return


async def _json(answer: aiohttp.ClientResponse) -> Any:
    body = orjson.loads(await answer.read() or b"null")
    if answer.status != 200:
        message = body.get("error") if isinstance(body, dict) else None
        raise ApiRefused(f"{answer.status}: {message or answer.reason}")
    return body


def _emit(doc: Any) -> None:
    sys.stdout.write(orjson.dumps(doc).decode() + "\n")
    sys.stdout.flush()
