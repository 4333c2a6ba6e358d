"""boto3: train, then CreateModel → CreateEndpointConfig → CreateEndpoint → invoke → delete.

The model comes from a training job's ``S3ModelArtifacts``, which the server maps
back to the job's ``model.tar.gz`` (no object store needed).
"""

from __future__ import annotations

import json
import textwrap

import pytest

from .aws_helpers import ACCOUNT, REGION, AwsServer, aws, raw_answers, unknown_members
from .hosting_models import INFERENCE
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
