"""Data Wrangler: report statistics, a 10-step flow, preview latency.

1. Report statistics on 1,000,000 x 20 mixed types, against ydata-profiling's
   minimal mode when it is importable (by this Python, or the one named by
   SMSTUDIO_YDATA_PYTHON, run in a subprocess on the same Parquet file), else
   against pandas ``describe()`` + ``value_counts()``.
2. A 10-step flow on 10,000,000 rows through the engine, against the same steps
   written by hand in Polars (interleaved A B A B).
3. Preview after adding a step on the 50,000-row sample (a cache miss each time).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

from jupyter_smstudio.wrangler.engine import Engine
from jupyter_smstudio.wrangler.models import FileSource, FlowDocument, Sampling, Step
from jupyter_smstudio.wrangler.operators.registry import get_operator
from jupyter_smstudio.wrangler.report import build_report
from jupyter_smstudio.wrangler.sources import SourceReader

from .harness import Result, Series, check_rounds, end_round

DESCRIPTION = "Data Wrangler: full-data report, 10-step flow, preview latency"

YDATA = """
import sys, time, pandas as pd
from ydata_profiling import ProfileReport
df = pd.read_parquet(sys.argv[1])
t = time.perf_counter()
ProfileReport(df, minimal=True, progress_bar=False).get_description()
print(time.perf_counter() - t)
"""


def mixed_table(rows: int, seed: int = 0) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    cols: dict[str, object] = {}
    for i in range(8):
        cols[f"num{i}"] = rng.normal(i, 1 + i, rows)
    for i in range(4):
        cols[f"int{i}"] = rng.integers(0, 10 ** (i + 1), rows)
    for i in range(4):
        cols[f"cat{i}"] = rng.choice([f"c{j}" for j in range(3 * (i + 1) ** 2)], rows)
    cols["id"] = np.arange(rows)
    cols["flag"] = rng.random(rows) < 0.1
    cols["text"] = rng.choice(["hello world", "foo bar baz", "lorem ipsum", " spaced "], rows)
    cols["day"] = np.datetime64("2020-01-01") + rng.integers(0, 2000, rows).astype("timedelta64[D]")
    frame = pl.DataFrame(cols)
    return frame.with_columns(
        pl.when(pl.col("num1") > 3).then(None).otherwise(pl.col("num1")).alias("num1")
    )


def ydata_python() -> str | None:
    for candidate in (os.environ.get("SMSTUDIO_YDATA_PYTHON"), sys.executable):
        if (
            candidate
            and subprocess.run(
                [candidate, "-c", "import ydata_profiling"],
                capture_output=True,
                cwd=tempfile.gettempdir(),  # not a checkout whose folders shadow modules
            ).returncode
            == 0
        ):
            return candidate
    return None


FLOW_STEPS: list[tuple[str, dict[str, object]]] = [
    ("drop_columns", {"columns": ["text"]}),
    ("handle_missing", {"columns": ["num1"], "strategy": "fill", "value": 0.0}),
    ("filter_rows", {"expression": "int1 < 90"}),
    ("custom_formula", {"expression": "num0 * num2 + int0", "output_column": "score"}),
    ("cast_columns", {"columns": ["int2"], "to": "float"}),
    ("rename_columns", {"mapping": {"cat0": "segment"}}),
    ("format_string", {"columns": ["cat1"], "operation": "upper"}),
    ("handle_outliers", {"columns": ["num3"], "method": "minmax", "min": -5.0, "max": 10.0}),
    ("datetime_features", {"column": "day", "parts": ["year", "month"]}),
    ("group_by", {"by": ["segment", "cat1"], "aggregations": [
        {"column": "score", "function": "mean"}, {"column": "num3", "function": "max"},
        {"column": "int2", "function": "sum"}, {"column": "day_month", "function": "n_unique"},
    ]}),
]  # fmt: skip


def by_hand(path: Path) -> pl.DataFrame:
    return (
        pl.scan_parquet(path)
        .drop("text")
        .with_columns(pl.col("num1").fill_null(0.0))
        .filter(pl.col("int1") < 90)
        .with_columns((pl.col("num0") * pl.col("num2") + pl.col("int0")).alias("score"))
        .with_columns(pl.col("int2").cast(pl.Float64))
        .rename({"cat0": "segment"})
        .with_columns(pl.col("cat1").str.to_uppercase())
        .with_columns(pl.col("num3").clip(-5.0, 10.0))
        .with_columns(
            pl.col("day").dt.year().cast(pl.Int64).alias("day_year"),
            pl.col("day").dt.month().cast(pl.Int64).alias("day_month"),
        )
        .group_by(["segment", "cat1"], maintain_order=True)
        .agg(
            pl.col("score").mean(),
            pl.col("num3").max(),
            pl.col("int2").sum(),
            pl.col("day_month").drop_nulls().n_unique(),
        )
        .collect()
    )


def flow_of(path: str, steps: list[tuple[str, dict[str, object]]], n: int = 50_000) -> FlowDocument:
    return FlowDocument(
        source=FileSource(path=path),
        sampling=Sampling(n=n),
        steps=[
            Step(id=f"s{i}", operator=op, operator_version=get_operator(op).version, params=p)
            for i, (op, p) in enumerate(steps)
        ],
    )


def run(rounds: int = 3) -> Result:
    check_rounds(rounds)
    report = Series("report statistics, 1M x 20 (full data)")
    flow = Series("10-step flow, 10M rows (engine)")
    hand = Series("10-step flow, 10M rows (hand-written Polars)")
    flow.baseline = hand.name
    preview = Series("preview after adding a step (50k sample)")
    series = [report]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        mixed_table(1_000_000).write_parquet(root / "m1.parquet")
        ydata = ydata_python()
        peer = Series(
            "ydata-profiling minimal, 1M x 20"
            if ydata
            else "pandas describe + value_counts, 1M x 20"
        )
        report.baseline = peer.name
        series.append(peer)
        if not ydata:
            import pandas as pd

            df = pd.read_parquet(root / "m1.parquet")

            def describe() -> None:
                df.describe(include="all")
                for c in df.columns:
                    df[c].value_counts().head(10)

        for _ in range(rounds):
            report.time(
                lambda: build_report(
                    pl.scan_parquet(root / "m1.parquet"), target=None, sample_rows=50_000
                )
            )
            if ydata:
                out = subprocess.run(
                    [ydata, "-c", YDATA, str(root / "m1.parquet")],
                    capture_output=True,
                    text=True,
                    cwd=root,
                )
                peer.samples.append(float(out.stdout.strip().splitlines()[-1]))
            else:
                peer.time(describe)
            end_round(report, peer)

        big = root / "m10.parquet"
        pl.concat([mixed_table(1_000_000, seed=s) for s in range(10)]).write_parquet(big)
        engine = Engine(SourceReader(root, root / ".cache"))
        doc = flow_of("m10.parquet", FLOW_STEPS)
        doc.steps = engine.fit(doc, 0, full=False)
        for _ in range(rounds):
            flow.time(lambda: engine.run_full(doc).collect())
            hand.time(lambda: by_hand(big))
            end_round(flow, hand)
        series += [flow, hand]

        base = FLOW_STEPS[:5]
        engine.preview(flow_of("m1.parquet", base), None, 0, 100, "sample")  # load the sample
        for i in range(max(20, rounds * 10)):
            step = ("custom_formula", {"expression": f"num0 * {i + 2}", "output_column": f"x{i}"})
            doc = flow_of("m1.parquet", [*base, step])
            started = time.perf_counter()
            engine.preview(doc, None, 0, 100, "sample")
            preview.samples.append(time.perf_counter() - started)
            if (i + 1) % 10 == 0:
                preview.end_round()
        series.append(preview)
    p95 = sorted(preview.samples)[int(0.95 * (len(preview.samples) - 1))]
    return Result(
        "wrangler",
        DESCRIPTION,
        series,
        targets={
            report.name: "<= 3000 ms; >= 9x faster than ydata-profiling minimal",
            flow.name: "<= 1.5x hand-written Polars",
            preview.name: f"p95 <= 200 ms (p95 here: {p95 * 1000:.0f} ms)",
        },
    )
