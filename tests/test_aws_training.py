"""boto3's ``sagemaker`` client against a real server: training jobs, paging, errors.

Every answer is also checked against botocore's output shape (no member the model
lacks), and the REST API and the AWS API are shown to be two views of one store.
"""

from __future__ import annotations

import json
import textwrap
from typing import Any

import pytest
from botocore.exceptions import ClientError

from .aws_helpers import ACCOUNT, REGION, AwsServer, aws, raw_answers, unknown_members
from .waiting import wait_until

pytestmark = pytest.mark.slow
__all__ = ["aws"]

FRAMEWORK_IMAGE = (
    "683313688378.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"
)
TRAIN = """
import os, sys
print("reading", sys.argv[1:])
with open(os.path.join(os.environ["SM_MODEL_DIR"], "model.txt"), "w") as f:
    f.write("weights")
print("loss=0.25")
print("done training")
"""


def write_code(aws: AwsServer) -> str:
    code = aws.root / "code"
    code.mkdir(exist_ok=True)
    (code / "train.py").write_text(textwrap.dedent(TRAIN))
    return f"file://{code}"


def request(aws: AwsServer, name: str, **overrides: Any) -> dict[str, Any]:
    """A CreateTrainingJob as the SageMaker SDK sends it (hyperparameters JSON-encoded)."""
    body: dict[str, Any] = {
        "TrainingJobName": name,
        "AlgorithmSpecification": {
            "TrainingImage": FRAMEWORK_IMAGE,
            "TrainingInputMode": "File",
            "MetricDefinitions": [{"Name": "loss", "Regex": r"loss=([0-9.]+)"}],
        },
        "HyperParameters": {
            "epochs": "3",
            "sagemaker_program": json.dumps("train.py"),
            "sagemaker_submit_directory": json.dumps(write_code(aws)),
        },
        "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/SageMakerRole",
        "OutputDataConfig": {"S3OutputPath": f"s3://sagemaker-{REGION}-{ACCOUNT}/output"},
        "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 5},
        "StoppingCondition": {"MaxRuntimeInSeconds": 600},
    }
    body.update(overrides)
    return body


def wait_done(client: Any, name: str) -> dict[str, Any]:
    waiter = client.get_waiter("training_job_completed_or_stopped")
    waiter.wait(TrainingJobName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 120})
    return client.describe_training_job(TrainingJobName=name)  # type: ignore[no-any-return]


def error_of(call: Any, **kwargs: Any) -> dict[str, Any]:
    with pytest.raises(ClientError) as err:
        call(**kwargs)
    return err.value.response  # type: ignore[no-any-return]


def test_create_wait_describe_completed_with_model_artifacts(aws: AwsServer) -> None:
    sm = aws.client("sagemaker")
    answers = raw_answers(sm)
    arn = sm.create_training_job(**request(aws, "boto-train"))["TrainingJobArn"]
    assert arn == f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:training-job/boto-train"
    job = wait_done(sm, "boto-train")
    assert job["TrainingJobStatus"] == "Completed", job.get("FailureReason")
    assert job["SecondaryStatus"] == "Completed"
    assert job["TrainingJobArn"] == arn
    assert job["ModelArtifacts"]["S3ModelArtifacts"] == (
        f"s3://sagemaker-{REGION}-{ACCOUNT}/output/boto-train/output/model.tar.gz"
    )
    assert job["HyperParameters"]["epochs"] == "3"
    assert job["RoleArn"].endswith(":role/SageMakerRole")
    assert job["ResourceConfig"]["InstanceType"] == "ml.m5.large"
    assert job["CreationTime"] <= job["TrainingStartTime"] <= job["TrainingEndTime"]
    transitions = job["SecondaryStatusTransitions"]
    assert transitions[-1]["Status"] == "Completed"
    assert transitions[-1]["StatusMessage"] == "Training job completed"
    assert "Training" in [t["Status"] for t in transitions]
    assert all("StartTime" in t for t in transitions)
    assert [(m["MetricName"], m["Value"]) for m in job["FinalMetricDataList"]] == [("loss", 0.25)]
    # One store: the REST API sees the job boto3 created, with its packed model.
    rest = aws.rest("GET", "training-jobs/boto-train").json()
    assert rest["status"] == "Completed"
    artifacts = aws.rest("GET", "training-jobs/boto-train/artifacts").json()["items"]
    assert "model.tar.gz" in [a["name"] for a in artifacts]
    assert answers
    for operation, answer in answers:
        assert unknown_members("sagemaker", operation, answer) == []


