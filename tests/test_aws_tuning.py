"""boto3 and the official SDK against a real server: hyperparameter tuning jobs.

A tuning job created with boto3 is the tuning service's (one store): its trials are
real training jobs created from ``TrainingJobDefinition`` by CreateTrainingJob's own
mapping. Every answer is checked against botocore's output shape; another user
sees none of it (ResourceNotFound).
"""

from __future__ import annotations

import json
import textwrap
from typing import Any

import boto3
import pytest

from .aws_helpers import ACCOUNT, REGION, AwsServer, aws, raw_answers, unknown_members
from .test_aws_training import FRAMEWORK_IMAGE, error_of
from .waiting import wait_until

pytestmark = pytest.mark.slow
__all__ = ["aws"]

FINAL = {"Completed", "Failed", "Stopped"}
#: loss = (shift - 2)^2 + (0 for opt b, 1 for a); "wait" sleeps until stopped.
TUNE = """
import argparse, time
parser = argparse.ArgumentParser()
parser.add_argument("--shift", type=float, default=0.0)
parser.add_argument("--opt", default="a")
parser.add_argument("--count", type=int, default=1)
parser.add_argument("--wait", default="no")
args, _ = parser.parse_known_args()
if args.wait == "yes":
    while True:
        time.sleep(0.2)
print(f"loss={(args.shift - 2) ** 2 + (0 if args.opt == 'b' else 1):.6f}", flush=True)
"""


def code_dir(aws: AwsServer) -> str:
    code = aws.root / "tune"
    code.mkdir(exist_ok=True)
    (code / "tune.py").write_text(textwrap.dedent(TUNE))
    return str(code)


def tuning_request(aws: AwsServer, name: str, **config: Any) -> dict[str, Any]:
    """A CreateHyperParameterTuningJob as the SageMaker SDK sends it."""
    static = {
        "wait": json.dumps(config.pop("wait", "no")),
        "sagemaker_program": json.dumps("tune.py"),
        "sagemaker_submit_directory": json.dumps(code_dir(aws)),
    }
    return {
        "HyperParameterTuningJobName": name,
        "HyperParameterTuningJobConfig": {
            "Strategy": "Random",
            "HyperParameterTuningJobObjective": {"Type": "Minimize", "MetricName": "loss"},
            "ResourceLimits": {"MaxNumberOfTrainingJobs": 3, "MaxParallelTrainingJobs": 2},
            "ParameterRanges": {
                "ContinuousParameterRanges": [
                    {"Name": "shift", "MinValue": "-3", "MaxValue": "5", "ScalingType": "Linear"}
                ],
                "IntegerParameterRanges": [{"Name": "count", "MinValue": "1", "MaxValue": "4"}],
                "CategoricalParameterRanges": [{"Name": "opt", "Values": ["a", "b"]}],
            },
            "TrainingJobEarlyStoppingType": "Off",
            "RandomSeed": 3,
            **config,
        },
        "TrainingJobDefinition": {
            "StaticHyperParameters": static,
            "AlgorithmSpecification": {
                "TrainingImage": FRAMEWORK_IMAGE,
                "TrainingInputMode": "File",
                "MetricDefinitions": [{"Name": "loss", "Regex": r"loss=([0-9.]+)"}],
            },
            "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/SageMakerRole",
            "OutputDataConfig": {"S3OutputPath": f"s3://sagemaker-{REGION}-{ACCOUNT}/tuning"},
            "ResourceConfig": {
                "InstanceType": "ml.m5.large",
                "InstanceCount": 1,
                "VolumeSizeInGB": 5,
            },
            "StoppingCondition": {"MaxRuntimeInSeconds": 600},
        },
    }


def wait_tuning(sm: Any, name: str, statuses: set[str] = FINAL) -> dict[str, Any]:
    """botocore has no tuning waiter: poll Describe as the SDK's ``wait()`` does."""

    def reached() -> dict[str, Any] | None:
        job = sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=name)
        return job if job["HyperParameterTuningJobStatus"] in statuses else None

    return wait_until(reached, 240, f"tuning job {name}")  # type: ignore[no-any-return]


