"""Per-endpoint traffic figures over recent minutes: invocations, errors, latency."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field

from .models import Metrics

WINDOW_MINUTES = 5
SAMPLES_PER_MINUTE = 2000


@dataclass
class _Minute:
    minute: int
    invocations: int = 0
    errors: int = 0
    model_errors: int = 0
    latencies: list[float] = field(default_factory=list)


class TrafficMetrics:
    """Minute buckets with a bounded latency reservoir each (memory stays flat)."""

    def __init__(self) -> None:
        self.buckets: list[_Minute] = []

    def _bucket(self) -> _Minute:
        minute = int(time.time() // 60)
        if not self.buckets or self.buckets[-1].minute != minute:
            self.buckets.append(_Minute(minute))
            self.buckets = self.buckets[-WINDOW_MINUTES:]
        return self.buckets[-1]

    def observe(self, seconds: float, *, error: bool = False, model_error: bool = False) -> None:
        b = self._bucket()
        b.invocations += 1
        b.errors += error or model_error
        b.model_errors += model_error
        if len(b.latencies) < SAMPLES_PER_MINUTE:
            b.latencies.append(seconds)
        else:
            i = random.randrange(b.invocations)  # noqa: S311 - reservoir sampling
            if i < SAMPLES_PER_MINUTE:
                b.latencies[i] = seconds

    def summary(self) -> Metrics:
        oldest = int(time.time() // 60) - WINDOW_MINUTES + 1
        live = [b for b in self.buckets if b.minute >= oldest]
        samples = sorted(s for b in live for s in b.latencies)

        def pct(q: float) -> float | None:
            if not samples:
                return None
            return round(samples[min(len(samples) - 1, int(q * len(samples)))] * 1000, 3)

        return Metrics(
            window_minutes=WINDOW_MINUTES,
            invocations=sum(b.invocations for b in live),
            errors=sum(b.errors for b in live),
            model_errors=sum(b.model_errors for b in live),
            p50_ms=pct(0.5),
            p99_ms=pct(0.99),
        )
