"""Handlers returning each kind of value, and failing, through boto3 ``sagemaker-runtime``."""

from __future__ import annotations

import asyncio
import io
import json
from pathlib import Path
from typing import Any

import botocore.exceptions
import numpy as np
import pytest

from .conftest import ApiCall
from .hosting_models import model_tree, stop_all_instances
from .test_hosting_endpoints import wait_status
from .test_hosting_runtime import runtime_with_new_key
from .test_serving_server import STAGES

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("jp_serverapp")]


async def test_every_kind_of_result_and_failure_through_boto3(
    api: ApiCall, jp_root_dir: Path, jp_http_port: int, jp_base_url: str, tmp_path: Path
) -> None:
    model_tree(jp_root_dir / "m", code=STAGES)
    model = {"name": "m", "model_data": "m", "environment": {"SAGEMAKER_MODEL_SERVER_TIMEOUT": "2"}}
    assert (await api("POST", "models", model)).status == 201
    reply = await api(
        "POST", "endpoints", {"name": "kinds", "variants": [{"model_name": "m", "workers": 1}]}
    )
    assert reply.status == 201, reply.json
    client = await runtime_with_new_key(api, f"http://127.0.0.1:{jp_http_port}{jp_base_url}")
    try:
        await wait_status(api, "kinds", "InService")

        def calls() -> dict[str, Any]:
            out: dict[str, Any] = {}
            for kind, accept in [
                ("bytes", "application/json"),
                ("str", "text/plain"),
                ("dict", "application/json"),
                ("list", "application/json"),
                ("numpy", "application/json"),
                ("numpy", "text/csv"),
                ("numpy", "application/x-npy"),
            ]:
                r = client.invoke_endpoint(
                    EndpointName="kinds",
                    ContentType="application/octet-stream",
                    Accept=accept,
                    Body=kind.encode(),
                )
                out[f"{kind} {accept}"] = (r["ContentType"], r["Body"].read())
            for stage in ("input", "predict", "output", "stuck"):
                try:
                    client.invoke_endpoint(
                        EndpointName="kinds",
                        ContentType="application/octet-stream",
                        Body=stage.encode(),
                    )
                except botocore.exceptions.ClientError as err:
                    out[stage] = err.response
            return out

        out = await asyncio.to_thread(calls)
        assert out["bytes application/json"] == ("application/json", b"raw bytes")
        assert out["str text/plain"] == ("text/plain", "text \u00e9".encode())
        assert json.loads(out["dict application/json"][1]) == {"a": 1, "b": [1.5]}
        assert json.loads(out["list application/json"][1]) == [1, 2, 3]
        assert json.loads(out["numpy application/json"][1]) == [[1.0, 2.0], [3.0, 4.0]]
        assert out["numpy text/csv"] == ("text/csv", b"1.0,2.0\n3.0,4.0\n")
        npy = out["numpy application/x-npy"]
        assert npy[0] == "application/x-npy"
        assert np.load(io.BytesIO(npy[1])).tolist() == [[1.0, 2.0], [3.0, 4.0]]
        stuck = out["stuck"]  # blocked past the timeout: answered, and the worker replaced
        assert stuck["Error"]["Code"] == "ModelError"
        assert stuck["OriginalStatusCode"] == 504
        assert stuck["OriginalMessage"] == "The invocation ran longer than 2 s"
        again = await asyncio.to_thread(
            client.invoke_endpoint,
            EndpointName="kinds",
            ContentType="application/octet-stream",
            Body=b"bytes",
        )
        assert again["Body"].read() == b"raw bytes"
        for stage, message in {
            "input": "input_fn raised ValueError: input_fn cannot read this",
            "predict": "predict_fn raised KeyError",
            "output": "output_fn raised RuntimeError: output_fn cannot write this",
        }.items():
            error = out[stage]
            assert error["Error"]["Code"] == "ModelError"
            assert error["ResponseMetadata"]["HTTPStatusCode"] == 424
            assert error["OriginalStatusCode"] == 500
            assert message in error["OriginalMessage"]
            assert message in error["Error"]["Message"]
    finally:
        stop_all_instances(tmp_path / "smstudio")