def code(response: dict[str, Any]) -> str:
    return str(response["Error"]["Code"])


def test_a_tuning_job_runs_training_jobs_and_the_sdk_reads_it(aws: AwsServer) -> None:
    sm = aws.client("sagemaker")
    answers = raw_answers(sm)
    body = tuning_request(aws, "boto-tune")
    body["Tags"] = [{"Key": "project", "Value": "tuning"}]
    arn = sm.create_hyper_parameter_tuning_job(**body)["HyperParameterTuningJobArn"]
    assert arn == f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:hyper-parameter-tuning-job/boto-tune"
    job = wait_tuning(sm, "boto-tune")
    assert job["HyperParameterTuningJobStatus"] == "Completed", job.get("FailureReason")
    assert job["TrainingJobStatusCounters"] == {
        "Completed": 3, "InProgress": 0, "RetryableError": 0, "NonRetryableError": 0, "Stopped": 0,
    }  # fmt: skip
    assert job["ObjectiveStatusCounters"] == {"Succeeded": 3, "Pending": 0, "Failed": 0}
    assert job["HyperParameterTuningJobConfig"] == body["HyperParameterTuningJobConfig"]
    definition = job["TrainingJobDefinition"]
    assert definition["StaticHyperParameters"].pop("_tuning_objective_metric") == "loss"
    assert definition == body["TrainingJobDefinition"]
    assert "HyperParameterTuningEndTime" in job
    assert "NumberOfTrainingJobsObjectiveNotImproving" in job["TuningJobCompletionDetails"]

    # The trials, paged by botocore's paginator; the best is the least loss.
    pages = sm.get_paginator("list_training_jobs_for_hyper_parameter_tuning_job").paginate(
        HyperParameterTuningJobName="boto-tune", PaginationConfig={"PageSize": 1}
    )
    trials = [t for page in pages for t in page["TrainingJobSummaries"]]
    assert len(trials) == 3
    assert {t["TuningJobName"] for t in trials} == {"boto-tune"}
    for t in trials:
        tuned = t["TunedHyperParameters"]
        x, opt = float(tuned["shift"]), tuned["opt"]
        assert -3 <= x <= 5
        assert 1 <= int(tuned["count"]) <= 4
        assert opt in ("a", "b")
        value = t["FinalHyperParameterTuningJobObjectiveMetric"]["Value"]
        assert value == pytest.approx((x - 2) ** 2 + (0 if opt == "b" else 1), abs=1e-4)
        assert t["ObjectiveStatus"] == "Succeeded"
        assert t["TrainingJobArn"].endswith(f":training-job/{t['TrainingJobName']}")
    best = min(trials, key=lambda t: t["FinalHyperParameterTuningJobObjectiveMetric"]["Value"])
    assert job["BestTrainingJob"]["TrainingJobName"] == best["TrainingJobName"]
    by_objective = sm.list_training_jobs_for_hyper_parameter_tuning_job(
        HyperParameterTuningJobName="boto-tune", SortBy="FinalObjectiveMetricValue"
    )["TrainingJobSummaries"]
    assert by_objective[0]["TrainingJobName"] == best["TrainingJobName"]
    # Each trial is a training job like any other (DescribeTrainingJob, the REST API).
    trial = sm.describe_training_job(TrainingJobName=best["TrainingJobName"])
    assert trial["TrainingJobStatus"] == "Completed"
    assert json.loads(trial["HyperParameters"]["opt"]) == best["TunedHyperParameters"]["opt"]
    assert aws.rest("GET", "tuning-jobs/boto-tune").json()["status"] == "Completed"

    listed = sm.get_paginator("list_hyper_parameter_tuning_jobs").paginate(
        PaginationConfig={"PageSize": 1}
    )
    summaries = [s for page in listed for s in page["HyperParameterTuningJobSummaries"]]
    mine = next(s for s in summaries if s["HyperParameterTuningJobName"] == "boto-tune")
    assert mine["Strategy"] == "Random"
    assert mine["TrainingJobStatusCounters"]["Completed"] == 3
    assert sm.list_tags(ResourceArn=arn)["Tags"] == body["Tags"]

    done = error_of(sm.stop_hyper_parameter_tuning_job, HyperParameterTuningJobName="boto-tune")
    assert code(done) == "ValidationException"

    # Another user: it does not exist for them.
    bob = aws.client("sagemaker", "bob")
    for call in (
        bob.describe_hyper_parameter_tuning_job,
        bob.stop_hyper_parameter_tuning_job,
        bob.list_training_jobs_for_hyper_parameter_tuning_job,
    ):
        assert code(error_of(call, HyperParameterTuningJobName="boto-tune")) == "ResourceNotFound"
    assert bob.list_hyper_parameter_tuning_jobs()["HyperParameterTuningJobSummaries"] == []
    for operation, answer in answers:
        assert unknown_members("sagemaker", operation, answer) == [], operation

    # The official SDK reads the same tuning job.
    import sagemaker

    key = aws.keys["alice"]
    session = sagemaker.Session(
        boto3.Session(
            aws_access_key_id=key["access_key_id"],
            aws_secret_access_key=key["secret_access_key"],
            region_name=REGION,
        ),
        sagemaker_client=sm,
    )
    tuner = sagemaker.tuner.HyperparameterTuner.attach("boto-tune", sagemaker_session=session)
    assert tuner.describe()["HyperParameterTuningJobStatus"] == "Completed"
    assert tuner.best_training_job() == best["TrainingJobName"]
    frame = tuner.analytics().dataframe()
    assert sorted(frame["TrainingJobName"]) == sorted(t["TrainingJobName"] for t in trials)
    assert frame["FinalObjectiveValue"].min() == pytest.approx(
        best["FinalHyperParameterTuningJobObjectiveMetric"]["Value"]
    )


