"""Entry point of the `bulkqr` console script."""

from __future__ import annotations

import argparse
import sys

from cli import admin, client_commands, links, webhooks
from shared.logging import configure_logging
from shared.settings import Settings


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bulkqr", description="bulk QR code service")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("gateway", help="serve the HTTP API")
    commands.add_parser("worker", help="consume and render chunks")
    admin.add_parser(commands)
    client_commands.add_parsers(commands)
    links.add_parser(commands)
    webhooks.add_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "links":
        return links.run(args)
    if args.command in client_commands.COMMANDS:
        return client_commands.run(args)  # an API caller: no server settings or logging
    if args.command == webhooks.COMMAND:
        return webhooks.run(args)
    settings = Settings()
    configure_logging(settings.log_level, settings.log_json)
    if args.command == "gateway":
        from gateway.app import run as run_gateway

        run_gateway(settings)
    elif args.command == "worker":
        from worker.main import main as run_worker

        run_worker(settings)
    elif args.command == "admin":
        return admin.run(args, settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
