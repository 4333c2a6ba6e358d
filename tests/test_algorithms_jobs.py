"""Built-in algorithms end to end on a real server: training jobs the SDK's image URIs
select (boto3), the REST API's ``algorithm`` jobs, endpoints and batch transform.

One path per API; each algorithm's own behaviour is unit-tested in test_algorithm_*.py.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from .algorithm_helpers import write_channel
from .aws_helpers import ACCOUNT, REGION, AwsServer, aws, raw_answers, unknown_members
from .test_aws_training import wait_done
from .waiting import wait_until

pytestmark = pytest.mark.slow
__all__ = ["aws"]

XGBOOST = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"
KMEANS = "382416733822.dkr.ecr.us-east-1.amazonaws.com/kmeans:1"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/SageMakerRole"


def _cancer(aws: AwsServer) -> np.ndarray:
    from sklearn.datasets import load_breast_cancer

    X, y = load_breast_cancer(return_X_y=True)
    order = np.random.default_rng(0).permutation(len(y))
    X, y = X[order], y[order]
    write_channel(aws.root / "cancer" / "train", "text/csv", X[:400], y[:400], parts=2)
    write_channel(aws.root / "cancer" / "validation", "text/csv", X[400:], y[400:])
    return X[400:]


def _job(name: str, image: str, hyperparameters: dict[str, str]) -> dict[str, Any]:
    """A CreateTrainingJob without channels: s3:// channels are the S3 work's (#14)."""
    return {
        "TrainingJobName": name,
        "AlgorithmSpecification": {"TrainingImage": image, "TrainingInputMode": "File"},
        "HyperParameters": hyperparameters,
        "RoleArn": ROLE,
        "OutputDataConfig": {"S3OutputPath": f"s3://sagemaker-{REGION}-{ACCOUNT}/output"},
        "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 5},
        "StoppingCondition": {"MaxRuntimeInSeconds": 600},
    }


def test_xgboost_trains_reports_metrics_deploys_and_fails_the_sagemaker_way(
    aws: AwsServer,
) -> None:
    sm = aws.client("sagemaker")
    answers = raw_answers(sm)
    held = _cancer(aws)
    job = {
        "name": "xgb-cancer",
        "algorithm": "xgboost",
        "hyperparameters": {
            "num_round": 60,
            "objective": "binary:logistic",
            "eval_metric": "auc",
            "max_depth": 3,
        },
        "channels": {
            "train": {"path": "cancer/train", "content_type": "text/csv"},
            "validation": {"path": "cancer/validation", "content_type": "text/csv"},
        },
        "output_path": "xgb-out",
    }
    made = aws.rest("POST", "training-jobs", json=job)
    assert made.status_code == 201, made.text
    done = wait_done(sm, "xgb-cancer")
    assert done["TrainingJobStatus"] == "Completed", done.get("FailureReason")
    final = {m["MetricName"]: m["Value"] for m in done["FinalMetricDataList"]}
    assert final["validation:auc"] >= 0.97
    assert final["train:auc"] >= final["validation:auc"] - 0.05
    rest = aws.rest("GET", "training-jobs/xgb-cancer").json()
    assert rest["spec"]["algorithm"] == "xgboost"

    # The model comes from the job's artifacts (the marker names its algorithm).
    model = {"name": "xgb-cancer", "model_data": "xgb-out/xgb-cancer/output/model.tar.gz"}
    assert aws.rest("POST", "models", json=model).status_code == 201
    variant = {
        "VariantName": "AllTraffic",
        "ModelName": "xgb-cancer",
        "InitialInstanceCount": 1,
        "InstanceType": "ml.m5.large",
    }
    sm.create_endpoint_config(EndpointConfigName="xgb-cancer", ProductionVariants=[variant])
    sm.create_endpoint(EndpointName="xgb-cancer", EndpointConfigName="xgb-cancer")
    sm.get_waiter("endpoint_in_service").wait(
        EndpointName="xgb-cancer", WaiterConfig={"Delay": 1, "MaxAttempts": 120}
    )
    runtime = aws.client("sagemaker-runtime", endpoint_url=aws.server.url + "smstudio/runtime")
    csv = "\n".join(",".join(map(str, r)) for r in held[:3])
    answer = runtime.invoke_endpoint(EndpointName="xgb-cancer", Body=csv, ContentType="text/csv")
    scores = [float(v) for v in answer["Body"].read().decode().split(",")]
    assert len(scores) == 3
    assert all(0 <= s <= 1 for s in scores)
    answer = runtime.invoke_endpoint(
        EndpointName="xgb-cancer", Body=csv, ContentType="text/csv", Accept="application/json"
    )
    assert [p["score"] for p in json.loads(answer["Body"].read())["predictions"]] == pytest.approx(
        scores, rel=1e-5
    )
    sm.delete_endpoint(EndpointName="xgb-cancer")

    # A missing required hyperparameter: the job fails with the algorithm's message.
    sm.create_training_job(**_job("xgb-no-rounds", XGBOOST, {"objective": "binary:logistic"}))
    wait_until(
        lambda: (
            sm.describe_training_job(TrainingJobName="xgb-no-rounds")["TrainingJobStatus"]
            in ("Completed", "Failed")
        ),
        180,
        "the job to end",
    )
    failed = sm.describe_training_job(TrainingJobName="xgb-no-rounds")
    assert failed["TrainingJobStatus"] == "Failed"
    assert failed["FailureReason"].startswith(
        "ClientError: Missing required hyperparameter: num_round"
    )
    for operation, body in answers:
        assert unknown_members("sagemaker", operation, body) == []


