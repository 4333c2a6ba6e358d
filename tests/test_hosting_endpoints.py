"""Endpoints through the REST API: create, invoke, errors, update, traffic split, capture."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import pytest

from .conftest import ApiCall, Reply
from .hosting_models import model_archive, model_tree, stop_all_instances
from .waiting import eventually

pytestmark = pytest.mark.usefixtures("jp_serverapp", "cleanup")


@pytest.fixture
def cleanup(tmp_path: Path) -> Any:
    yield
    stop_all_instances(tmp_path / "smstudio")


async def until(predicate: Any, timeout: float, what: str) -> Any:
    return await eventually(predicate, timeout, what)


async def wait_status(api: ApiCall, name: str, *statuses: str, timeout: float = 60) -> Reply:
    async def check() -> Reply | None:
        reply = await api("GET", f"endpoints/{name}")
        return reply if reply.json["status"] in statuses else None

    return await until(check, timeout, f"{name} to be {statuses}")  # type: ignore[no-any-return]


async def invoke(
    jp_fetch: Any,
    name: str,
    body: bytes,
    content_type: str = "text/csv",
    accept: str | None = None,
    **headers: str,
) -> Any:
    all_headers = {"Authorization": "token alice-token", "Content-Type": content_type, **headers}
    if accept:
        all_headers["Accept"] = accept
    return await jp_fetch(
        "smstudio",
        "api",
        "endpoints",
        name,
        "invocations",
        method="POST",
        body=body,
        headers=all_headers,
        raise_error=False,
    )


async def deploy(api: ApiCall, jp_root_dir: Path) -> str:
    model_archive(jp_root_dir / "jobs" / "lin" / "output" / "model.tar.gz")
    reply = await api(
        "POST", "models", {"name": "lin", "model_data": "jobs/lin/output/model.tar.gz"}
    )
    assert reply.status == 201, reply.json
    reply = await api(
        "POST",
        "endpoints",
        {
            "name": "ep",
            "variants": [{"model_name": "lin", "workers": 2, "instance_type": "local"}],
            "data_capture": {"destination": "capture", "initial_sampling_percentage": 100},
        },
    )
    assert reply.status == 201, reply.json
    assert reply.json["status"] == "Creating"
    await wait_status(api, "ep", "InService")
    return "ep"


@pytest.mark.slow
async def test_invoke_csv_json_npy_and_errors(
    jp_fetch: Any, api: ApiCall, jp_root_dir: Path
) -> None:
    deployed = await deploy(api, jp_root_dir)
    r = await invoke(jp_fetch, deployed, b"1,1,1\n1,0,0\n")
    assert r.code == 200, r.body
    assert json.loads(r.body) == [6.0, 1.0]
    assert r.headers["x-Amzn-Invoked-Production-Variant"] == "AllTraffic"
    r = await invoke(jp_fetch, deployed, b"[[0, 0, 1]]", "application/json", "text/csv")
    assert r.code == 200
    assert r.body.decode().strip() == "3.0"
    assert r.headers["Content-Type"] == "text/csv"
    # malformed input is a 400 naming the problem; the endpoint keeps serving
    r = await invoke(jp_fetch, deployed, b"1,x,1")
    assert r.code == 400
    assert "not a number" in json.loads(r.body)["error"]["message"]
    r = await invoke(jp_fetch, deployed, b"[[1, 2", "application/json")
    assert r.code == 400
    assert "Invalid JSON" in json.loads(r.body)["error"]["message"]
    r = await invoke(jp_fetch, deployed, b"abc", "image/png")
    assert r.code == 415
    r = await invoke(jp_fetch, deployed, b"1" * (6 * 1024 * 1024 + 1))
    assert r.code == 413
    r = await invoke(jp_fetch, deployed, b"666,1,1")
    assert r.code == 424
    error = json.loads(r.body)["error"]
    assert error["code"] == "ModelError"
    assert "number of the beast" in error["message"]
    r = await invoke(jp_fetch, "nope", b"1,2,3")
    assert r.code == 404
    r = await invoke(jp_fetch, deployed, b"1,1,1")
    assert r.code == 200
    # traffic figures and data capture
    endpoint = (await api("GET", f"endpoints/{deployed}")).json
    assert endpoint["metrics"]["invocations"] >= 7
    assert endpoint["metrics"]["p50_ms"] > 0
    series = (await api("GET", f"endpoints/{deployed}/metrics", params={"range": "1h"})).json
    assert (series["step_seconds"], len(series["points"])) == (60, 60)
    assert sum(p["invocations"] for p in series["points"]) >= 7
    assert any(p["mean_ms"] for p in series["points"])
    day = (await api("GET", f"endpoints/{deployed}/metrics", params={"range": "24h"})).json
    assert day["step_seconds"] == 1200
    bad = await api("GET", f"endpoints/{deployed}/metrics", params={"range": "7d"})
    assert (bad.status, bad.json["error"]["field"]) == (400, "range")
    assert (await api("GET", "endpoints/nope/metrics")).status == 404
    files = await until(lambda: _captured(jp_root_dir / "capture" / deployed), 10, "capture")
    record = json.loads(files[0].read_text().splitlines()[0])
    assert record["captureData"]["endpointInput"]["data"] == "1,1,1\n1,0,0\n"
    assert record["captureData"]["endpointOutput"]["data"] == "[6.0, 1.0]"
    logs = await api("GET", f"endpoints/{deployed}/logs")
    assert "Model server ready" in logs.json["text"]


async def _captured(directory: Path) -> list[Path]:
    return sorted(directory.rglob("*.jsonl"))


@pytest.mark.slow
async def test_a_slow_request_does_not_block_others(
    jp_fetch: Any, api: ApiCall, jp_root_dir: Path
) -> None:
    deployed = await deploy(api, jp_root_dir)
    slow = asyncio.ensure_future(invoke(jp_fetch, deployed, b"777,0,0"))
    await asyncio.sleep(0.3)
    start = time.monotonic()
    r = await invoke(jp_fetch, deployed, b"1,1,1")
    assert r.code == 200
    assert time.monotonic() - start < 1.5
    assert (await slow).code == 200


@pytest.mark.slow
async def test_update_switches_without_downtime_and_rolls_back(
    api: ApiCall, jp_fetch: Any, jp_root_dir: Path
) -> None:
    deployed = await deploy(api, jp_root_dir)
    model_tree(jp_root_dir / "lin2", weights=__import__("numpy").array([10.0, 0, 0]))
    assert (await api("POST", "models", {"name": "lin2", "model_data": "lin2"})).status == 201
    stop = asyncio.Event()
    answers: list[int] = []

    async def traffic() -> None:
        while not stop.is_set():
            r = await invoke(jp_fetch, deployed, b"1,0,0")
            answers.append(r.code)
            if r.code == 200:
                answers.append(int(json.loads(r.body)[0]))

    load = asyncio.ensure_future(traffic())
    reply = await api(
        "PUT", f"endpoints/{deployed}", {"variants": [{"model_name": "lin2", "workers": 1}]}
    )
    assert reply.status == 200, reply.json
    assert reply.json["status"] == "Updating"
    await wait_status(api, deployed, "InService")
    await until(lambda: _async(answers and answers[-1] == 10), 10, "new model answering")
    # a broken model: the update fails, rolls back, the old config keeps serving
    model_tree(jp_root_dir / "broken", code="def model_fn(d):\n    raise RuntimeError('no')\n")
    assert (await api("POST", "models", {"name": "broken", "model_data": "broken"})).status == 201
    reply = await api("PUT", f"endpoints/{deployed}", {"variants": [{"model_name": "broken"}]})
    assert reply.status == 200
    endpoint = (await until(lambda: _failed_update(api, deployed), 60, "rollback")).json
    assert "RuntimeError: no" in endpoint["failure_reason"]
    stop.set()
    await load
    assert set(answers) <= {200, 10, 1}, "a request failed during the update"
    assert answers[-1] == 10


async def _async(value: Any) -> Any:
    return value


async def _failed_update(api: ApiCall, name: str) -> Reply | None:
    reply = await api("GET", f"endpoints/{name}")
    return reply if reply.json["failure_reason"] and reply.json["status"] == "InService" else None


@pytest.mark.slow
async def test_traffic_split_by_weight(api: ApiCall, jp_fetch: Any, jp_root_dir: Path) -> None:
    model_tree(jp_root_dir / "a")
    assert (await api("POST", "models", {"name": "a", "model_data": "a"})).status == 201
    reply = await api(
        "POST",
        "endpoints",
        {
            "name": "split",
            "variants": [
                {
                    "variant_name": "one",
                    "model_name": "a",
                    "workers": 1,
                    "initial_variant_weight": 3,
                },
                {
                    "variant_name": "two",
                    "model_name": "a",
                    "workers": 1,
                    "initial_variant_weight": 1,
                },
            ],
        },
    )
    assert reply.status == 201, reply.json
    try:
        await wait_status(api, "split", "InService")
        seen = {"one": 0, "two": 0}
        for _ in range(200):
            r = await invoke(jp_fetch, "split", b"1,1,1")
            seen[r.headers["x-Amzn-Invoked-Production-Variant"]] += 1
        assert 110 < seen["one"] < 190, seen
        r = await invoke(jp_fetch, "split", b"1,1,1", **{"X-Amzn-SageMaker-Target-Variant": "two"})
        assert r.headers["x-Amzn-Invoked-Production-Variant"] == "two"
    finally:
        assert (await api("DELETE", "endpoints/split")).status == 204
    assert (await api("GET", "endpoints/split")).status == 404


async def test_bad_requests_name_the_field(api: ApiCall, jp_root_dir: Path) -> None:
    reply = await api("POST", "models", {"name": "m", "model_data": "../../etc"})
    assert reply.status == 400
    assert reply.error["field"] == "model_data"
    reply = await api("POST", "models", {"name": "m", "model_data": "missing.tar.gz"})
    assert reply.status == 400
    assert reply.error["field"] == "model_data"
    model_tree(jp_root_dir / "m")
    reply = await api("POST", "models", {"name": "m", "model_data": "m", "instance_type": "ml.x"})
    assert reply.error["field"] == "instance_type"
    reply = await api("POST", "endpoints", {"name": "e", "variants": [{"model_name": "zz"}]})
    assert reply.status == 404
    assert reply.error["field"] == "variants.0.model_name"
    reply = await api("POST", "endpoints", {"name": "e"})
    assert reply.status == 400
    model_tree(jp_root_dir / "m2")
    assert (await api("POST", "models", {"name": "m", "model_data": "m2"})).status == 201
    reply = await api("POST", "models", {"name": "m", "model_data": "m2"})
    assert reply.status == 409
    reply = await api("POST", "endpoints", {"name": "e", "endpoint_config_name": "none"})
    assert reply.error["field"] == "endpoint_config_name"


async def test_inline_variants_with_one_name_are_refused(api: ApiCall) -> None:
    """Found by fuzzing: inline variants skipped the config's rules (a 500, not a 400)."""
    twins = [{"model_name": "m"}, {"model_name": "m"}]  # both default to AllTraffic
    for method, path, body in (
        ("POST", "endpoints", {"name": "e", "variants": twins}),
        ("PUT", "endpoints/e", {"variants": twins}),
        ("POST", "endpoint-configs", {"name": "c", "variants": twins}),
    ):
        reply = await api(method, path, body)
        assert reply.status == 400, (method, path, reply.json)
        assert reply.error["field"] == "variants"
        assert "unique" in reply.error["message"]
    assert (await api("GET", "endpoint-configs")).json["items"] == []


@pytest.mark.slow
async def test_a_model_that_fails_to_load_fails_the_endpoint(
    api: ApiCall, jp_root_dir: Path
) -> None:
    model_tree(jp_root_dir / "bad", code="def model_fn(d):\n    raise RuntimeError('corrupt')\n")
    assert (await api("POST", "models", {"name": "bad", "model_data": "bad"})).status == 201
    assert (
        await api("POST", "endpoints", {"name": "bad", "variants": [{"model_name": "bad"}]})
    ).status == 201
    reply = await wait_status(api, "bad", "Failed")
    assert "RuntimeError: corrupt" in reply.json["failure_reason"]
    assert "corrupt" in (await api("GET", "endpoints/bad/logs")).json["text"]
    assert (await api("DELETE", "endpoints/bad")).status == 204
