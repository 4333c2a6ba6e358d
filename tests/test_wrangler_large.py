"""A file larger than the memory a job may use streams instead of crashing.

A detached job (the runtime that runs training jobs) under a memory cgroup smaller
than a CSV file imports it (DuckDB streams it into Parquet), fits a flow on the full
data, previews its sample and the end of its full output, and writes the full output;
another profiles that output for the insights report under a limit smaller than the
table. The kernel would kill either at its limit, and the state would say "oom".
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from jupyter_smstudio.runtime.limits import ResourceLimits

from .test_runtime import cgroups, finished, start

pytestmark = [pytest.mark.slow, cgroups]

ROWS = 8_000_000
LIMIT = 320 << 20

JOB = """
import json
from pathlib import Path

import polars as pl

from jupyter_smstudio.wrangler.engine import Engine
from jupyter_smstudio.wrangler.models import FileSource, FlowDocument, Sampling, Step
from jupyter_smstudio.wrangler.sources import SourceReader

root = Path.cwd()
engine = Engine(SourceReader(root, root / "cache"))
steps = [
    ("filter_rows", {"expression": "quantity > 2"}),
    ("custom_formula", {"expression": "price * quantity", "output_column": "total"}),
    ("handle_missing", {"columns": ["price"], "strategy": "mean"}),
]
flow = FlowDocument(
    source=FileSource(path="big.csv"),
    sampling=Sampling(n=10_000),
    steps=[Step(id=str(i), operator=op, operator_version=1, params=p)
           for i, (op, p) in enumerate(steps)],
)
flow.steps = engine.fit(flow, 0, full=True)
sample = engine.preview(flow, None, 0, 10, "sample")
end = engine.preview(flow, None, 6_000_000, 10, "full")
engine.run_full(flow).sink_parquet(root / "out.parquet")
written = pl.scan_parquet(root / "out.parquet").select(pl.len()).collect().item()
Path("result.json").write_text(json.dumps({
    "sample": sample.total_rows, "error": end.error, "full": end.total_rows,
    "first_id": end.rows[0][0], "written": written, "fitted": flow.steps[2].fitted,
}))
"""

#: The insights report on the flow's full output (6.2M rows x 7 columns, about 420 MB in
#: memory): read whole it would not fit REPORT_LIMIT; the report's budget (a quarter of
#: the limit) makes it read a group of columns at a time.
REPORT_LIMIT = 512 << 20
REPORT_JOB = """
import json
from pathlib import Path

import polars as pl

from jupyter_smstudio.wrangler.config import DataWrangler
from jupyter_smstudio.wrangler.report import build_report

frame = pl.scan_parquet(Path("..") / "out.parquet")
budget = DataWrangler().report_memory_bytes()
report = build_report(frame, target=None, sample_rows=10_000, memory_budget=budget)
Path("result.json").write_text(json.dumps({
    "budget": budget, "table": report.table.model_dump(),
    "distinct": {c.name: c.distinct for c in report.columns},
}))
"""


def kept(rows: int) -> int:
    """Rows of the first ``rows`` that the flow's filter keeps (quantity = id % 13 > 2)."""
    return rows // 13 * 10 + max(0, rows % 13 - 3)


def test_a_csv_larger_than_the_memory_limit_streams(tmp_path: Path) -> None:
    big = tmp_path / "big.csv"
    (
        pl.LazyFrame({"id": pl.int_range(0, ROWS, eager=True)})
        .with_columns(
            city=pl.format("city{}", pl.col("id") % 50),
            price=(pl.col("id") * 7919 % 10007) / 100.0,
            quantity=pl.col("id") % 13,
            day=pl.date(2024, 1, 1) + pl.duration(days=pl.col("id") % 365),
            note=pl.format("order number {} of the day", pl.col("id") % 1000),
        )
        .sink_csv(big)
    )
    assert big.stat().st_size > LIMIT

    state_dir, _ = start(tmp_path, JOB, limits=ResourceLimits(memory_bytes=LIMIT))
    state = finished(state_dir, 240)
    log = (state_dir / "output.log").read_text()[-3000:]
    assert state.reason != "oom", f"the job ran out of memory:\n{log}"
    assert state.exit_code == 0, log

    result = json.loads((tmp_path / "result.json").read_text())
    assert result["error"] is None
    assert result["sample"] == kept(10_000)  # the first 10,000 rows, filtered
    assert result["full"] == result["written"] == kept(ROWS)
    assert result["first_id"] == 6_000_000 // 10 * 13 + 3  # ids 3..12 of each 13 are kept
    assert result["fitted"] == {"values": {"price": pytest.approx(50.0, abs=0.1)}}

    reporting = tmp_path / "report"
    reporting.mkdir()
    state_dir, _ = start(reporting, REPORT_JOB, limits=ResourceLimits(memory_bytes=REPORT_LIMIT))
    state = finished(state_dir, 240)
    log = (state_dir / "output.log").read_text()[-3000:]
    assert state.reason != "oom", f"the report ran out of memory:\n{log}"
    assert state.exit_code == 0, log
    report = json.loads((reporting / "result.json").read_text())
    assert report["budget"] <= REPORT_LIMIT // 4
    # The table takes over three quarters of the limit: with the interpreter, its
    # libraries and a sorted copy of a column, it could not be profiled in one piece
    # (with a budget of the whole limit this job is killed for memory).
    assert report["table"]["memory_bytes"] > REPORT_LIMIT * 3 // 4
    assert report["table"]["rows"] == kept(ROWS)
    assert report["table"]["duplicate_rows"] == 0
    assert report["distinct"]["city"] == 50
    assert report["distinct"]["quantity"] == 10
