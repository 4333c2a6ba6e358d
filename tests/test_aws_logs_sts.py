"""CloudWatch Logs and STS as boto3 and the SageMaker SDK use them; SigV4 refusals.

The SDK finds the Logs endpoint through ``AWS_ENDPOINT_URL_CLOUDWATCH_LOGS`` (the
name botocore derives from the service id "CloudWatch Logs"), which is what the
server gives its kernels.
"""

from __future__ import annotations

import json
import textwrap
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from .aws_helpers import ACCOUNT, REGION, AwsServer, aws, raw_answers, unknown_members
from .test_aws_training import request, wait_done

pytestmark = pytest.mark.slow
__all__ = ["aws"]

GROUP = "/aws/sagemaker/TrainingJobs"
CHATTY = """
for i in range(5):
    print(f"line {i}", flush=True)
print("loss=0.5")
"""


def chatty_job(aws: AwsServer, name: str, user: str = "alice") -> Any:
    code = aws.root / "chatty"
    code.mkdir(exist_ok=True)
    (code / "train.py").write_text(textwrap.dedent(CHATTY))
    sm = aws.client("sagemaker", user)
    body = request(aws, name)
    body["HyperParameters"]["sagemaker_submit_directory"] = json.dumps(str(code))
    sm.create_training_job(**body)
    return wait_done(sm, name)


def code_of(call: Any, **kwargs: Any) -> str:
    with pytest.raises(ClientError) as err:
        call(**kwargs)
    return str(err.value.response["Error"]["Code"])


def test_log_streams_and_events_of_a_training_job(aws: AwsServer) -> None:
    job = chatty_job(aws, "logged")
    logs = aws.client("logs")
    answers = raw_answers(logs)
    streams = logs.describe_log_streams(logGroupName=GROUP, logStreamNamePrefix="logged/")
    (stream,) = streams["logStreams"]
    epoch = int(job["CreationTime"].timestamp())
    assert stream["logStreamName"] == f"logged/algo-1-{epoch}"
    events = logs.get_log_events(
        logGroupName=GROUP, logStreamName=stream["logStreamName"], startFromHead=True
    )
    messages = [e["message"] for e in events["events"]]
    assert [m for m in messages if m.startswith("line ")] == [f"line {i}" for i in range(5)]
    again = logs.get_log_events(
        logGroupName=GROUP,
        logStreamName=stream["logStreamName"],
        startFromHead=True,
        nextToken=events["nextForwardToken"],
    )
    assert again["events"] == []
    assert again["nextForwardToken"] == events["nextForwardToken"]  # the SDK stops here
    found = logs.filter_log_events(
        logGroupName=GROUP, logStreamNamePrefix="logged", filterPattern="loss"
    )
    assert [e["message"] for e in found["events"]] == ["loss=0.5"]
    assert found["events"][0]["logStreamName"] == stream["logStreamName"]
    assert code_of(logs.describe_log_streams, logGroupName="/aws/nothing") == (
        "ResourceNotFoundException"
    )
    assert (
        code_of(logs.get_log_events, logGroupName=GROUP, logStreamName="logged/algo-1-1")
        == "ResourceNotFoundException"
    )
    bob = aws.client("logs", "bob")
    assert (
        bob.describe_log_streams(logGroupName=GROUP, logStreamNamePrefix="logged")["logStreams"]
        == []
    )
    assert (
        code_of(bob.get_log_events, logGroupName=GROUP, logStreamName=stream["logStreamName"])
        == "ResourceNotFoundException"
    )
    for operation, answer in answers:
        assert unknown_members("logs", operation, answer) == []


