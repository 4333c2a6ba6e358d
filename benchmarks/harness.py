"""Timing, statistics, tables and JSON results shared by every benchmark.

Machines are shared and noisy, so a benchmark measures its subject and its peers
in the same run, interleaved in rounds (A B A B ..., at least ``MIN_ROUNDS``),
and reports for every series the median and p99 of all samples and the spread
of the per-round medians (min .. max): a ratio is only as good as its rounds agree.
A peer that cannot run is a ``BenchError`` with what is missing and how to get
it, never a silently shorter table.
"""

from __future__ import annotations

import itertools
import json
import os
import platform
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

RESULTS_DIR = Path(__file__).parent / "results"
MIN_ROUNDS = 3


class BenchError(Exception):
    """A benchmark cannot give a fair answer (a peer missing, too few rounds): say why."""


@dataclass
class Series:
    """Samples (seconds) of one measured operation, in rounds.

    ``rates`` holds one throughput per round where the operation has one (req/s,
    rows/s). ``ends`` are the sample counts at the end of each round.
    """

    name: str
    samples: list[float] = field(default_factory=list)
    baseline: str | None = None  # name of the series this one is compared to
    rates: list[float] = field(default_factory=list)
    rate_unit: str = ""
    ends: list[int] = field(default_factory=list)

    def time(self, fn: Callable[[], Any]) -> Any:
        start = time.perf_counter()
        result = fn()
        self.samples.append(time.perf_counter() - start)
        return result

    def end_round(self) -> None:
        if not self.ends or self.ends[-1] != len(self.samples):
            self.ends.append(len(self.samples))

    @property
    def rounds(self) -> list[list[float]]:
        """Samples per round; samples after the last closed round form one more."""
        bounds = [0, *self.ends]
        if bounds[-1] < len(self.samples):
            bounds.append(len(self.samples))
        return [self.samples[a:b] for a, b in itertools.pairwise(bounds)]

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def p99(self) -> float:
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]

    @property
    def round_medians(self) -> list[float]:
        return [statistics.median(r) for r in self.rounds if r]


def end_round(*series: Series) -> None:
    """Close the current round of each series (loops that interleave by hand)."""
    for s in series:
        s.end_round()


def timed(series: Series, fn: Callable[[], Any]) -> tuple[Series, Callable[[], None]]:
    """A subject for ``interleave`` that times one call of ``fn``."""
    return series, lambda: series.time(fn)


def check_rounds(rounds: int) -> None:
    if rounds < MIN_ROUNDS:
        raise BenchError(
            f"--rounds {rounds}: at least {MIN_ROUNDS} rounds are needed to see the spread"
        )


def interleave(
    rounds: int,
    subjects: Sequence[tuple[Series, Callable[[], None]]],
    *,
    repeat: int = 1,
    warmup: bool = True,
) -> None:
    """Run the subjects in turn (A B A B ...), ``repeat`` times a round, closing each round.

    A subject records its own samples (``series.time``, ``series.samples``) and,
    if it has one, its round's throughput in ``series.rates``. With ``warmup``,
    one untimed pass runs first and what it recorded is dropped.
    """
    check_rounds(rounds)
    if warmup:
        kept = [(s, len(s.samples), len(s.rates)) for s, _ in subjects]
        for _, measure in subjects:
            measure()
        for series, samples, rates in kept:
            del series.samples[samples:], series.rates[rates:]
    for _ in range(rounds):
        for _ in range(repeat):
            for _, measure in subjects:
                measure()
        for series, _ in subjects:
            series.end_round()


def _spread(values: Sequence[float], scale: float = 1.0, fmt: str = ".2f") -> str:
    if len(values) < 2:
        return ""
    return f"{min(values) * scale:{fmt}} .. {max(values) * scale:{fmt}}"


