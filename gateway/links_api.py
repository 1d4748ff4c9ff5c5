"""The routes that manage a subscription's dynamic codes (issue 20), for the route table."""

from __future__ import annotations

from aiohttp import web

from gateway import links_bulk, links_export, qr_list, scan_stats


def routes() -> list[web.RouteDef]:
    """Listed before `/api/qr/{qr_id}` so that its more specific paths win."""
    return [
        web.get("/api/qr", qr_list.list_codes),
        web.get("/api/qr/bulk-generate/{bulk_id}/links", links_export.export_links),
        web.post("/api/qr/bulk-generate/{bulk_id}/links/update", links_bulk.update_links),
        web.get("/api/qr/{qr_id}/scans", scan_stats.get_scans),
    ]
