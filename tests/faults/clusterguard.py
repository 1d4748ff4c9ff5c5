"""Stops a test's cluster (scripts/cluster.sh) when the test process dies without doing so.

Run as `python -m tests.faults.clusterguard PARENT_PID` by tests.children's `spawn`, with the
cluster's environment. A SIGKILLed pytest runs no teardown and no atexit: Linux then sends
this process SIGTERM (its parent-death signal, set here), and it stops the cluster. SIGTERM
from the session's end does the same; SIGUSR1 (the cluster was stopped) ends it quietly.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "cluster.sh"
PR_SET_PDEATHSIG = 1


def main(parent_pid: int) -> int:
    handled = {signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGUSR1}
    signal.pthread_sigmask(signal.SIG_BLOCK, handled)  # taken by sigwait below, never lost
    ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    received = signal.SIGTERM if os.getppid() != parent_pid else signal.sigwait(handled)
    if received == signal.SIGUSR1:
        return 0
    return subprocess.run([SCRIPT, "stop"], timeout=180, check=False,
                          stdout=subprocess.DEVNULL).returncode


if __name__ == "__main__":
    raise SystemExit(main(int(sys.argv[1])))
