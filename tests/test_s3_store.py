"""The server-side store API jobs use: s3:// channels in, model.tar.gz and outputs out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from jupyter_smstudio.errors import AccessDenied, InvalidInput
from jupyter_smstudio.s3.service import NoSuchBucket, S3Service, default_bucket

pytestmark = pytest.mark.slow


@pytest.fixture
def s3(jp_serverapp: Any) -> S3Service:
    return jp_serverapp.web_app.settings["smstudio_services"].s3  # type: ignore[no-any-return]


async def test_channels_download_and_outputs_upload_per_owner(
    s3: S3Service, tmp_path: Path
) -> None:
    bucket = await s3.ensure_default_bucket("alice")
    assert bucket == default_bucket("alice", "us-east-1")
    data = tmp_path / "dataset"
    (data / "sub").mkdir(parents=True)
    (data / "train.csv").write_bytes(b"1,2\n" * 1000)
    (data / "sub" / "more.csv").write_bytes(b"3,4\n")
    keys = await s3.upload_dir("alice", data, f"s3://{bucket}/datasets/train")
    assert keys == ["datasets/train/sub/more.csv", "datasets/train/train.csv"]

    channel = tmp_path / "opt" / "ml" / "input" / "data" / "train"
    written = await s3.download_prefix("alice", f"s3://{bucket}/datasets/train", channel)
    assert sorted(p.relative_to(channel).as_posix() for p in written) == [
        "sub/more.csv",
        "train.csv",
    ]
    assert (channel / "train.csv").read_bytes() == (data / "train.csv").read_bytes()
    one = await s3.download_prefix(
        "alice", f"s3://{bucket}/datasets/train/train.csv", tmp_path / "one"
    )
    assert [p.name for p in one] == ["train.csv"]

    model = tmp_path / "model.tar.gz"
    model.write_bytes(b"\x1f\x8b" + b"0" * 4096)
    await s3.upload_file("alice", model, f"s3://{bucket}/jobs/j1/output/model.tar.gz")
    objects, _ = await s3.list_objects("alice", bucket, "jobs/")
    assert [(o.key, o.size) for o in objects] == [("jobs/j1/output/model.tar.gz", 4098)]

    # bob may use none of it; names and bad URIs are refused naming the field
    with pytest.raises(AccessDenied):
        await s3.download_prefix("bob", f"s3://{bucket}/datasets/train", tmp_path / "bob")
    with pytest.raises(AccessDenied):
        await s3.upload_file("bob", model, f"s3://{bucket}/x")
    assert not (tmp_path / "bob").exists()
    with pytest.raises(NoSuchBucket):
        await s3.download_prefix("alice", "s3://no-such-bucket/x", tmp_path / "none")
    with pytest.raises(InvalidInput) as caught:
        await s3.download_prefix("alice", "/local/path", tmp_path / "none")
    assert caught.value.field == "s3_uri"
    # bob's own default bucket is created on his first use
    assert await s3.ensure_default_bucket("bob") != bucket
    assert [b.name for b in await s3.list_buckets("bob")] == [default_bucket("bob", "us-east-1")]