def test_rest_algorithm_jobs_validate_train_and_batch_transform(aws: AwsServer) -> None:
    from sklearn.datasets import make_blobs

    centers = np.array([[0, 0], [8, 8], [-8, 8]], np.float64)
    X, _ = make_blobs(n_samples=300, centers=centers, cluster_std=0.4, random_state=0)
    write_channel(aws.root / "blobs" / "train", "text/csv", X)
    write_channel(aws.root / "blobs" / "test", "text/csv", X[:60])
    job: dict[str, Any] = {
        "name": "rest-kmeans",
        "algorithm": "kmeans",
        "hyperparameters": {"k": 3, "feature_dim": 2, "init_method": "kmeans++"},
        "channels": {
            "train": {"path": "blobs/train", "content_type": "text/csv"},
            "test": {"path": "blobs/test", "content_type": "text/csv"},
        },
        "output_path": "kmeans-out",
    }
    unknown = aws.rest("POST", "training-jobs", json={**job, "algorithm": "kmedoids"})
    assert unknown.status_code == 400
    assert unknown.json()["error"]["field"] == "algorithm"
    bad = aws.rest("POST", "training-jobs", json={**job, "hyperparameters": {"feature_dim": 2}})
    assert bad.status_code == 400
    assert bad.json()["error"]["field"] == "hyperparameters.k"
    assert bad.json()["error"]["message"] == "ClientError: Missing required hyperparameter: k"
    assert aws.rest("GET", "training-jobs/rest-kmeans").status_code == 404  # nothing half-made

    assert aws.rest("POST", "training-jobs", json=job).status_code == 201
    wait_until(
        lambda: (
            aws.rest("GET", "training-jobs/rest-kmeans").json()["status"] in ("Completed", "Failed")
        ),
        180,
        "kmeans job",
    )
    described = aws.rest("GET", "training-jobs/rest-kmeans").json()
    assert described["status"] == "Completed", described.get("failure_reason")
    final = {m["name"]: m["value"] for m in described["final_metrics"]}
    assert final["test:msd"] < 0.5

    (aws.root / "blobs" / "batch").mkdir()
    (aws.root / "blobs" / "batch" / "points.csv").write_text("0,0\n8,8\n-8,8\n")
    made = aws.rest(
        "POST",
        "models",
        json={"name": "kmeans", "model_data": "kmeans-out/rest-kmeans/output/model.tar.gz"},
    )
    assert made.status_code == 201, made.text
    transform = {
        "name": "kmeans-batch",
        "model_name": "kmeans",
        "transform_input": {
            "data_source": "blobs/batch",
            "split_type": "Line",
            "content_type": "text/csv",
        },
        "transform_output": {
            "output_path": "blobs/out",
            "assemble_with": "Line",
            "accept": "application/jsonlines",
        },
        "batch_strategy": "MultiRecord",
    }
    answer = aws.rest("POST", "transform-jobs", json=transform)
    assert answer.status_code == 201, answer.text
    sm = aws.client("sagemaker")
    sm.get_waiter("transform_job_completed_or_stopped").wait(
        TransformJobName="kmeans-batch", WaiterConfig={"Delay": 1, "MaxAttempts": 120}
    )
    status = sm.describe_transform_job(TransformJobName="kmeans-batch")
    assert status["TransformJobStatus"] == "Completed", status.get("FailureReason")
    (out,) = (aws.root / "blobs" / "out").iterdir()
    rows = [json.loads(line) for line in out.read_text().splitlines() if line.strip()]
    assert len({r["closest_cluster"] for r in rows}) == 3
    assert all(r["distance_to_cluster"] < 1.0 for r in rows)


