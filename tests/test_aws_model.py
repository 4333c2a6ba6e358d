"""Requests checked and answers shaped from botocore's model; SigV4 per service (fast)."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any
from urllib.parse import urlsplit

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from jupyter_smstudio.aws import model
from jupyter_smstudio.aws.sigv4 import SignatureError, SignedRequest, verify

ROLE = "arn:aws:iam::123456789012:role/R"


def problems(operation: str, params: dict[str, Any]) -> str:
    op = model.operation("sagemaker", operation)
    assert op is not None
    with pytest.raises(model.ModelViolation) as err:
        model.check(op, params)
    return err.value.message


def minimal(**extra: Any) -> dict[str, Any]:
    return {
        "TrainingJobName": "ok",
        "RoleArn": ROLE,
        "OutputDataConfig": {"S3OutputPath": "s3://b/o"},
        **extra,
    }


def test_required_members_are_named_lower_camel_like_aws() -> None:
    assert problems("CreateTrainingJob", {"TrainingJobName": "ok", "RoleArn": ROLE}) == (
        "1 validation error detected: Value null at 'outputDataConfig' failed to satisfy "
        "constraint: Member must not be null"
    )


def test_every_problem_is_listed_with_its_path() -> None:
    text = problems(
        "CreateTrainingJob",
        minimal(
            TrainingJobName="x" * 64,
            InputDataConfig=[{"ChannelName": "bad name!", "DataSource": {}}],
        ),
    )
    assert text.startswith("3 validation errors detected: ")
    assert "at 'trainingJobName' failed to satisfy constraint: Member must have length " \
        "less than or equal to 63" in text  # fmt: skip
    assert "Value 'bad name!' at 'inputDataConfig.1.member.channelName'" in text


def test_numbers_and_enums_are_checked() -> None:
    text = problems("ListTrainingJobs", {"MaxResults": 101, "SortOrder": "Up"})
    assert "Value '101' at 'maxResults' failed to satisfy constraint: Member must have " \
        "value less than or equal to 100" in text  # fmt: skip
    assert "Member must satisfy enum value set: [Ascending, Descending]" in text


def test_unknown_members_and_wrong_types_are_serialization_errors() -> None:
    op = model.operation("sagemaker", "DescribeTrainingJob")
    assert op is not None
    for params in ({"TrainingJobName": "a", "Extra": 1}, {"TrainingJobName": 5}):
        with pytest.raises(model.ModelViolation) as err:
            model.check(op, params)
        assert err.value.code == "SerializationException"
    assert model.check(op, {"TrainingJobName": "a-1"}) == {"TrainingJobName": "a-1"}


def test_answers_are_shaped_and_unknown_members_refused() -> None:
    op = model.operation("sagemaker", "ListTrainingJobs")
    assert op is not None
    when = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    summary = {
        "TrainingJobName": "a",
        "TrainingJobArn": "arn",
        "CreationTime": when,
        "TrainingJobStatus": "Completed",
        "TrainingEndTime": None,
    }
    shaped = model.shape(op.output_shape, {"TrainingJobSummaries": [summary]})
    assert shaped == {
        "TrainingJobSummaries": [
            {
                "TrainingJobName": "a",
                "TrainingJobArn": "arn",
                "CreationTime": when.timestamp(),
                "TrainingJobStatus": "Completed",
            }
        ]
    }
    with pytest.raises(AssertionError, match="'Bogus' is not in the model"):
        model.shape(op.output_shape, {"TrainingJobSummaries": [{**summary, "Bogus": 1}]})


def signed(service: str) -> SignedRequest:
    request = AWSRequest(
        method="POST",
        url="http://127.0.0.1:8888/base/smstudio/aws/",
        data=b"{}",
        headers={"X-Amz-Target": "Logs_20140328.DescribeLogStreams"},
    )
    SigV4Auth(Credentials("KEY", "SECRET"), service, "eu-west-1").add_auth(request)
    headers = {k.lower(): v for k, v in request.headers.items()}
    headers["host"] = "127.0.0.1:8888"

    def values(name: str) -> list[str]:
        value = headers.get(name.lower())
        return [] if value is None else [value.decode() if isinstance(value, bytes) else value]

    url = urlsplit(request.url)
    return SignedRequest("POST", url.path, url.query, values, b"{}")


async def lookup(key: str) -> tuple[str, str] | None:
    return ("alice", "SECRET") if key == "KEY" else None


def test_signatures_are_checked_for_the_service_they_are_scoped_to() -> None:
    """The path prefix (base URL included) is part of what botocore signs."""
    assert asyncio.run(verify(signed("logs"), lookup, service="logs")) == "alice"
    with pytest.raises(SignatureError) as err:
        asyncio.run(verify(signed("logs"), lookup, service="sagemaker"))
    assert err.value.code == "InvalidSignatureException"
    moved = signed("logs")
    moved = SignedRequest("POST", "/smstudio/aws/", "", moved.headers, b"{}")
    with pytest.raises(SignatureError) as err:
        asyncio.run(verify(moved, lookup, service="logs"))
    assert err.value.code == "InvalidSignatureException"
