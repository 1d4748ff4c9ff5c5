"""`bulkqr admin migrate`: create the layout, then move every legacy family into it, in order.

Run it with the workers stopped (docs/operations.md, "Upgrading"); gateways may keep
redirecting. Every step is idempotent and resumable: run the command again after a stop.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from shared.settings import Settings
from shared.store.client import Database
from shared.store.layout import ensure_layout
from shared.store.migrations.assets import migrate_assets
from shared.store.migrations.idempotency import migrate_expiry_dates, migrate_idempotency
from shared.store.migrations.ledger import migrate_ledger
from shared.store.migrations.overlays import migrate_overlays
from shared.store.migrations.scans import migrate_scans
from shared.store.migrations.webhooks import migrate_webhooks


@dataclass(frozen=True)
class Step:
    """One legacy family's move; `run` returns how many documents it copied or changed."""

    name: str
    run: Callable[[Database, Settings], Awaitable[int]]


STEPS = (
    Step("ledger", migrate_ledger),  # quota_<client>, charges_<bulk>, progress_<bulk>
    Step("idempotency", migrate_idempotency),  # idempotency_<client>
    Step("expiry_dates", migrate_expiry_dates),  # numeric expiresAt in rate_limits, claims
    Step("assets", migrate_assets),  # assets_<client>, asset_slots_<client>
    Step("webhooks", migrate_webhooks),  # webhooks_<client>, webhook_log_<endpoint>
    Step("overlays", migrate_overlays),  # overlays_<bulk>
    Step("scans", migrate_scans),  # scanmonths_SSSS[_YYYYMM], link documents' old totals
)


async def migrate(db: Database, settings: Settings) -> dict[str, int]:
    """Create the layout, then run every step; returns documents copied per step."""
    await ensure_layout(db, settings)
    return {step.name: await step.run(db, settings) for step in STEPS}