def test_a_job_created_through_rest_is_listed_and_described_by_boto3(aws: AwsServer) -> None:
    write_code(aws)
    r = aws.rest(
        "POST",
        "training-jobs",
        json={"name": "rest-train", "entry_point": "train.py", "source_dir": "code"},
    )
    assert r.status_code == 201, r.text
    sm = aws.client("sagemaker")
    answers = raw_answers(sm)
    job = wait_done(sm, "rest-train")
    assert job["TrainingJobStatus"] == "Completed"
    assert job["ModelArtifacts"]["S3ModelArtifacts"].endswith("/model.tar.gz")
    names = [
        j["TrainingJobName"]
        for j in sm.list_training_jobs(NameContains="rest-")["TrainingJobSummaries"]
    ]
    assert names == ["rest-train"]
    for operation, answer in answers:
        assert unknown_members("sagemaker", operation, answer) == []


def test_list_training_jobs_pages_with_botocores_paginator(aws: AwsServer) -> None:
    sm = aws.client("sagemaker")
    answers = raw_answers(sm)
    for i in range(3):
        sm.create_training_job(**request(aws, f"page-{i}"))
    pages = sm.get_paginator("list_training_jobs").paginate(
        NameContains="page-", SortBy="Name", SortOrder="Ascending", PaginationConfig={"PageSize": 1}
    )
    per_page = [[s["TrainingJobName"] for s in p["TrainingJobSummaries"]] for p in pages]
    assert per_page == [["page-0"], ["page-1"], ["page-2"]]
    for i in range(3):
        wait_done(sm, f"page-{i}")
    done = sm.list_training_jobs(NameContains="page-", StatusEquals="Completed")
    assert len(done["TrainingJobSummaries"]) == 3
    summary = done["TrainingJobSummaries"][0]
    assert summary["TrainingJobArn"].startswith(f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:")
    assert summary["SecondaryStatus"] == "Completed"
    assert (
        sm.list_training_jobs(NameContains="page-", StatusEquals="Failed")["TrainingJobSummaries"]
        == []
    )
    for operation, answer in answers:
        assert unknown_members("sagemaker", operation, answer) == []


def test_errors_carry_the_codes_botocore_parses(aws: AwsServer) -> None:
    sm = aws.client("sagemaker")
    missing = error_of(sm.describe_training_job, TrainingJobName="no-such-job")
    assert missing["Error"] == {
        "Code": "ValidationException",
        "Message": "Requested resource not found.",
    }
    assert missing["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error_of(sm.stop_training_job, TrainingJobName="no-such-job")["Error"]["Code"] == (
        "ResourceNotFound"
    )
    bad = error_of(sm.create_training_job, **request(aws, "bad_name"))["Error"]
    assert bad["Code"] == "ValidationException"
    assert bad["Message"] == (
        "1 validation error detected: Value 'bad_name' at 'trainingJobName' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: "
        "[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}"
    )
    nested = error_of(
        sm.create_training_job,
        **request(aws, "bad-mode", AlgorithmSpecification={"TrainingInputMode": "Sideways"}),
    )["Error"]
    assert "at 'algorithmSpecification.trainingInputMode'" in nested["Message"]
    assert "Member must satisfy enum value set: [Pipe, File, FastFile]" in nested["Message"]
    too_many = request(aws, "too-many")
    too_many["ResourceConfig"]["InstanceCount"] = 17
    assert error_of(sm.create_training_job, **too_many)["Error"]["Code"] == "ResourceLimitExceeded"
    sm.create_training_job(**request(aws, "twice"))
    again = error_of(sm.create_training_job, **request(aws, "twice"))["Error"]
    assert again["Code"] == "ResourceInUse"
    wait_done(sm, "twice")
    nothing = error_of(
        sm.create_training_job,
        **request(aws, "no-code", HyperParameters={"sagemaker_program": '"absent.py"',
                                                   "sagemaker_submit_directory": '"nowhere"'}),
    )["Error"]  # fmt: skip
    assert nothing["Code"] == "ValidationException"
    assert nothing["Message"].startswith("hyperParameters.sagemaker_submit_directory: ")


def test_a_stopped_job_is_stopped_for_the_waiter(aws: AwsServer) -> None:
    code = aws.root / "slow"
    code.mkdir(exist_ok=True)
    (code / "train.py").write_text("import time\nprint('started', flush=True)\ntime.sleep(600)\n")
    sm = aws.client("sagemaker")
    body = request(aws, "to-stop")
    body["HyperParameters"]["sagemaker_submit_directory"] = json.dumps(str(code))
    sm.create_training_job(**body)
    wait_until(
        lambda: (
            sm.describe_training_job(TrainingJobName="to-stop")["SecondaryStatus"] == "Training"
        ),
        60,
        "to-stop training",
    )
    sm.stop_training_job(TrainingJobName="to-stop")
    job = wait_done(sm, "to-stop")
    assert job["TrainingJobStatus"] == "Stopped"
    assert job["SecondaryStatus"] == "Stopped"


def test_another_user_cannot_describe_list_stop_or_tag_a_job(aws: AwsServer) -> None:
    alice, bob = aws.client("sagemaker"), aws.client("sagemaker", "bob")
    tags = [{"Key": "team", "Value": "ml"}]
    arn = alice.create_training_job(**request(aws, "alices-job", Tags=tags))["TrainingJobArn"]
    assert alice.list_tags(ResourceArn=arn)["Tags"] == tags
    alice.add_tags(ResourceArn=arn, Tags=[{"Key": "stage", "Value": "dev"}])
    alice.delete_tags(ResourceArn=arn, TagKeys=["team"])
    assert alice.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "stage", "Value": "dev"}]
    for call, kwargs in (
        (bob.list_tags, {}),
        (bob.add_tags, {"Tags": tags}),
        (bob.delete_tags, {"TagKeys": ["stage"]}),
    ):
        assert error_of(call, ResourceArn=arn, **kwargs)["Error"]["Code"] == "ValidationException"
    assert (
        error_of(bob.describe_training_job, TrainingJobName="alices-job")["Error"]["Code"]
        == "ValidationException"
    )
    assert error_of(bob.stop_training_job, TrainingJobName="alices-job")["Error"]["Code"] == (
        "ResourceNotFound"
    )
    listed = bob.list_training_jobs(NameContains="alices")["TrainingJobSummaries"]
    assert listed == []
    assert aws.rest("GET", "training-jobs/alices-job", "bob").status_code == 404
    assert wait_done(alice, "alices-job")["TrainingJobStatus"] == "Completed"


