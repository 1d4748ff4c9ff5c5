"""docs/operations.md keeps up with the code: every setting, every alert, the real-run chart."""

from __future__ import annotations

import re
import struct

from tests.deploy.support import ROOT, alert_rules, images, settings_variables

GUIDE = ROOT / "docs" / "operations.md"
CHART = ROOT / "docs" / "operations-dashboard.png"


def table_variables() -> set[str]:
    return set(re.findall(r"^\| \**`(BULKQR_[A-Z0-9_]+)`", GUIDE.read_text(), re.MULTILINE))


def test_operations_guide_lists_every_setting() -> None:
    missing = set(settings_variables()) - table_variables()
    assert not missing, f"add these settings to the table in docs/operations.md: {missing}"
    assert table_variables() <= set(settings_variables()), "the table names a removed setting"


def test_operations_guide_explains_every_alert() -> None:
    guide = GUIDE.read_text()
    missing = [rule["alert"] for rule in alert_rules() if f"`{rule['alert']}`" not in guide]
    assert not missing, f"docs/operations.md does not explain {missing}"


def test_operations_guide_shows_the_chart() -> None:
    assert "](operations-dashboard.png)" in GUIDE.read_text()
    header = CHART.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", header[16:24])
    assert width >= 800 and height >= 400


def test_rabbitmq_version_matches_how_workers_give_chunks_back() -> None:
    """From RabbitMQ 4.3, basic.nack no longer counts towards x-delivery-limit."""
    consume = (ROOT / "worker" / "consume.py").read_text()
    version = images()["BULKQR_RABBITMQ_IMAGE"].split(":")[1]
    major, minor = (int(part) for part in re.findall(r"\d+", version)[:2])
    if "nack(requeue=True)" in consume:
        assert (major, minor) < (4, 3), "workers nack failed chunks: stay below RabbitMQ 4.3"
