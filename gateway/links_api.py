"""The routes that manage a subscription's dynamic codes (issue 20), for the route table."""

from __future__ import annotations

from aiohttp import web

from gateway import qr_list, scan_stats


def routes() -> list[web.RouteDef]:
    """Listed before `/api/qr/{qr_id}` so that its more specific paths win."""
    return [
        web.get("/api/qr", qr_list.list_codes),
        web.get("/api/qr/{qr_id}/scans", scan_stats.get_scans),
    ]
