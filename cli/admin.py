"""`bulkqr admin …`: manage subscriptions directly in MongoDB.

The store clients are imported only when an admin command runs, so the client commands
of the same CLI start without loading PyMongo."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import orjson

from shared.settings import Settings

if TYPE_CHECKING:
    from shared.store import Database


def add_parser(commands: Any) -> None:
    admin = commands.add_parser("admin", help="manage subscriptions")
    sub = admin.add_subparsers(dest="admin_command", required=True)
    create = sub.add_parser("create-subscription", help="print {clientId, apiKey} as JSON")
    create.add_argument("--name", default="")
    create.add_argument("--qr-limit", type=_positive, default=None,
                        help="dynamic QRs it may create (default 10000)")
    sub.add_parser("list-subscriptions", help="one JSON object per line")
    for name in ("disable-subscription", "enable-subscription", "rotate-key"):
        sub.add_parser(name).add_argument("client_id")
    limits = sub.add_parser("set-limits", help="admission limits of one subscription "
                            "(a limit left out falls back to the gateway's setting)")
    limits.add_argument("client_id")
    limits.add_argument("--batches-in-flight", type=_positive, default=None)
    limits.add_argument("--rows-per-minute", type=_positive, default=None)
    sub.add_parser("migrate", help="create every collection and index, and move documents "
                   "stored in the layout before 2026-12-07 (run again to resume)")


def _positive(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def run(args: argparse.Namespace, settings: Settings) -> int:
    from shared.errors import NotFound

    try:
        asyncio.run(_with_db(settings, lambda db: _act(db, args, settings)))
    except NotFound as exc:
        print(f"bulkqr: {exc}", file=sys.stderr)
        return 1
    return 0


async def _with_db(settings: Settings, action: Callable[[Database], Awaitable[None]]) -> None:
    from shared.store import open_client

    client = open_client(settings)
    try:
        await action(client[settings.mongo_db])
    finally:
        await client.close()


async def _act(db: Database, args: argparse.Namespace, settings: Settings) -> None:
    from shared import subscriptions

    command = args.admin_command
    if command == "create-subscription":
        limit = subscriptions.DEFAULT_QR_LIMIT if args.qr_limit is None else args.qr_limit
        client_id, api_key = await subscriptions.create_subscription(db, args.name, limit)
        _emit({"clientId": client_id, "apiKey": api_key})
    elif command == "list-subscriptions":
        for item in await subscriptions.list_subscriptions(db):
            _emit(item)
    elif command in ("disable-subscription", "enable-subscription"):
        await subscriptions.set_disabled(db, args.client_id, command.startswith("disable"))
        _emit({"clientId": args.client_id, "disabled": command.startswith("disable")})
    elif command == "set-limits":
        await subscriptions.set_limits(db, args.client_id,
                                       batches_in_flight=args.batches_in_flight or None,
                                       rows_per_minute=args.rows_per_minute or None)
        _emit({"clientId": args.client_id, "batchesInFlight": args.batches_in_flight,
               "rowsPerMinute": args.rows_per_minute})
    elif command == "rotate-key":
        _emit({"clientId": args.client_id,
               "apiKey": await subscriptions.rotate_key(db, args.client_id)})
    elif command == "migrate":
        from shared.store.upgrade import migrate

        _emit(await migrate(db, settings))


def _emit(value: dict[str, Any]) -> None:
    sys.stdout.write(orjson.dumps(value).decode() + "\n")