def test_stopping_a_tuning_job_stops_its_trials(aws: AwsServer) -> None:
    sm = aws.client("sagemaker")
    body = tuning_request(
        aws, "boto-stop", wait="yes", ResourceLimits={"MaxNumberOfTrainingJobs": 4,
                                                      "MaxParallelTrainingJobs": 1},
    )  # fmt: skip
    sm.create_hyper_parameter_tuning_job(**body)

    def running() -> bool:
        trials = sm.list_training_jobs_for_hyper_parameter_tuning_job(
            HyperParameterTuningJobName="boto-stop"
        )["TrainingJobSummaries"]
        return bool(trials) and trials[0]["TrainingJobStatus"] == "InProgress"

    wait_until(running, 120, "the first trial to run")
    sm.stop_hyper_parameter_tuning_job(HyperParameterTuningJobName="boto-stop")
    job = wait_tuning(sm, "boto-stop", {"Stopped"})
    assert job["TrainingJobStatusCounters"]["Stopped"] == 1
    assert job["TrainingJobStatusCounters"]["InProgress"] == 0
    assert "BestTrainingJob" not in job


def test_bad_tuning_requests_answer_aws_errors_and_create_nothing(aws: AwsServer) -> None:
    sm = aws.client("sagemaker")

    def refused(name: str, **config: Any) -> dict[str, Any]:
        body = tuning_request(aws, name, **config)
        answer = error_of(sm.create_hyper_parameter_tuning_job, **body)
        assert aws.rest("GET", f"tuning-jobs/{name}").status_code == 404  # nothing created
        return answer

    swapped = refused(
        "bad-range",
        ParameterRanges={
            "ContinuousParameterRanges": [{"Name": "x", "MinValue": "5", "MaxValue": "1"}]
        },
    )
    assert code(swapped) == "ValidationException"
    assert "hyperParameterTuningJobConfig.parameterRanges" in swapped["Error"]["Message"]
    no_metric = refused(
        "bad-metric",
        HyperParameterTuningJobObjective={"Type": "Minimize", "MetricName": "accuracy"},
    )
    assert code(no_metric) == "ValidationException"
    assert "accuracy" in no_metric["Error"]["Message"]
    not_integer = refused(
        "bad-integer",
        ParameterRanges={
            "IntegerParameterRanges": [{"Name": "count", "MinValue": "1.5", "MaxValue": "4"}]
        },
    )
    assert code(not_integer) == "ValidationException"
    assert "parameterRanges.integerParameterRanges.0.minValue" in not_integer["Error"]["Message"]
    bad_name = error_of(
        sm.create_hyper_parameter_tuning_job, **tuning_request(aws, "x" * 33)
    )  # the model's own limit: 32
    assert code(bad_name) == "ValidationException"
    assert "hyperParameterTuningJobName" in bad_name["Error"]["Message"]

    too_many = tuning_request(aws, "bad-count")
    too_many["TrainingJobDefinition"]["ResourceConfig"]["InstanceCount"] = 1000
    answer = error_of(sm.create_hyper_parameter_tuning_job, **too_many)
    assert code(answer) == "ResourceLimitExceeded"
    retry = tuning_request(aws, "bad-retry")
    retry["TrainingJobDefinition"]["RetryStrategy"] = {"MaximumRetryAttempts": 31}
    answer = error_of(sm.create_hyper_parameter_tuning_job, **retry)
    assert code(answer) == "ValidationException"
    assert "maximumRetryAttempts" in answer["Error"]["Message"]

    missing = error_of(sm.describe_hyper_parameter_tuning_job, HyperParameterTuningJobName="nope")
    assert code(missing) == "ResourceNotFound"
    assert code(error_of(sm.list_hyper_parameter_tuning_jobs, NextToken="garbage")) == (
        "ValidationException"
    )
    # A name already taken (by the job of the first test, or made here).
    taken = tuning_request(aws, "taken", ResourceLimits={"MaxNumberOfTrainingJobs": 1,
                                                         "MaxParallelTrainingJobs": 1})  # fmt: skip
    taken["TrainingJobDefinition"]["RetryStrategy"] = {"MaximumRetryAttempts": 2}
    sm.create_hyper_parameter_tuning_job(**taken)
    described = sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName="taken")
    assert described["TrainingJobDefinition"]["RetryStrategy"] == {"MaximumRetryAttempts": 2}
    assert (
        aws.rest("GET", "tuning-jobs/taken").json()["training_job_definition"]["max_retry_attempts"]
        == 2
    )
    again = error_of(sm.create_hyper_parameter_tuning_job, **tuning_request(aws, "taken"))
    assert code(again) == "ResourceInUse"
    wait_tuning(sm, "taken")


