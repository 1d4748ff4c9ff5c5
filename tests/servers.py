"""Where the test servers come from: the project's own local scripts (the only mode here)."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def start_local_servers() -> None:
    """Start (or find running) RabbitMQ, FerretDB and versitygw; fail loudly if one cannot."""
    result = subprocess.run([ROOT / "scripts" / "stack.sh", "start"], capture_output=True,
                            text=True, timeout=900, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"local servers did not start:\n{result.stderr[-4000:]}")
