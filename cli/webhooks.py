"""`bulkqr webhooks add|list|deliveries`: manage the caller's webhook endpoints.

Credentials and the gateway URL as for the other client commands. stdout: JSON (one
object per line for lists); exit 0 done, 1 the server said no, 2 missing credentials.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

import aiohttp
import orjson

from client import ClientConfig

COMMAND = "webhooks"
EVENTS = ("bulk.completed", "bulk.downloaded")


def add_parser(commands: Any) -> None:
    parser = commands.add_parser(COMMAND, help="manage webhook endpoints")
    parser.add_argument("--url", dest="gateway_url", help="gateway URL (default: $BULKQR_URL)")
    parser.add_argument("--client-id", help="default: $BULKQR_CLIENT_ID")
    parser.add_argument("--api-key", help="default: $BULKQR_API_KEY")
    actions = parser.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="register an endpoint; prints its secret once")
    add.add_argument("endpoint_url")
    add.add_argument("--event", action="append", choices=EVENTS,
                     help="repeat for several (default: both)")
    actions.add_parser("list", help="your endpoints")
    deliveries = actions.add_parser("deliveries", help="an endpoint's attempts, newest first")
    deliveries.add_argument("webhook_id")
    deliveries.add_argument("--limit", type=int, default=50)


def run(args: argparse.Namespace) -> int:
    try:
        config = ClientConfig.from_env(client_id=args.client_id, api_key=args.api_key,
                                       base_url=args.gateway_url)
    except ValueError as exc:
        print(f"bulkqr: {exc}: set BULKQR_CLIENT_ID and BULKQR_API_KEY", file=sys.stderr)
        return 2
    try:
        status, body = asyncio.run(_call(config, args))
    except (aiohttp.ClientError, OSError) as exc:
        print(f"bulkqr: {exc}", file=sys.stderr)
        return 1
    if status >= 400:
        print(f"bulkqr: {status} {body.get('error', body)}", file=sys.stderr)
        return 1
    items = body["items"] if args.action != "add" else [body]
    for item in items:
        sys.stdout.write(orjson.dumps(item).decode() + "\n")
    return 0


async def _call(config: ClientConfig, args: argparse.Namespace) -> tuple[int, Any]:
    if args.action == "add":
        method, path = "POST", "/api/webhooks"
        payload: Any = {"url": args.endpoint_url, "events": args.event or list(EVENTS)}
    elif args.action == "list":
        method, path, payload = "GET", "/api/webhooks", None
    else:
        method, payload = "GET", None
        path = f"/api/webhooks/{args.webhook_id}/deliveries?limit={args.limit}"
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session, \
            session.request(method, config.url(path), json=payload,
                            headers=config.auth_headers) as answer:
        return answer.status, await answer.json(content_type=None)
