"""Timestamps: 64-bit integer milliseconds since the epoch, everywhere."""

from __future__ import annotations

import time


def now_ms() -> int:
    """Wall-clock now in epoch milliseconds (what the store and API carry)."""
    return time.time_ns() // 1_000_000