def test_the_sagemaker_sdk_streams_a_jobs_log(
    aws: AwsServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import sagemaker

    chatty_job(aws, "sdk-logged")
    monkeypatch.setenv("AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", aws.endpoint)
    monkeypatch.setenv("AWS_ENDPOINT_URL_SAGEMAKER", aws.endpoint)
    key = aws.keys["alice"]
    session = sagemaker.Session(
        boto3.Session(
            aws_access_key_id=key["access_key_id"],
            aws_secret_access_key=key["secret_access_key"],
            region_name=REGION,
        )
    )
    described = session.describe_training_job("sdk-logged")
    assert described["TrainingJobStatus"] == "Completed"
    attached = sagemaker.estimator.Estimator.attach("sdk-logged", sagemaker_session=session)
    assert attached.model_data == described["ModelArtifacts"]["S3ModelArtifacts"]
    assert attached.instance_type == "ml.m5.large"
    capsys.readouterr()
    session.logs_for_job("sdk-logged", wait=True, poll=1)
    out = capsys.readouterr().out
    assert "line 4" in out
    assert "loss=0.5" in out


def test_sts_get_caller_identity_names_the_keys_owner(aws: AwsServer) -> None:
    identity = aws.client("sts").get_caller_identity()
    assert identity["Account"] == ACCOUNT
    role = f"arn:aws:sts::{ACCOUNT}:assumed-role/SMStudioExecutionRole"
    assert identity["Arn"] == f"{role}/alice"
    assert identity["UserId"] == aws.keys["alice"]["access_key_id"] + ":alice"
    assert aws.client("sts", "bob").get_caller_identity()["Arn"] == f"{role}/bob"
    wrong = aws.client("sts", aws_secret_access_key="not-the-secret")
    assert code_of(wrong.get_caller_identity) == "SignatureDoesNotMatch"


def test_the_domain_and_each_users_own_profile_name_the_execution_role(aws: AwsServer) -> None:
    sm, bob = aws.client("sagemaker"), aws.client("sagemaker", "bob")
    answers = raw_answers(sm)
    (domain,) = sm.list_domains()["Domains"]
    role = f"arn:aws:iam::{ACCOUNT}:role/SMStudioExecutionRole"
    described = sm.describe_domain(DomainId=domain["DomainId"])
    assert described["DefaultUserSettings"]["ExecutionRole"] == role
    profile = sm.describe_user_profile(DomainId=domain["DomainId"], UserProfileName="alice")
    assert profile["UserSettings"]["ExecutionRole"] == role
    assert [p["UserProfileName"] for p in sm.list_user_profiles()["UserProfiles"]] == ["alice"]
    assert (
        code_of(bob.describe_user_profile, DomainId=domain["DomainId"], UserProfileName="alice")
        == "ResourceNotFound"
    )
    assert code_of(sm.describe_domain, DomainId="d-other") == "ResourceNotFound"
    for operation, answer in answers:
        assert unknown_members("sagemaker", operation, answer) == []


def test_bad_signatures_are_refused_with_aws_codes(aws: AwsServer) -> None:
    wrong = aws.client("sagemaker", aws_secret_access_key="not-the-secret")
    assert code_of(wrong.list_training_jobs) == "InvalidSignatureException"
    unknown = aws.client("sagemaker", aws_access_key_id="SMSKNOSUCHKEY0000000")
    assert code_of(unknown.list_training_jobs) == "UnrecognizedClientException"
    other_service = aws.client("sagemaker")

    def scope_to_logs(request: Any, **_: Any) -> None:
        header = request.headers["Authorization"].decode()
        request.headers["Authorization"] = header.replace("/sagemaker/", "/logs/")

    other_service.meta.events.register("before-send", scope_to_logs)
    assert code_of(other_service.list_training_jobs) == "InvalidSignatureException"
    expired = aws.client("sagemaker")

    def backdate(request: Any, **_: Any) -> None:
        request.headers["X-Amz-Date"] = "20200101T000000Z"

    expired.meta.events.register("before-send", backdate)
    with pytest.raises(ClientError) as err:
        expired.list_training_jobs()
    assert err.value.response["Error"]["Code"] == "InvalidSignatureException"
    assert "Signature expired" in err.value.response["Error"]["Message"]
    key = aws.create_key("alice")
    deleted = aws.client(
        "sagemaker",
        aws_access_key_id=key["access_key_id"],
        aws_secret_access_key=key["secret_access_key"],
    )
    assert deleted.list_training_jobs()["TrainingJobSummaries"] is not None
    assert aws.rest("DELETE", f"access-keys/{key['access_key_id']}").status_code == 204
    assert code_of(deleted.list_training_jobs) == "UnrecognizedClientException"