def test_a_warm_start_seeds_the_search_with_its_parents_trials(aws: AwsServer) -> None:
    sm = aws.client("sagemaker")
    answers = raw_answers(sm)
    two = {"MaxNumberOfTrainingJobs": 2, "MaxParallelTrainingJobs": 2}
    sm.create_hyper_parameter_tuning_job(**tuning_request(aws, "warm-parent", ResourceLimits=two))

    def warm(name: str, kind: str, parent: str = "warm-parent", **changes: Any) -> dict[str, Any]:
        body = tuning_request(aws, name, ResourceLimits=two, **changes)
        body["WarmStartConfig"] = {
            "ParentHyperParameterTuningJobs": [{"HyperParameterTuningJobName": parent}],
            "WarmStartType": kind,
        }
        return body

    running = error_of(
        sm.create_hyper_parameter_tuning_job, **warm("warm-early", "IdenticalDataAndAlgorithm")
    )
    assert code(running) == "ValidationException"
    assert "must have ended" in running["Error"]["Message"]
    parent = wait_tuning(sm, "warm-parent")
    assert parent["HyperParameterTuningJobStatus"] == "Completed"

    child = warm("warm-child", "IdenticalDataAndAlgorithm")
    sm.create_hyper_parameter_tuning_job(**child)
    job = wait_tuning(sm, "warm-child")
    assert job["HyperParameterTuningJobStatus"] == "Completed", job.get("FailureReason")
    assert job["WarmStartConfig"] == child["WarmStartConfig"]
    # Its own trials are counted and named from 001; the parents' are not run again.
    assert job["TrainingJobStatusCounters"]["Completed"] == 2
    trials = sm.list_training_jobs_for_hyper_parameter_tuning_job(
        HyperParameterTuningJobName="warm-child"
    )["TrainingJobSummaries"]
    assert sorted(t["TrainingJobName"][:14] for t in trials) == ["warm-child-001", "warm-child-002"]
    values = {
        j["BestTrainingJob"]["TrainingJobName"]: j["BestTrainingJob"][
            "FinalHyperParameterTuningJobObjectiveMetric"
        ]["Value"]
        for j in (parent, job)
    }
    overall = job["OverallBestTrainingJob"]
    assert overall["TrainingJobName"] == min(values, key=lambda k: values[k])

    # What SageMaker refuses of a warm start, and a parent that is not yours.
    other = warm("warm-other", "IdenticalDataAndAlgorithm")
    other["TrainingJobDefinition"]["StaticHyperParameters"]["wait"] = json.dumps("maybe")
    differs = error_of(sm.create_hyper_parameter_tuning_job, **other)
    assert code(differs) == "ValidationException"
    assert "warmStartConfig.parentHyperParameterTuningJobs" in differs["Error"]["Message"]
    assert "TransferLearning" in differs["Error"]["Message"]
    missing = error_of(
        sm.create_hyper_parameter_tuning_job, **warm("warm-none", "TransferLearning", "nope")
    )
    assert code(missing) == "ValidationException"
    bob = aws.client("sagemaker", "bob")
    aws.client("s3", "bob", endpoint_url=aws.server.url + "smstudio/s3").create_bucket(
        Bucket="bobs-tuning"
    )
    bobs = warm("warm-bob", "TransferLearning")
    bobs["TrainingJobDefinition"]["OutputDataConfig"] = {"S3OutputPath": "s3://bobs-tuning/out"}
    theirs = error_of(bob.create_hyper_parameter_tuning_job, **bobs)
    assert code(theirs) == "ValidationException"
    assert "no tuning job named 'warm-parent'" in theirs["Error"]["Message"]
    # TransferLearning takes a parent that trained otherwise.
    other["HyperParameterTuningJobName"] = "warm-transfer"
    other["WarmStartConfig"]["WarmStartType"] = "TransferLearning"
    sm.create_hyper_parameter_tuning_job(**other)
    assert wait_tuning(sm, "warm-transfer")["HyperParameterTuningJobStatus"] == "Completed"
    for operation, answer in answers:
        assert unknown_members("sagemaker", operation, answer) == [], operation