def test_the_algorithms_are_described_for_the_labs_forms(aws: AwsServer) -> None:
    listed = aws.rest("GET", "algorithms")
    assert listed.status_code == 200
    names = [a["name"] for a in listed.json()["items"]]
    assert {"xgboost", "linear-learner", "kmeans", "pca"} <= set(names)
    kmeans = aws.rest("GET", "algorithms/kmeans").json()
    k = next(h for h in kmeans["hyperparameters"] if h["name"] == "k")
    assert k == {
        "name": "k",
        "type": "int",
        "required": True,
        "default": None,
        "doc": "The number of required clusters.",
        "range": {"min": 1, "max": None, "exclusive_min": False},
        "choices": None,
        "auto": False,
        "item": None,
    }
    assert "test:msd" in [m["name"] for m in kmeans["metrics"]]
    missing = aws.rest("GET", "algorithms/kmedoids")
    assert missing.status_code == 404
    assert missing.json()["error"]["field"] == "name"


def test_the_projects_sdk_trains_a_linear_learner_on_a_record_set(aws: AwsServer) -> None:
    from sklearn.datasets import load_breast_cancer

    from jupyter_smstudio.client import Client
    from jupyter_smstudio.sdk import LinearLearner
    from jupyter_smstudio.sdk.serializers import CSVSerializer, JSONDeserializer

    X, y = load_breast_cancer(return_X_y=True)
    ll = LinearLearner(
        None, 1, None, predictor_type="binary_classifier",
        output_path=str(aws.root / "ll-out"), data_location=str(aws.root / "records"),
        client=Client(aws.server.url, aws.server.token),
    )  # fmt: skip
    records = ll.record_set(X.astype("float32"), labels=y.astype("float32"))
    assert records.feature_dim == 30
    ll.fit(records, mini_batch_size=100, logs=False)
    job = ll.describe()
    assert job["status"] == "Completed", job.get("failure_reason")
    assert job["spec"]["algorithm"] == "linear-learner"
    assert job["spec"]["hyperparameters"]["feature_dim"] == 30
    final = {m["name"]: m["value"] for m in job["final_metrics"]}
    assert final["train:binary_classification_accuracy"] > 0.95
    predictor = ll.deploy(
        1, None, serializer=CSVSerializer(), deserializer=JSONDeserializer(), workers=1
    )
    try:
        answer = predictor.predict(X[:2])
        assert [p["predicted_label"] for p in answer["predictions"]] == [int(v) for v in y[:2]]
    finally:
        predictor.delete_endpoint()


def test_the_projects_sdk_projects_with_pca(aws: AwsServer) -> None:
    from sklearn.datasets import load_digits

    from jupyter_smstudio.client import Client
    from jupyter_smstudio.sdk import PCA
    from jupyter_smstudio.sdk.serializers import JSONDeserializer, JSONSerializer

    X = load_digits().data.astype("float32")
    pca = PCA(
        None, 1, None, num_components=4, output_path=str(aws.root / "pca-out"),
        data_location=str(aws.root / "records"), client=Client(aws.server.url, aws.server.token),
    )  # fmt: skip
    pca.fit(pca.record_set(X), mini_batch_size=200, logs=False)
    assert pca.describe()["status"] == "Completed"
    predictor = pca.deploy(
        1, None, serializer=JSONSerializer(), deserializer=JSONDeserializer(), workers=1
    )
    try:
        answer = predictor.predict({"instances": [{"features": X[0].tolist()}]})
        assert len(answer["projections"][0]["projection"]) == 4
    finally:
        predictor.delete_endpoint()
