"""The official SageMaker SDK's uploads (``aws:kms``, its default bucket) through the gateway."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import boto3
import botocore.exceptions
import pytest

from jupyter_smstudio.s3.service import default_bucket

from .conftest import ApiCall
from .s3_helpers import code_of, s3_client, user_client

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("jp_serverapp")]


@pytest.fixture
def jp_base_url() -> str:
    return "/"  # botocore re-quotes an endpoint path ('%40' -> '%2540')


def engine_client(data_dir: Path) -> Any:
    """boto3 on the embedded engine itself, with its admin key (what the gateway fronts)."""
    admin = json.loads((data_dir / "s3" / "admin.json").read_text())
    port = json.loads((data_dir / "s3" / "engine.json").read_text())["ports"]["s3.port"]
    return s3_client(
        f"http://127.0.0.1:{port}/", admin["access_key_id"], admin["secret_access_key"]
    )


async def test_the_sdk_uploads_source_with_kms_to_its_default_bucket(
    api: ApiCall, jp_http_port: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sagemaker
    from sagemaker.fw_utils import tar_and_upload_dir

    key = (await api("POST", "access-keys", {"description": "sdk"})).json
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", f"http://127.0.0.1:{jp_http_port}/smstudio/s3")
    bucket = default_bucket("alice", "us-east-1")
    # each user's environment names their own default bucket: the SDK reads it from there
    configs, paths = {}, {}
    for user in ("alice", "bob"):
        env = (await api("POST", "environment", {}, user=user)).json
        paths[user] = env["SAGEMAKER_USER_CONFIG_OVERRIDE"]
        config = json.loads(Path(paths[user]).read_text())
        configs[user] = config["SageMaker"]["PythonSDK"]["Modules"]["Session"]["DefaultS3Bucket"]
    assert configs == {"alice": bucket, "bob": default_bucket("bob", "us-east-1")}
    monkeypatch.setenv("SAGEMAKER_USER_CONFIG_OVERRIDE", paths["alice"])
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "train.py").write_text("print('hi')\n")
    (tmp_path / "data.csv").write_text("1,2\n")

    def calls() -> dict[str, Any]:
        boto = boto3.Session(
            aws_access_key_id=key["access_key_id"],
            aws_secret_access_key=key["secret_access_key"],
            region_name="us-east-1",
        )
        session = sagemaker.Session(boto_session=boto)  # the bucket from alice's config
        out: dict[str, Any] = {"default": session.default_bucket()}
        out["data"] = session.upload_data(str(tmp_path / "data.csv"), key_prefix="train")
        # what Estimator.fit() does with the source dir: ServerSideEncryption aws:kms, no key id
        out["source"] = tar_and_upload_dir(
            boto, bucket, "job/source", "train.py", directory=str(tmp_path / "src")
        ).s3_prefix
        s3 = boto.client("s3")
        s3.put_object(Bucket=bucket, Key="raw", Body=b"x", ServerSideEncryption="aws:kms")
        out["listed"] = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"])
        out["read"] = session.read_s3_file(bucket, "train/data.csv")
        return out

    out = await asyncio.to_thread(calls)
    assert out["default"] == bucket
    assert out["data"] == f"s3://{bucket}/train/data.csv"
    assert out["source"] == f"s3://{bucket}/job/source/sourcedir.tar.gz"
    assert out["listed"] == ["job/source/sourcedir.tar.gz", "raw", "train/data.csv"]
    assert out["read"] == "1,2\n"
    # bob's account (and so his default bucket) differs; he cannot squat alice's name
    assert default_bucket("bob", "us-east-1") != bucket
    bob = (await api("POST", "access-keys", {"description": "sdk"}, user="bob")).json
    bob_s3 = s3_client(
        f"http://127.0.0.1:{jp_http_port}/", bob["access_key_id"], bob["secret_access_key"]
    )
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        await asyncio.to_thread(bob_s3.create_bucket, Bucket=default_bucket("carol", "us-east-1"))
    assert code_of(caught.value) == "BucketAlreadyExists"


async def test_the_engine_alone_refuses_kms_uploads(
    api: ApiCall, jp_http_port: int, tmp_path: Path
) -> None:
    """Why the gateway strips the header: SeaweedFS without a KMS says no."""
    ours = await user_client(api, f"http://127.0.0.1:{jp_http_port}/")

    def calls() -> str:
        ours.create_bucket(Bucket="direct")  # through the gateway: the engine is up
        ours.put_object(Bucket="direct", Key="k", Body=b"x", ServerSideEncryption="aws:kms")
        engine = engine_client(tmp_path / "smstudio")
        with pytest.raises(botocore.exceptions.ClientError) as caught:
            engine.put_object(Bucket="direct", Key="k", Body=b"x", ServerSideEncryption="aws:kms")
        return code_of(caught.value)

    # SeaweedFS 4.x answers InternalError ("key ID must be non-empty" in its log)
    assert await asyncio.to_thread(calls) in (
        "InternalError",
        "InvalidArgument",
        "KMS.NotFoundException",
    )
