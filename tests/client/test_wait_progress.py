"""`bulkqr submit --wait` shows a real bar: the rows the server says are processed."""

from __future__ import annotations

import io
import re

from rich.console import Console

from cli.progress import wait_showing
from client import BulkQRClient

COUNT = 20_000


async def test_the_wait_bar_follows_processed_rows(client: BulkQRClient) -> None:
    bulk_id = await client.submit([{"uid": i, "data": f"w{i}"} for i in range(COUNT)])
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=120, color_system=None)
    done = await wait_showing(client, bulk_id, 120, console)
    assert done.status == "completed" and done.processed == COUNT
    shown = [int(p) for p in re.findall(r"(\d+)%", screen.getvalue())]
    assert any(0 < percent < 100 for percent in shown), shown
    assert shown == sorted(shown), "the bar went backwards"
