"""The sagemaker-runtime route with the real boto3 client, SigV4 and access keys."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import boto3
import botocore.exceptions
import pytest
from botocore.config import Config

from .conftest import ApiCall
from .hosting_models import model_tree, stop_all_instances
from .test_hosting_endpoints import wait_status

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("jp_serverapp")]


def runtime(base: str, key: str, secret: str) -> Any:
    return boto3.client(
        "sagemaker-runtime",
        endpoint_url=base + "smstudio/runtime",
        region_name="us-east-1",
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        config=Config(retries={"max_attempts": 1}),
    )


async def runtime_with_new_key(api: ApiCall, base: str) -> Any:
    """A ``sagemaker-runtime`` client signed by a new access key of the caller."""
    key = (await api("POST", "access-keys", {})).json
    return runtime(base, key["access_key_id"], key["secret_access_key"])


async def test_boto3_invoke_endpoint(
    api: ApiCall, jp_root_dir: Path, jp_http_port: int, jp_base_url: str, tmp_path: Path
) -> None:
    model_tree(jp_root_dir / "m")
    assert (await api("POST", "models", {"name": "m", "model_data": "m"})).status == 201
    reply = await api(
        "POST", "endpoints", {"name": "rt", "variants": [{"model_name": "m", "workers": 1}]}
    )
    assert reply.status == 201
    key = (await api("POST", "access-keys", {"description": "app"})).json
    assert key["secret_access_key"]
    listed = (await api("GET", "access-keys")).json["items"]
    assert [k["access_key_id"] for k in listed] == [key["access_key_id"]]
    assert "secret_access_key" not in listed[0]
    base = f"http://127.0.0.1:{jp_http_port}{jp_base_url}"
    client = runtime(base, key["access_key_id"], key["secret_access_key"])
    try:
        await wait_status(api, "rt", "InService")

        def calls() -> dict[str, Any]:
            out: dict[str, Any] = {}
            r = client.invoke_endpoint(
                EndpointName="rt",
                ContentType="text/csv",
                Accept="application/json",
                Body=b"1,1,1",
                CustomAttributes="trace=1",
            )
            out["ok"] = (
                json.loads(r["Body"].read()),
                r["InvokedProductionVariant"],
                r["ContentType"],
            )
            for name, kwargs in {
                "missing": {"EndpointName": "nope", "Body": b"1"},
                "bad_csv": {"EndpointName": "rt", "ContentType": "text/csv", "Body": b"1,a"},
                "model": {"EndpointName": "rt", "ContentType": "text/csv", "Body": b"666,1,1"},
            }.items():
                try:
                    client.invoke_endpoint(**kwargs)
                except botocore.exceptions.ClientError as err:
                    out[name] = err.response
            for name, c in {
                "wrong_secret": runtime(base, key["access_key_id"], "x" * 40),
                "unknown_key": runtime(base, "SMSKNOPE", "x" * 40),
            }.items():
                try:
                    c.invoke_endpoint(EndpointName="rt", ContentType="text/csv", Body=b"1,1,1")
                except botocore.exceptions.ClientError as err:
                    out[name] = err.response
            return out

        out = await asyncio.to_thread(calls)
        assert out["ok"] == ([6.0], "AllTraffic", "application/json")
        assert out["missing"]["Error"]["Code"] == "ValidationError"
        assert "Endpoint nope" in out["missing"]["Error"]["Message"]
        assert out["bad_csv"]["Error"]["Code"] == "ValidationError"
        assert "not a number" in out["bad_csv"]["Error"]["Message"]
        assert out["model"]["Error"]["Code"] == "ModelError"
        assert out["model"]["ResponseMetadata"]["HTTPStatusCode"] == 424
        assert out["model"]["OriginalStatusCode"] == 500
        assert "beast" in out["model"]["OriginalMessage"]
        assert out["wrong_secret"]["Error"]["Code"] == "InvalidSignatureException"
        assert out["unknown_key"]["Error"]["Code"] == "UnrecognizedClientException"
        # bob's key does not reach alice's endpoint
        bob = (await api("POST", "access-keys", {}, user="bob")).json
        bob_client = runtime(base, bob["access_key_id"], bob["secret_access_key"])
        with pytest.raises(botocore.exceptions.ClientError, match="ValidationError"):
            await asyncio.to_thread(
                bob_client.invoke_endpoint, EndpointName="rt", ContentType="text/csv", Body=b"1,1,1"
            )
        # a deleted key stops working
        assert (await api("DELETE", f"access-keys/{key['access_key_id']}")).status == 204
        with pytest.raises(botocore.exceptions.ClientError, match="UnrecognizedClient"):
            await asyncio.to_thread(
                client.invoke_endpoint, EndpointName="rt", ContentType="text/csv", Body=b"1,1,1"
            )
        secrets_at_rest = (tmp_path / "smstudio" / "smstudio.db").read_bytes()
        assert bob["secret_access_key"].encode() not in secrets_at_rest
    finally:
        stop_all_instances(tmp_path / "smstudio")
