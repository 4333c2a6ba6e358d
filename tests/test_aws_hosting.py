"""boto3: train, then CreateModel → CreateEndpointConfig → CreateEndpoint → invoke → delete.

The model comes from a training job's ``S3ModelArtifacts``, which the server maps
back to the job's ``model.tar.gz`` (no object store needed).
"""

from __future__ import annotations

import json
import textwrap

import pytest

from .aws_helpers import ACCOUNT, REGION, AwsServer, aws, raw_answers, unknown_members
from .hosting_models import INFERENCE, model_archive
from .test_aws_training import error_of, request, wait_done

pytestmark = pytest.mark.slow
__all__ = ["aws"]

TRAIN_A_MODEL = f"""
import os
import numpy as np
model_dir = os.environ["SM_MODEL_DIR"]
np.save(os.path.join(model_dir, "weights.npy"), np.array([1.0, 2.0, 3.0], dtype=np.float32))
os.makedirs(os.path.join(model_dir, "code"))
with open(os.path.join(model_dir, "code", "inference.py"), "w") as f:
    f.write({INFERENCE!r})
"""


def test_a_trained_model_is_deployed_invoked_and_deleted(aws: AwsServer) -> None:
    code = aws.root / "trainer"
    code.mkdir(exist_ok=True)
    (code / "train.py").write_text(textwrap.dedent(TRAIN_A_MODEL))
    sm = aws.client("sagemaker")
    answers = raw_answers(sm)
    body = request(aws, "to-deploy")
    body["HyperParameters"]["sagemaker_submit_directory"] = json.dumps(str(code))
    sm.create_training_job(**body)
    artifacts = wait_done(sm, "to-deploy")["ModelArtifacts"]["S3ModelArtifacts"]
    image = body["AlgorithmSpecification"]["TrainingImage"]
    arn = sm.create_model(
        ModelName="trained",
        PrimaryContainer={"Image": image, "ModelDataUrl": artifacts},
        ExecutionRoleArn=f"arn:aws:iam::{ACCOUNT}:role/SageMakerRole",
    )["ModelArn"]
    assert arn == f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model/trained"
    assert sm.describe_model(ModelName="trained")["PrimaryContainer"]["ModelDataUrl"] == artifacts
    sm.create_endpoint_config(
        EndpointConfigName="trained-config",
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": "trained",
                "InitialInstanceCount": 1,
                "InstanceType": "ml.m5.large",
            }
        ],
    )
    sm.create_endpoint(EndpointName="trained-ep", EndpointConfigName="trained-config")
    sm.get_waiter("endpoint_in_service").wait(
        EndpointName="trained-ep", WaiterConfig={"Delay": 1, "MaxAttempts": 120}
    )
    endpoint = sm.describe_endpoint(EndpointName="trained-ep")
    assert endpoint["EndpointStatus"] == "InService"
    assert endpoint["ProductionVariants"][0]["CurrentInstanceCount"] == 1
    runtime = aws.client("sagemaker-runtime", endpoint_url=aws.server.url + "smstudio/runtime")
    answer = runtime.invoke_endpoint(
        EndpointName="trained-ep", Body=b"1,1,1\n2,0,0\n", ContentType="text/csv"
    )
    assert json.loads(answer["Body"].read()) == [6.0, 2.0]
    logs, group = aws.client("logs"), "/aws/sagemaker/Endpoints/trained-ep"
    (stream,) = logs.describe_log_streams(logGroupName=group)["logStreams"]
    assert stream["logStreamName"].startswith("AllTraffic/")
    events = logs.get_log_events(
        logGroupName=group, logStreamName=stream["logStreamName"], startFromHead=True
    )["events"]
    assert events
    assert (
        error_of(aws.client("logs", "bob").describe_log_streams, logGroupName=group)["Error"][
            "Code"
        ]
        == "ResourceNotFoundException"
    )
    assert [e["EndpointName"] for e in sm.list_endpoints()["Endpoints"]] == ["trained-ep"]
    assert [m["ModelName"] for m in sm.list_models()["Models"]] == ["trained"]
    bob = aws.client("sagemaker", "bob")
    missing = error_of(bob.describe_endpoint, EndpointName="trained-ep")["Error"]
    assert missing == {
        "Code": "ValidationException",
        "Message": f'Could not find endpoint "arn:aws:sagemaker:{REGION}:{ACCOUNT}:'
        'endpoint/trained-ep".',
    }
    assert bob.list_models()["Models"] == []
    sm.delete_endpoint(EndpointName="trained-ep")
    sm.get_waiter("endpoint_deleted").wait(
        EndpointName="trained-ep", WaiterConfig={"Delay": 1, "MaxAttempts": 60}
    )
    sm.delete_endpoint_config(EndpointConfigName="trained-config")
    sm.delete_model(ModelName="trained")
    assert error_of(sm.describe_model, ModelName="trained")["Error"]["Code"] == (
        "ValidationException"
    )
    for operation, answer_body in answers:
        assert unknown_members("sagemaker", operation, answer_body) == []


def test_a_transform_job_is_followed_and_refused_the_aws_way(aws: AwsServer) -> None:
    model_archive(aws.root / "tmodel" / "model.tar.gz")
    (aws.root / "tdata").mkdir(exist_ok=True)
    (aws.root / "tdata" / "in.csv").write_text("1,0,0\n0,1,0\n")
    made = aws.rest(
        "POST", "models", json={"name": "rest-model", "model_data": "tmodel/model.tar.gz"}
    )
    assert made.status_code == 201, made.text
    job = {
        "name": "rest-transform",
        "model_name": "rest-model",
        "transform_input": {"data_source": "tdata", "split_type": "Line"},
        "transform_output": {"output_path": "tout", "assemble_with": "Line"},
        "batch_strategy": "MultiRecord",
    }
    assert aws.rest("POST", "transform-jobs", json=job).status_code == 201
    sm = aws.client("sagemaker")
    answers = raw_answers(sm)
    sm.get_waiter("transform_job_completed_or_stopped").wait(
        TransformJobName="rest-transform", WaiterConfig={"Delay": 1, "MaxAttempts": 120}
    )
    described = sm.describe_transform_job(TransformJobName="rest-transform")
    assert described["TransformJobStatus"] == "Completed", described.get("FailureReason")
    assert described["ModelName"] == "rest-model"
    assert described["TransformJobArn"].endswith(":transform-job/rest-transform")
    listed = sm.list_transform_jobs(NameContains="rest-")["TransformJobSummaries"]
    assert [j["TransformJobName"] for j in listed] == ["rest-transform"]
    refused = error_of(
        sm.create_transform_job,
        TransformJobName="from-s3",
        ModelName="rest-model",
        TransformInput={"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix",
                                                        "S3Uri": "s3://no-store/in"}}},
        TransformOutput={"S3OutputPath": "s3://no-store/out"},
        TransformResources={"InstanceType": "ml.m5.large", "InstanceCount": 1},
    )["Error"]  # fmt: skip
    assert refused["Code"] == "ValidationException"
    assert refused["Message"].startswith("transformInput.dataSource.s3DataSource.s3Uri"), refused
    bob = aws.client("sagemaker", "bob")
    assert (
        error_of(bob.describe_transform_job, TransformJobName="rest-transform")["Error"]["Code"]
        == "ValidationException"
    )
    for operation, answer in answers:
        assert unknown_members("sagemaker", operation, answer) == []