def test_processing_jobs_run_through_the_same_operations(aws: AwsServer) -> None:
    sm = aws.client("sagemaker")
    answers = raw_answers(sm)
    arn = sm.create_processing_job(
        ProcessingJobName="boto-process",
        AppSpecification={
            "ImageUri": FRAMEWORK_IMAGE,
            "ContainerEntrypoint": ["python3", "-c", "print('processed')"],
        },
        ProcessingResources={
            "ClusterConfig": {
                "InstanceCount": 1,
                "InstanceType": "ml.m5.large",
                "VolumeSizeInGB": 5,
            }
        },
        ProcessingOutputConfig={
            "Outputs": [
                {
                    "OutputName": "result",
                    "S3Output": {
                        "S3Uri": f"s3://sagemaker-{REGION}-{ACCOUNT}/processed",
                        "LocalPath": "/opt/ml/processing/output/result",
                        "S3UploadMode": "EndOfJob",
                    },
                }
            ]
        },
        RoleArn=f"arn:aws:iam::{ACCOUNT}:role/SageMakerRole",
    )["ProcessingJobArn"]
    assert arn == f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:processing-job/boto-process"
    sm.get_waiter("processing_job_completed_or_stopped").wait(
        ProcessingJobName="boto-process", WaiterConfig={"Delay": 1, "MaxAttempts": 120}
    )
    job = sm.describe_processing_job(ProcessingJobName="boto-process")
    assert job["ProcessingJobStatus"] == "Completed", job.get("FailureReason")
    assert job["ProcessingOutputConfig"]["Outputs"][0]["OutputName"] == "result"
    assert job["ProcessingEndTime"] >= job["ProcessingStartTime"]
    listed = sm.list_processing_jobs(NameContains="boto-process")["ProcessingJobSummaries"]
    assert [j["ProcessingJobStatus"] for j in listed] == ["Completed"]
    assert aws.rest("GET", "processing-jobs/boto-process").json()["status"] == "Completed"
    assert error_of(sm.describe_processing_job, ProcessingJobName="nope")["Error"]["Code"] == (
        "ValidationException"
    )
    bob = aws.client("sagemaker", "bob")
    assert (
        error_of(bob.stop_processing_job, ProcessingJobName="boto-process")["Error"]["Code"]
        == "ResourceNotFound"
    )
    for operation, answer in answers:
        assert unknown_members("sagemaker", operation, answer) == []
