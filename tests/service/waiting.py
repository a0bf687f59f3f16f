"""Waiting in tests for something another process does (a worker, a restarted service)."""
from __future__ import annotations

import time


def wait_until(predicate, seconds: float, what: str):
    """The predicate's first true value within `seconds`, else a failure naming `what`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")
