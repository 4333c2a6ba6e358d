"""Endpoint traffic over time: minute history for a day, steady chart axes."""

from __future__ import annotations

from jupyter_smstudio.hosting.metrics import TrafficMetrics
from jupyter_smstudio.hosting.models import MetricsRange


class Clock:
    """A settable clock: the history is by wall-clock minute (no waiting in tests)."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def test_the_last_hour_has_one_point_a_minute_with_calls_errors_and_latency() -> None:
    clock = Clock()
    metrics = TrafficMetrics(clock)
    metrics.observe(0.010)
    metrics.observe(0.030, error=True)
    clock.now += 10 * 60
    metrics.observe(0.002)
    series = metrics.series(MetricsRange.hour)
    assert series.step_seconds == 60
    assert len(series.points) == 60
    last, ten_ago = series.points[-1], series.points[-11]
    assert last.start_ms == int(clock.now // 60) * 60_000
    assert (last.invocations, last.errors, last.mean_ms) == (1, 0, 2.0)
    assert (ten_ago.invocations, ten_ago.errors, ten_ago.mean_ms) == (2, 1, 20.0)
    assert ten_ago.p99_ms == 30.0  # kept after the samples of the minute were dropped
    assert all(p.invocations == 0 and p.mean_ms is None for p in series.points[-10:-1])
    # the live 5-minute summary only counts the recent call
    assert metrics.summary().invocations == 1


def test_a_day_keeps_calls_older_than_an_hour_in_20_minute_points() -> None:
    clock = Clock()
    metrics = TrafficMetrics(clock)
    metrics.observe(0.004)
    clock.now += 5 * 3600
    metrics.observe(0.006)
    assert sum(p.invocations for p in metrics.series(MetricsRange.hour).points) == 1
    day = metrics.series(MetricsRange.day)
    assert (day.step_seconds, len(day.points)) == (1200, 72)
    assert sum(p.invocations for p in day.points) == 2
    clock.now += 24 * 3600
    metrics.observe(0.001)
    assert sum(p.invocations for p in metrics.series(MetricsRange.day).points) == 1
    assert len(metrics.buckets) <= 24 * 60
