"""Per-endpoint traffic figures: the last minutes (invocations, errors, latency
percentiles) and a minute-by-minute history over a day for the charts."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from .models import Metrics, MetricsPoint, MetricsRange, MetricsSeries

WINDOW_MINUTES = 5
SAMPLES_PER_MINUTE = 2000
#: Minutes of history kept for the charts (a day).
HISTORY_MINUTES = 24 * 60
#: Minutes per chart point, by range: 60 points an hour, 72 a day.
STEP_MINUTES = {MetricsRange.hour: 1, MetricsRange.day: 20}
_RANGE_MINUTES = {MetricsRange.hour: 60, MetricsRange.day: HISTORY_MINUTES}


def _percentile(samples: list[float], q: float) -> float | None:
    """The q-quantile of sorted seconds, in ms."""
    if not samples:
        return None
    return round(samples[min(len(samples) - 1, int(q * len(samples)))] * 1000, 3)


@dataclass
class _Minute:
    minute: int
    invocations: int = 0
    errors: int = 0
    model_errors: int = 0
    latencies: list[float] = field(default_factory=list)
    latency_sum: float = 0.0
    #: Set once the minute leaves the live window (its samples are then dropped).
    p99_ms: float | None = None

    def compact(self) -> None:
        if self.latencies:
            self.p99_ms = _percentile(sorted(self.latencies), 0.99)
            self.latencies = []

    def p99(self) -> float | None:
        return _percentile(sorted(self.latencies), 0.99) if self.latencies else self.p99_ms


class TrafficMetrics:
    """Minute buckets: a bounded latency reservoir for the live window, then only counts,
    the latency sum and the p99 for a day (memory stays flat)."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.buckets: list[_Minute] = []
        self._clock = clock

    def _minute(self) -> int:
        return int(self._clock() // 60)

    def _bucket(self) -> _Minute:
        minute = self._minute()
        if not self.buckets or self.buckets[-1].minute != minute:
            self.buckets.append(_Minute(minute))
            self.buckets = [b for b in self.buckets if b.minute > minute - HISTORY_MINUTES]
            for b in self.buckets:
                if b.minute <= minute - WINDOW_MINUTES:
                    b.compact()
        return self.buckets[-1]

    def observe(self, seconds: float, *, error: bool = False, model_error: bool = False) -> None:
        b = self._bucket()
        b.invocations += 1
        b.errors += error or model_error
        b.model_errors += model_error
        b.latency_sum += seconds
        if len(b.latencies) < SAMPLES_PER_MINUTE:
            b.latencies.append(seconds)
        else:
            i = random.randrange(b.invocations)  # noqa: S311 - reservoir sampling
            if i < SAMPLES_PER_MINUTE:
                b.latencies[i] = seconds

    def summary(self) -> Metrics:
        oldest = self._minute() - WINDOW_MINUTES + 1
        live = [b for b in self.buckets if b.minute >= oldest]
        samples = sorted(s for b in live for s in b.latencies)
        return Metrics(
            window_minutes=WINDOW_MINUTES,
            invocations=sum(b.invocations for b in live),
            errors=sum(b.errors for b in live),
            model_errors=sum(b.model_errors for b in live),
            p50_ms=_percentile(samples, 0.5),
            p99_ms=_percentile(samples, 0.99),
        )

    def series(self, span: MetricsRange) -> MetricsSeries:
        """Points from oldest to now, one per step, empty steps included (a steady axis).
        A point's latency is the mean of its calls and the highest minute p99."""
        step = STEP_MINUTES[span]
        count = _RANGE_MINUTES[span] // step
        now = self._minute()
        first = now - now % step - (count - 1) * step
        points = [MetricsPoint(start_ms=(first + i * step) * 60_000) for i in range(count)]
        sums = [0.0] * count
        for b in self.buckets:
            i = (b.minute - first) // step
            if not 0 <= i < count:
                continue
            point = points[i]
            point.invocations += b.invocations
            point.errors += b.errors
            sums[i] += b.latency_sum
            p99 = b.p99()
            if p99 is not None:
                point.p99_ms = max(point.p99_ms or 0.0, p99)
        for point, total in zip(points, sums, strict=True):
            if point.invocations:
                point.mean_ms = round(total / point.invocations * 1000, 3)
        return MetricsSeries(range=span, step_seconds=step * 60, points=points)
