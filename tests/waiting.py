"""The one way tests wait: poll a condition until it holds, or fail at a deadline.

Never sleep to synchronise. A wait returns as soon as its condition holds, so a long
deadline costs nothing when things work; it only has to hold on a loaded CI machine.
Every deadline is multiplied by ``SMSTUDIO_TEST_DEADLINE_SCALE`` (default 2) so a
busier machine can be given more without editing tests.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import time
from collections.abc import Callable
from typing import Any

SCALE = float(os.environ.get("SMSTUDIO_TEST_DEADLINE_SCALE", "2"))


class Fatal(Exception):
    """Raised by a condition when waiting longer cannot help (fails the wait at once)."""


def deadline(timeout: float) -> float:
    """The monotonic time a wait of ``timeout`` seconds (scaled) gives up at."""
    return time.monotonic() + timeout * SCALE


def wait_until(
    predicate: Callable[[], Any], timeout: float, what: str, interval: float = 0.1
) -> Any:
    """Call ``predicate`` until it returns something truthy; return that value.

    Exceptions other than :class:`Fatal` count as "not yet" (a server still starting);
    the last one is reported if the deadline passes.
    """
    end = deadline(timeout)
    last: Any = None
    while True:
        try:
            last = predicate()
            if last:
                return last
        except Fatal:
            raise
        except Exception as err:
            last = err
        if time.monotonic() > end:
            raise TimeoutError(
                f"timed out after {timeout * SCALE:g}s waiting for {what}; last: {last!r}"
            )
        time.sleep(interval)


async def eventually(
    check: Callable[[], Any],
    timeout: float,
    what: str,
    interval: float = 0.1,
    *,
    in_thread: bool = False,
) -> Any:
    """Await ``check()`` (a coroutine function or a plain one) until it returns something
    truthy; return that value. ``in_thread`` runs a blocking check (docker, psutil) off
    the event loop. Exceptions propagate: a check that raises fails the test."""
    end = deadline(timeout)
    last: Any = None
    while True:
        last = await asyncio.to_thread(check) if in_thread else check()
        if inspect.isawaitable(last):
            last = await last
        if last:
            return last
        if time.monotonic() > end:
            raise TimeoutError(
                f"timed out after {timeout * SCALE:g}s waiting for {what}; last: {last!r}"
            )
        await asyncio.sleep(interval)
