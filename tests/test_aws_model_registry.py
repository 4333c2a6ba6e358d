"""The model registry's two doors on one store: boto3's model packages are MLflow's versions.

A real server (and its real embedded MLflow): a trained model is registered with
boto3, approved through MLflow's side (the REST route the Lab uses, which sets the
version's tags), seen approved by boto3, and deployed from the package's ARN.
"""

from __future__ import annotations

import json
import textwrap
from typing import Any

import pytest
import requests

from .aws_helpers import ACCOUNT, REGION, AwsServer, aws, raw_answers, unknown_members
from .test_aws_hosting import TRAIN_A_MODEL
from .test_aws_training import error_of, request, wait_done

pytestmark = pytest.mark.slow
__all__ = ["aws"]
#: MLflow's first start (database creation) takes 10-50 s on a loaded 2-core machine.
MLFLOW_START = 180


def mlflow_get(aws: AwsServer, path: str, user: str = "alice", **params: Any) -> Any:
    r = requests.get(
        aws.server.url + "smstudio/mlflow/api/2.0/mlflow/" + path,
        headers={"Authorization": f"token {aws.tokens[user]}"},
        params=params,
        timeout=MLFLOW_START,
    )
    assert r.status_code == 200, r.text
    return r.json()


def test_a_model_package_is_an_mlflow_version_approved_and_deployed(aws: AwsServer) -> None:
    code = aws.root / "registry-trainer"
    code.mkdir(exist_ok=True)
    (code / "train.py").write_text(textwrap.dedent(TRAIN_A_MODEL))
    sm = aws.client("sagemaker")
    answers = raw_answers(sm)
    body = request(aws, "to-register")
    body["HyperParameters"]["sagemaker_submit_directory"] = json.dumps(str(code))
    sm.create_training_job(**body)
    artifacts = wait_done(sm, "to-register")["ModelArtifacts"]["S3ModelArtifacts"]
    image = body["AlgorithmSpecification"]["TrainingImage"]

    group_arn = sm.create_model_package_group(
        ModelPackageGroupName="churn", ModelPackageGroupDescription="Churn models"
    )["ModelPackageGroupArn"]
    assert group_arn == f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package-group/churn"
    again = error_of(sm.create_model_package_group, ModelPackageGroupName="churn")["Error"]
    assert again["Code"] == "ValidationException"
    assert "already exists" in again["Message"]
    spec = {
        "Containers": [{"Image": image, "ModelDataUrl": artifacts}],
        "SupportedContentTypes": ["text/csv"],
        "SupportedResponseMIMETypes": ["application/json"],
    }
    arn = sm.create_model_package(
        ModelPackageGroupName="churn",
        ModelPackageDescription="first",
        InferenceSpecification=spec,
        CustomerMetadataProperties={"team": "growth"},
    )["ModelPackageArn"]
    assert arn == f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package/churn/1"
    described = sm.describe_model_package(ModelPackageName=arn)
    assert described["ModelPackageGroupName"] == "churn"
    assert described["ModelPackageVersion"] == 1
    assert described["ModelApprovalStatus"] == "PendingManualApproval"
    assert described["ModelPackageStatus"] == "Completed"
    assert described["InferenceSpecification"] == spec
    assert described["CustomerMetadataProperties"] == {"team": "growth"}

    # Search (what the SDK's register() asks first) finds the job and the group.
    by_artifact = {"Name": "ModelArtifacts.S3ModelArtifacts", "Operator": "Equals"}
    found = sm.search(
        Resource="TrainingJob", SearchExpression={"Filters": [{**by_artifact, "Value": artifacts}]}
    )
    assert [r["TrainingJob"]["TrainingJobName"] for r in found["Results"]] == ["to-register"]
    none = sm.search(
        Resource="TrainingJob", SearchExpression={"Filters": [{**by_artifact, "Value": "s3://x/y"}]}
    )
    assert none["Results"] == []
    by_name = {"Name": "ModelPackageGroupName", "Operator": "Equals", "Value": "churn"}
    found = sm.search(Resource="ModelPackageGroup", SearchExpression={"Filters": [by_name]})
    assert [r["ModelPackageGroup"]["ModelPackageGroupArn"] for r in found["Results"]] == [group_arn]
    refused = error_of(sm.search, Resource="Pipeline")["Error"]
    assert refused["Code"] == "ValidationException"
    assert "Search of Pipeline is not supported" in refused["Message"]

    # MLflow's door: the same version, its source the model data, its approval a tag.
    version = mlflow_get(aws, "model-versions/get", name="churn", version="1")["model_version"]
    assert version["source"] == artifacts
    assert version["description"] == "first"
    tags = {t["key"]: t["value"] for t in version["tags"]}
    assert tags["smstudio.approval_status"] == "PendingManualApproval"
    approved = aws.rest(
        "PATCH",
        "experiments/models/churn/versions/1",
        json={"approval_status": "Approved", "approval_description": "AUC 0.91 on holdout"},
    )
    assert approved.status_code == 200, approved.text
    described = sm.describe_model_package(ModelPackageName=arn)
    assert described["ModelApprovalStatus"] == "Approved"
    assert described["ApprovalDescription"] == "AUC 0.91 on holdout"
    listed = sm.list_model_packages(ModelPackageGroupName="churn", ModelApprovalStatus="Approved")
    assert [p["ModelPackageArn"] for p in listed["ModelPackageSummaryList"]] == [arn]
    pending = sm.list_model_packages(
        ModelPackageGroupName="churn", ModelApprovalStatus="PendingManualApproval"
    )
    assert pending["ModelPackageSummaryList"] == []
    # ...and back through boto3: MLflow's client sees the rejection.
    sm.update_model_package(
        ModelPackageArn=arn, ModelApprovalStatus="Rejected", ApprovalDescription="drift"
    )
    version = mlflow_get(aws, "model-versions/get", name="churn", version="1")["model_version"]
    tags = {t["key"]: t["value"] for t in version["tags"]}
    assert (tags["smstudio.approval_status"], tags["smstudio.approval_description"]) == (
        "Rejected",
        "drift",
    )
    groups = sm.list_model_package_groups()["ModelPackageGroupSummaryList"]
    assert [(g["ModelPackageGroupName"], g["ModelPackageGroupDescription"]) for g in groups] == [
        ("churn", "Churn models")
    ]

    # Deploying the version: CreateModel from the package's ARN serves its model data.
    sm.create_model(
        ModelName="from-package",
        PrimaryContainer={"ModelPackageName": arn},
        ExecutionRoleArn=f"arn:aws:iam::{ACCOUNT}:role/SageMakerRole",
    )
    version = mlflow_get(aws, "model-versions/get", name="churn", version="1")["model_version"]
    assert {t["key"]: t["value"] for t in version["tags"]}["smstudio.models"] == "from-package"
    sm.create_endpoint_config(
        EndpointConfigName="from-package",
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": "from-package",
                "InitialInstanceCount": 1,
                "InstanceType": "ml.m5.large",
            }
        ],
    )
    sm.create_endpoint(EndpointName="from-package", EndpointConfigName="from-package")
    sm.get_waiter("endpoint_in_service").wait(
        EndpointName="from-package", WaiterConfig={"Delay": 1, "MaxAttempts": 120}
    )
    runtime = aws.client("sagemaker-runtime", endpoint_url=aws.server.url + "smstudio/runtime")
    answer = runtime.invoke_endpoint(
        EndpointName="from-package", Body=b"1,1,1\n2,0,0\n", ContentType="text/csv"
    )
    assert json.loads(answer["Body"].read()) == [6.0, 2.0]
    # Lineage: the endpoint's graph goes back to the job through the version.
    prefix = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:"
    endpoint_arn, job_arn = prefix + "endpoint/from-package", prefix + "training-job/to-register"
    r = aws.rest("GET", "lineage", params={"arn": endpoint_arn})
    assert r.status_code == 200, r.text
    graph = r.json()
    edges = {(e["source"], e["target"]) for e in graph["edges"]}
    assert {
        (job_arn, artifacts),
        (artifacts, arn),
        (arn, prefix + "model/from-package"),
        (prefix + "model/from-package", endpoint_arn),
    } <= edges
    kinds = {n["id"]: n["kind"] for n in graph["nodes"]}
    assert (kinds[job_arn], kinds[artifacts], kinds[arn]) == (
        "training-job",
        "data",
        "model-package",
    )
    downstream = aws.rest("GET", "lineage", params={"arn": job_arn}).json()
    assert endpoint_arn in {n["id"] for n in downstream["nodes"]}
    hidden = aws.rest("GET", "lineage", "bob", params={"arn": endpoint_arn})
    assert hidden.status_code == 404, hidden.text
    assert hidden.json()["error"]["field"] == "arn"
    assert aws.rest("GET", "lineage").status_code == 400  # arn is required
    sm.delete_endpoint(EndpointName="from-package")

    # Another user's registry is their own; bad names are the caller's error.
    bob = aws.client("sagemaker", "bob")
    assert bob.list_model_package_groups()["ModelPackageGroupSummaryList"] == []
    missing = error_of(bob.describe_model_package, ModelPackageName=arn)["Error"]
    assert missing["Code"] == "ValidationException"
    assert "does not exist" in missing["Message"]
    no_group = error_of(
        sm.create_model_package, ModelPackageGroupName="nope", InferenceSpecification=spec
    )["Error"]
    assert no_group == {
        "Code": "ValidationException",
        "Message": "ModelPackageGroup nope does not exist.",
    }
    in_use = error_of(sm.delete_model_package_group, ModelPackageGroupName="churn")["Error"]
    assert "still has versions" in in_use["Message"]
    sm.delete_model_package(ModelPackageName=arn)
    sm.delete_model_package_group(ModelPackageGroupName="churn")
    assert sm.list_model_package_groups()["ModelPackageGroupSummaryList"] == []
    for operation, answer_body in answers:
        assert unknown_members("sagemaker", operation, answer_body) == []