def _per_round(a: Sequence[float], b: Sequence[float]) -> list[float]:
    """Ratios round by round (the rounds of two interleaved series pair up)."""
    return [x / y for x, y in zip(a, b, strict=False) if y] if len(a) == len(b) else []


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
            meds = s.round_medians
            row: dict[str, Any] = {
                "operation": s.name,
                "n": len(s.samples),
                "rounds": len(meds),
                "median_ms": s.median * 1000,
                "p99_ms": s.p99 * 1000,
                "round_median_ms_min": min(meds) * 1000,
                "round_median_ms_max": max(meds) * 1000,
                "rate": statistics.median(s.rates) if s.rates else None,
                "rate_min": min(s.rates) if s.rates else None,
                "rate_max": max(s.rates) if s.rates else None,
                "rate_unit": s.rate_unit,
                "baseline": s.baseline or "",
                "ratio": (s.median / base.median) if base else None,
                "ratio_rounds": _per_round(meds, base.round_medians) if base else [],
                "rate_ratio": None,
                "rate_ratio_rounds": [],
                "target": self.targets.get(s.name, ""),
            }
            if base and s.rates and base.rates:
                row["rate_ratio"] = statistics.median(s.rates) / statistics.median(base.rates)
                row["rate_ratio_rounds"] = _per_round(s.rates, base.rates)
            rows.append(row)
        return rows

    def table(self) -> str:
        head = ("operation", "n", "rounds", "median ms", "p99 ms", "round medians ms",
                "rate (rounds)", "vs", "ratio (rounds)", "rate ratio (rounds)",
                "target / note")  # fmt: skip
        body = []
        for r in self.rows():
            meds = (r["round_median_ms_min"], r["round_median_ms_max"])
            rate = ""
            if r["rate"] is not None:
                spread = _spread((r["rate_min"], r["rate_max"]), fmt=",.0f")
                rate = f"{r['rate']:,.0f} {r['rate_unit']}" + (f" ({spread})" if spread else "")
            ratio = rate_ratio = ""
            if r["ratio"] is not None:
                spread = _spread(r["ratio_rounds"])
                ratio = f"{r['ratio']:.2f}x" + (f" ({spread})" if spread else "")
            if r["rate_ratio"] is not None:
                spread = _spread(r["rate_ratio_rounds"])
                rate_ratio = f"{r['rate_ratio']:.2f}x" + (f" ({spread})" if spread else "")
            body.append((
                r["operation"], str(r["n"]), str(r["rounds"]), f"{r['median_ms']:.2f}",
                f"{r['p99_ms']:.2f}", _spread(meds) if r["rounds"] > 1 else "(one round)",
                rate, r["baseline"], ratio, rate_ratio, r["target"],
            ))  # fmt: skip
        widths = [max(len(row[i]) for row in (head, *body)) for i in range(len(head))]

        def line(row: Sequence[str]) -> str:
            return "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True))

        out = [
            f"## {self.benchmark}: {self.description}",
            line(head),
            line(tuple("-" * w for w in widths)),
        ]
        out += [line(row).rstrip() for row in body]
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


# ---- peers in their own environments ---------------------------------------------

PROBE = """
import importlib, json, sys
from importlib import metadata
found = {}
for module, dist in json.loads(sys.argv[1]).items():
    try:
        importlib.import_module(module)
        found[dist] = metadata.version(dist)
    except Exception as err:
        found[dist] = None
print(json.dumps(found))
"""


@dataclass(frozen=True)
class Peer:
    """A peer server that lives in its own virtualenv.

    ``needs`` maps an importable module to its distribution and version spec
    (PEP 440, "" for any), e.g. ``{"uvloop": ("uvloop", "==0.21.0")}``.
    """

    title: str
    env_var: str
    default_venv: str
    needs: Mapping[str, tuple[str, str]]

    def install_hint(self, python: str | None = None) -> str:
        specs = " ".join(f"'{dist}{spec}'" for dist, spec in self.needs.values())
        if python:  # the environment exists: complete it
            return f"{python} -m pip install {specs}"
        return (
            f"python3.11 -m venv {self.default_venv} && {self.default_venv}/bin/pip install "
            f"{specs}, then set {self.env_var}={self.default_venv}/bin/python (the default), "
            "or leave this peer out with BENCH_SKIP_PEERS"
        )

    def python(self) -> str:
        """The peer's interpreter, checked: a ``BenchError`` naming what is missing."""
        python = os.environ.get(self.env_var) or f"{self.default_venv}/bin/python"
        if not Path(python).exists():
            where = f"{self.env_var}={python}" if os.environ.get(self.env_var) else python
            raise BenchError(
                f"{self.title}: no Python at {where}; create it: {self.install_hint()}"
            )
        modules = {module: dist for module, (dist, _) in self.needs.items()}
        probe = subprocess.run(
            [python, "-c", PROBE, json.dumps(modules)],
            capture_output=True,
            text=True,
            cwd=tempfile.gettempdir(),  # not a checkout whose folders shadow modules
            timeout=300,
        )
        if probe.returncode != 0:
            raise BenchError(f"{self.title}: {python} does not run: {probe.stderr.strip()[-500:]}")
        found: dict[str, str | None] = json.loads(probe.stdout.strip().splitlines()[-1])
        problems = []
        from packaging.specifiers import SpecifierSet

        for dist, spec in self.needs.values():
            version = found.get(dist)
            if version is None:
                problems.append(f"{dist}{spec} is not installed (or does not import)")
            elif spec and version not in SpecifierSet(spec):
                problems.append(f"{dist} is {version}, needs {spec}")
        if problems:
            raise BenchError(
                f"{self.title}: {python} lacks what it needs: {'; '.join(problems)}. "
                f"Install: {self.install_hint(python)}"
            )
        return python