def test_a_tuning_job_made_through_rest_is_described_by_boto3(aws: AwsServer) -> None:
    sm = aws.client("sagemaker")
    answers = raw_answers(sm)
    code_dir(aws)
    body = {
        "name": "rest-tune",
        "config": {
            "strategy": "Random",
            "hyper_parameter_tuning_job_objective": {"type": "Minimize", "metric_name": "loss"},
            "resource_limits": {"max_number_of_training_jobs": 1, "max_parallel_training_jobs": 1},
            "parameter_ranges": {
                "continuous_parameter_ranges": [{"name": "shift", "min_value": 0, "max_value": 1}]
            },
        },
        "training_job_definition": {
            "entry_point": "tune.py",
            "source_dir": "tune",
            "metric_definitions": [{"name": "loss", "regex": r"loss=([0-9.]+)"}],
        },
    }
    reply = aws.rest("POST", "tuning-jobs", json=body)
    assert reply.status_code == 201, reply.text
    job = sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName="rest-tune")
    config = job["HyperParameterTuningJobConfig"]
    assert config["ParameterRanges"]["ContinuousParameterRanges"] == [
        {"Name": "shift", "MinValue": "0.0", "MaxValue": "1.0", "ScalingType": "Auto"}
    ]
    assert config["ResourceLimits"] == {"MaxNumberOfTrainingJobs": 1, "MaxParallelTrainingJobs": 1}
    definition = job["TrainingJobDefinition"]
    assert definition["AlgorithmSpecification"]["MetricDefinitions"] == [
        {"Name": "loss", "Regex": r"loss=([0-9.]+)"}
    ]
    assert json.loads(definition["StaticHyperParameters"]["sagemaker_program"]) == "tune.py"
    done = wait_tuning(sm, "rest-tune")
    assert done["HyperParameterTuningJobStatus"] == "Completed", done.get("FailureReason")
    for operation, answer in answers:
        assert unknown_members("sagemaker", operation, answer) == [], operation
