"""Rich progress displays on stderr for the client commands: waiting, then downloading.

Shown only when stderr is a terminal; in logs and pipes they print nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    SpinnerColumn,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TransferSpeedColumn,
)

from client import BulkQRClient, BulkStatus


async def wait_showing(
    client: BulkQRClient, bulk_id: str, timeout_s: float | None, console: Console
) -> BulkStatus:
    """`client.wait` with a spinner, the last status read, a bar of the rows finished
    (`processed` of `count`; a pulsing bar from a server that does not say) and the time
    spent."""
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
    )
    with Progress(
        *columns, console=console, transient=True, disable=not console.is_terminal
    ) as progress:
        task = progress.add_task(f"{bulk_id}: submitted", total=None)

        def show(current: BulkStatus) -> None:
            progress.update(
                task,
                description=f"{bulk_id}: {current.status}, {current.count} rows",
                completed=current.processed or 0,
                total=current.count if current.processed is not None else None,
            )

        return await client.wait(bulk_id, timeout_s=timeout_s, on_progress=show)


async def download_showing(
    client: BulkQRClient,
    bulk_id: str,
    folder: Path,
    name: str,
    console: Console,
    fmt: str = "json",
    sheet: str | None = None,
    sheet_params: Mapping[str, str] | None = None,
) -> Path:
    """`client.download` with a byte bar (the JSON archive's size is known from the start;
    a ZIP's is not, so its bar pulses)."""
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
    )
    with Progress(
        *columns, console=console, transient=True, disable=not console.is_terminal
    ) as progress:
        task = progress.add_task(f"{bulk_id}: downloading", total=None)

        def show(done: int, total: int | None) -> None:
            progress.update(task, completed=done, total=total)

        return await client.download(
            bulk_id,
            folder,
            name=name,
            on_progress=show,
            fmt=fmt,
            sheet=sheet,
            sheet_params=sheet_params,
        )
