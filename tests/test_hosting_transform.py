"""Batch transform jobs: splitting, batching, filters, joins, atomic outputs, failures."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from .conftest import ApiCall
from .hosting_models import model_tree
from .waiting import eventually

pytestmark = pytest.mark.usefixtures("jp_serverapp")


async def finished(api: ApiCall, name: str, timeout: float = 60) -> dict[str, Any]:
    async def check() -> dict[str, Any] | None:
        job = (await api("GET", f"transform-jobs/{name}")).json
        return job if job["status"] not in ("InProgress", "Stopping") else None  # type: ignore[no-any-return]

    return await eventually(check, timeout, f"transform job {name} to end")  # type: ignore[no-any-return]


async def start(api: ApiCall, name: str, **fields: Any) -> dict[str, Any]:
    body = {"name": name, "model_name": "lin", **fields}
    reply = await api("POST", "transform-jobs", body)
    assert reply.status == 201, reply.json
    return reply.json  # type: ignore[no-any-return]


@pytest.mark.slow
async def test_multi_record_csv_with_join_and_filters(api: ApiCall, jp_root_dir: Path) -> None:
    model_tree(jp_root_dir / "lin")
    assert (await api("POST", "models", {"name": "lin", "model_data": "lin"})).status == 201
    data = jp_root_dir / "in"
    data.mkdir()
    # id, then three features
    (data / "a.csv").write_text("".join(f"{i},1,{i % 100},0\n" for i in range(1000)))
    (data / "sub").mkdir()
    (data / "sub" / "b.csv").write_text("7,0,0,1\n")
    job = await start(
        api,
        "t1",
        batch_strategy="MultiRecord",
        max_payload_in_mb=1,
        max_concurrent_transforms=2,
        transform_input={"data_source": "in", "split_type": "Line"},
        transform_output={"output_path": "out", "accept": "text/csv", "assemble_with": "Line"},
        data_processing={
            "input_filter": "$[1:]",
            "join_source": "Input",
            "output_filter": "$[0,-1]",
        },
    )
    assert job["status"] == "InProgress"
    job = await finished(api, "t1")
    assert job["status"] == "Completed", job
    assert job["progress"] == {"files_total": 2, "files_done": 2, "files_failed": 0}
    lines = (jp_root_dir / "out" / "a.csv.out").read_text().splitlines()
    assert len(lines) == 1000
    assert lines[5] == "5,11.0"  # id joined with 1*1 + 5*2 + 0*3
    assert (jp_root_dir / "out" / "sub" / "b.csv.out").read_text() == "7,3.0\n"


@pytest.mark.slow
async def test_json_records_and_single_record(api: ApiCall, jp_root_dir: Path) -> None:
    model_tree(jp_root_dir / "lin")
    assert (await api("POST", "models", {"name": "lin", "model_data": "lin"})).status == 201
    (jp_root_dir / "r.jsonl").write_text(
        '{"id": "x", "features": [[1, 0, 0]]}\n{"id": "y", "features": [[0, 1, 0]]}\n'
    )
    await start(
        api,
        "t2",
        batch_strategy="SingleRecord",
        transform_input={
            "data_source": "r.jsonl",
            "split_type": "Line",
            "content_type": "application/json",
        },
        transform_output={"output_path": "o2", "assemble_with": "Line"},
        data_processing={
            "input_filter": "$.features",
            "join_source": "Input",
            "output_filter": "$['id','SageMakerOutput']",
        },
    )
    job = await finished(api, "t2")
    assert job["status"] == "Completed", job
    out = [json.loads(x) for x in (jp_root_dir / "o2" / "r.jsonl.out").read_text().splitlines()]
    assert out == [{"id": "x", "SageMakerOutput": [1.0]}, {"id": "y", "SageMakerOutput": [2.0]}]


@pytest.mark.slow
async def test_failure_names_file_and_record_and_writes_only_good_files(
    api: ApiCall, jp_root_dir: Path
) -> None:
    model_tree(jp_root_dir / "lin")
    assert (await api("POST", "models", {"name": "lin", "model_data": "lin"})).status == 201
    data = jp_root_dir / "in"
    data.mkdir()
    (data / "good.csv").write_text("1,1,1\n")
    (data / "bad.csv").write_text("1,1,1\n1,1,1\n666,0,0\n")
    await start(
        api,
        "t3",
        batch_strategy="SingleRecord",
        transform_input={"data_source": "in", "split_type": "Line"},
        transform_output={"output_path": "o3"},
    )
    job = await finished(api, "t3")
    assert job["status"] == "Failed"
    assert "bad.csv: record 3" in job["failure_reason"]
    assert "beast" in job["failure_reason"]
    assert (jp_root_dir / "o3" / "good.csv.out").exists()
    assert not (jp_root_dir / "o3" / "bad.csv.out").exists()
    assert "FAILED bad.csv" in (await api("GET", "transform-jobs/t3/logs")).json["text"]


async def test_bad_transform_requests_name_the_field(api: ApiCall, jp_root_dir: Path) -> None:
    model_tree(jp_root_dir / "lin")
    assert (await api("POST", "models", {"name": "lin", "model_data": "lin"})).status == 201
    (jp_root_dir / "x.csv").write_text("1,1,1\n")
    base = {
        "name": "t",
        "model_name": "lin",
        "transform_input": {"data_source": "x.csv"},
        "transform_output": {"output_path": "o"},
    }
    cases = {
        "batch_strategy": {"batch_strategy": "MultiRecord"},
        "max_concurrent_transforms": {"max_concurrent_transforms": 20, "max_payload_in_mb": 6},
        "data_processing.input_filter": {"data_processing": {"input_filter": "features"}},
        "model_name": {"model_name": "nope"},
    }
    for field, change in cases.items():
        reply = await api("POST", "transform-jobs", {**base, **change})
        assert reply.status in (400, 404), (field, reply.json)
        assert reply.error["field"] == field
    reply = await api(
        "POST", "transform-jobs", {**base, "transform_input": {"data_source": "../../etc/passwd"}}
    )
    assert reply.error["field"] == "transform_input.data_source"
