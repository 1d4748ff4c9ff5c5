"""`bulkqr admin …`: manage subscriptions directly in MongoDB."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import Any

import orjson

from shared import subscriptions
from shared.errors import NotFound
from shared.mongo import Database, open_client
from shared.settings import Settings


def add_parser(commands: Any) -> None:
    admin = commands.add_parser("admin", help="manage subscriptions")
    sub = admin.add_subparsers(dest="admin_command", required=True)
    create = sub.add_parser("create-subscription", help="print {clientId, apiKey} as JSON")
    create.add_argument("--name", default="")
    create.add_argument("--qr-limit", type=_positive, default=subscriptions.DEFAULT_QR_LIMIT)
    sub.add_parser("list-subscriptions", help="one JSON object per line")
    for name in ("disable-subscription", "enable-subscription", "rotate-key"):
        sub.add_parser(name).add_argument("client_id")


def _positive(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def run(args: argparse.Namespace, settings: Settings) -> int:
    try:
        asyncio.run(_with_db(settings, lambda db: _act(db, args)))
    except NotFound as exc:
        print(f"bulkqr: {exc}", file=sys.stderr)
        return 1
    return 0


async def _with_db(settings: Settings, action: Callable[[Database], Awaitable[None]]) -> None:
    client = open_client(settings)
    try:
        await action(client[settings.mongo_db])
    finally:
        await client.close()


async def _act(db: Database, args: argparse.Namespace) -> None:
    command = args.admin_command
    if command == "create-subscription":
        client_id, api_key = await subscriptions.create_subscription(db, args.name, args.qr_limit)
        _emit({"clientId": client_id, "apiKey": api_key})
    elif command == "list-subscriptions":
        for item in await subscriptions.list_subscriptions(db):
            _emit(item)
    elif command in ("disable-subscription", "enable-subscription"):
        await subscriptions.set_disabled(db, args.client_id, command.startswith("disable"))
        _emit({"clientId": args.client_id, "disabled": command.startswith("disable")})
    elif command == "rotate-key":
        _emit({"clientId": args.client_id,
               "apiKey": await subscriptions.rotate_key(db, args.client_id)})


def _emit(value: dict[str, Any]) -> None:
    sys.stdout.write(orjson.dumps(value).decode() + "\n")
