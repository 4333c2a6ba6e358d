"""boto3 clients for the S3 gateway, with a user's own access key."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config

from .conftest import ApiCall


def s3_client(base: str, key: str, secret: str, **config: Any) -> Any:
    """``boto3.client("s3")`` on ``<base>smstudio/s3`` (path-style, as documented)."""
    return boto3.client(
        "s3",
        endpoint_url=base + "smstudio/s3",
        region_name="us-east-1",
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}, **config),
    )


async def user_client(api: ApiCall, base: str, user: str = "alice") -> Any:
    """A new access key of ``user`` (through the REST API) and an S3 client on it."""
    reply = await api("POST", "access-keys", {"description": "s3"}, user=user)
    assert reply.status == 201, reply.json
    return s3_client(base, reply.json["access_key_id"], reply.json["secret_access_key"])


def code_of(err: Exception) -> str:
    """The AWS error code botocore parsed from a ClientError."""
    return str(err.response["Error"]["Code"])  # type: ignore[attr-defined]
