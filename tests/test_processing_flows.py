"""Data Wrangler flows run as real processing jobs: same rows as the engine's full run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from jupyter_smstudio.wrangler.engine import Engine
from jupyter_smstudio.wrangler.flows import FlowStore
from jupyter_smstudio.wrangler.sources import SourceReader

from .conftest import ApiCall
from .training_helpers import finished, full_log
from .wrangler_data import write_fixtures

pytestmark = pytest.mark.usefixtures("jp_serverapp")

FLOW = "shop.flow"
STEPS: list[tuple[str, dict[str, Any]]] = [
    ("join", {"other": {"kind": "file", "path": "cities.csv"}, "how": "left",
              "left_on": ["city"]}),
    ("handle_missing", {"columns": ["price"], "strategy": "median"}),
    ("handle_missing", {"columns": ["quantity"], "strategy": "fill", "value": 0}),
    ("custom_formula", {"expression": "price * quantity", "output_column": "total"}),
    ("one_hot_encode", {"column": "city", "drop_original": False}),
    ("split_data", {"method": "random", "outputs": {"train": 0.6, "test": 0.4}, "seed": 4}),
    ("sort_rows", {"by": ["id"]}),
]  # fmt: skip


@pytest.fixture
def root(jp_root_dir: Path) -> Path:
    write_fixtures(jp_root_dir)
    return jp_root_dir


async def make_flow(api: ApiCall, steps: list[tuple[str, dict[str, Any]]], name: str = FLOW) -> str:
    reply = await api(
        "POST", "wrangler/flows", {"name": name, "source": {"kind": "file", "path": "sales.csv"}}
    )
    assert reply.status == 201, reply.json
    flow = reply.json
    for operator, params in steps:
        reply = await api(
            "POST",
            f"wrangler/flows/{name}/steps",
            {"operator": operator, "params": params, "version": flow["version"]},
        )
        assert reply.status == 201, reply.json
        flow = reply.json
    fitted = await api(
        "POST", f"wrangler/flows/{name}/fit",
        {"version": flow["version"], "scope": "full"},
    )  # fmt: skip
    assert fitted.status == 200, fitted.json
    return name


def engine_output(root: Path, name: str) -> pl.DataFrame:
    """The engine's own full run of the flow, in this process."""
    doc, _ = FlowStore(root).read(name)
    return Engine(SourceReader(root, root / ".engine-cache")).run_full(doc).collect()


async def run(api: ApiCall, flow: str, body: dict[str, Any]) -> dict[str, Any]:
    reply = await api("POST", f"wrangler/flows/{flow}/processing-jobs", body)
    assert reply.status == 201, reply.json
    job = await finished(api, reply.json["name"], timeout=120, route="processing-jobs")
    log = await full_log(api, job["name"], route="processing-jobs")
    assert job["status"] == "Completed", (job, log)
    return job  # type: ignore[no-any-return]


@pytest.mark.slow
async def test_a_split_flow_becomes_one_parquet_output_per_split(api: ApiCall, root: Path) -> None:
    flow = await make_flow(api, STEPS)
    job = await run(api, flow, {"job_name": "shop-full"})
    out = root / "shop-full"
    locations = {o["output_name"]: o["path"] for o in job["output_locations"]}
    assert locations == {"train": str(out / "train"), "test": str(out / "test")}
    expected = engine_output(root, FLOW)
    assert expected.height == 8
    for name in ("train", "test"):
        got = pl.read_parquet(out / name / "part-00000.parquet")
        want = expected.filter(pl.col("split") == name).drop("split")
        assert got.height > 0
        assert_frame_equal(got, want)
    # The job ran the flow's own code, kept next to the outputs; sources were its inputs.
    code = (out / "code" / "flow.py").read_text()
    assert "def transform(df):" in code
    assert "Run as a processing job: python flow.py" in code
    inputs = {i["input_name"]: i["source"] for i in job["spec"]["inputs"]}
    assert inputs == {
        "code": str(out / "code"),
        "source": str(root / "sales.csv"),
        "source-1": str(root / "cities.csv"),
    }
    assert job["spec"]["backend"] == "local"
    assert sorted(p.name for p in out.iterdir()) == ["code", "test", "train"]


@pytest.mark.slow
async def test_without_a_split_one_csv_output(api: ApiCall, root: Path) -> None:
    flow = await make_flow(api, STEPS[:4], name="plain.flow")
    job = await run(api, flow, {"output_format": "csv", "output_path": "exports/plain"})
    assert job["name"].startswith("plain-")
    got = pl.read_csv(root / "exports" / "plain" / "output" / "part-00000.csv")
    expected = engine_output(root, "plain.flow")
    assert got.columns == expected.columns
    assert got.height == expected.height
    assert got["id"].to_list() == expected["id"].to_list()
    assert got["total"].to_list() == pytest.approx(expected["total"].to_list())
    # The log names the output as the user knows it, not the job's or the server's path.
    log = await full_log(api, job["name"], route="processing-jobs")
    assert f"output: {expected.height} rows written to exports/plain/output/part-00000.csv" in log
    assert "/opt/ml" not in log
    assert str(root) not in log


async def test_bad_requests_are_refused_and_leave_nothing_behind(api: ApiCall, root: Path) -> None:
    flow = await make_flow(api, STEPS[:1])
    route = f"wrangler/flows/{flow}/processing-jobs"
    missing = await api("POST", "wrangler/flows/nope.flow/processing-jobs", {})
    assert missing.status == 404
    for body, field in (
        ({"job_name": "no spaces"}, "job_name"),
        ({"output_path": "../outside"}, "output_path"),
        ({"instance_type": "ml.nope", "job_name": "refused"}, "instance_type"),
        ({"output_format": "xlsx"}, "output_format"),
        ({"backend": "ray", "job_name": "nowhere"}, "backend"),
    ):
        reply = await api("POST", route, body)
        assert reply.status == 400, reply.json
        assert reply.error["field"] == field
    assert sorted(p.name for p in root.iterdir() if p.is_dir()) == []
    assert (await api("GET", "processing-jobs")).json["items"] == []
    # A flow whose step fails on its data is refused, naming the steps.
    broken = await make_flow(api, [("drop_columns", {"columns": ["city"]})], name="broken.flow")
    await api(
        "POST", f"wrangler/flows/{broken}/steps",
        {"operator": "custom_formula", "version": 3,
         "params": {"expression": "city || 'x'", "output_column": "c"}},
    )  # fmt: skip
    reply = await api("POST", f"wrangler/flows/{broken}/processing-jobs", {})
    assert reply.status == 400, reply.json
    assert reply.error["field"] == "steps"
