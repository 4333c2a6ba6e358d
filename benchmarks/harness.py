"""Timing, statistics, tables and JSON results shared by every benchmark.

Machines are shared and noisy, so a benchmark interleaves its subject with a
baseline measured in the same run (A B A B ...) and reports the ratio of medians.
"""

from __future__ import annotations

import json
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

RESULTS_DIR = Path(__file__).parent / "results"


@dataclass
class Series:
    """Samples (seconds) of one measured operation."""

    name: str
    samples: list[float] = field(default_factory=list)
    baseline: str | None = None  # name of the series this one is compared to

    def time(self, fn: Callable[[], Any]) -> Any:
        start = time.perf_counter()
        result = fn()
        self.samples.append(time.perf_counter() - start)
        return result

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def p99(self) -> float:
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


@dataclass
class Result:
    benchmark: str
    description: str
    series: list[Series]
    targets: dict[str, str] = field(default_factory=dict)

    def rows(self) -> list[dict[str, Any]]:
        by_name = {s.name: s for s in self.series}
        rows = []
        for s in self.series:
            base = by_name.get(s.baseline) if s.baseline else None
            rows.append(
                {
                    "operation": s.name,
                    "n": len(s.samples),
                    "median_ms": s.median * 1000,
                    "p99_ms": s.p99 * 1000,
                    "baseline": s.baseline or "",
                    "ratio": (s.median / base.median) if base else None,
                    "target": self.targets.get(s.name, ""),
                }
            )
        return rows

    def table(self) -> str:
        head = ("operation", "n", "median ms", "p99 ms", "vs", "ratio", "target")
        body = [
            (
                r["operation"],
                str(r["n"]),
                f"{r['median_ms']:.2f}",
                f"{r['p99_ms']:.2f}",
                r["baseline"],
                f"{r['ratio']:.2f}x" if r["ratio"] is not None else "",
                r["target"],
            )
            for r in self.rows()
        ]
        widths = [max(len(row[i]) for row in (head, *body)) for i in range(len(head))]
        line = lambda row: "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True))  # noqa: E731
        out = [
            f"## {self.benchmark}: {self.description}",
            line(head),
            line(tuple("-" * w for w in widths)),
        ]
        out += [line(row) for row in body]
        return "\n".join(out)

    def save(self) -> Path:
        RESULTS_DIR.mkdir(exist_ok=True)
        path = RESULTS_DIR / f"{self.benchmark}-{time.strftime('%Y%m%dT%H%M%S')}.json"
        payload = {
            "benchmark": self.benchmark,
            "description": self.description,
            "machine": {"python": platform.python_version(), "platform": platform.platform()},
            "rows": self.rows(),
            "samples": [asdict(s) for s in self.series],
        }
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(payload, indent=2))
        tmp.replace(path)
        return path
