"""Job events: what the runner tells whoever listens (experiments, tuning, pipelines).

The runner publishes; other areas subscribe at start-up without the runner
importing them. A subscriber is awaited in turn and must be quick (start a task
for slow work); one that raises is logged and never disturbs the job or the
other subscribers.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from .models import Secondary, Status

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobStateChanged:
    """A job entered a new (secondary) status; ``status`` is its primary status then."""

    owner: str
    name: str
    kind: str
    status: Status
    secondary: Secondary
    time_ms: int
    message: str = ""


@dataclass(frozen=True)
class JobMetrics:
    """New metric points read from a job's log: ``(metric, value, time_ms)``."""

    owner: str
    name: str
    kind: str
    points: tuple[tuple[str, float, int], ...]


JobEvent = JobStateChanged | JobMetrics
E = TypeVar("E", JobStateChanged, JobMetrics)
Subscriber = Callable[[E], Awaitable[None]]


class JobEvents:
    """A small pub/sub of job events, one per server."""

    def __init__(self) -> None:
        self._subscribers: list[tuple[type[JobEvent], Callable[[JobEvent], Awaitable[None]]]] = []

    def subscribe(self, event: type[E], subscriber: Subscriber[E]) -> Callable[[], None]:
        """Call ``subscriber`` with each event of type ``event``; returns the unsubscribe."""
        entry = (event, subscriber)
        self._subscribers.append(entry)  # type: ignore[arg-type]  # keyed by its type

        def unsubscribe() -> None:
            if entry in self._subscribers:
                self._subscribers.remove(entry)

        return unsubscribe

    async def publish(self, event: JobEvent) -> None:
        for kind, subscriber in list(self._subscribers):
            if not isinstance(event, kind):
                continue
            try:
                await subscriber(event)
            except Exception:  # a listener's bug is its own, never the job's
                log.exception("A job event subscriber failed on %s", event)
