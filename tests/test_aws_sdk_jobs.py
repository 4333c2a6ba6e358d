"""The official SageMaker SDK, unchanged, end to end with ``s3://`` data on the embedded S3.

Each SDK run is a subprocess with only what a kernel of the user gets
(``POST /smstudio/api/environment``: endpoints, region, key, SDK config), as a
notebook would run it: upload data, ``SKLearn.fit(logs=True)`` (source as the SDK's
``sourcedir.tar.gz`` in S3), ``deploy`` → ``predict`` (CSV, JSON) → ``transformer``
→ ``delete_endpoint``; ``SKLearnProcessor.run`` with S3 inputs and outputs. One
server for the module (starting it and the S3 engine is most of the cost).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from jupyter_smstudio.aws.environment import KERNEL_SITE

from .aws_helpers import AwsServer, aws_server
from .docker_helpers import docker_unavailable

pytestmark = pytest.mark.slow

ROLE = "arn:aws:iam::111111111111:role/SageMakerRole"
TRAIN = """
import argparse, os
import numpy as np

def model_fn(model_dir):
    return np.load(os.path.join(model_dir, "weights.npy"))

def predict_fn(data, model):
    return np.asarray(data, dtype=float) @ model

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int)
    args, _ = parser.parse_known_args()
    train = os.environ["SM_CHANNEL_TRAIN"]
    files = sorted(os.listdir(train))
    rows = sum(len(open(os.path.join(train, f)).read().split()) for f in files)
    print(f"script: {len(files)} files, {rows} rows, epochs={args.epochs}", flush=True)
    np.save(os.path.join(os.environ["SM_MODEL_DIR"], "weights.npy"), np.array([1.0, 2.0]))
    with open(os.path.join(os.environ["SM_OUTPUT_DATA_DIR"], "report.txt"), "w") as f:
        f.write("ok")
"""
PROCESS = """
import os
# /opt/ml/processing (a local job's /opt/ml is its own tree: found from this file's path)
base = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
src, dst = os.path.join(base, "data"), os.path.join(base, "output")
names = sorted(os.listdir(src))
with open(os.path.join(dst, "summary.txt"), "w") as f:
    f.write(",".join(names))
print("processed", names, flush=True)
"""
NOTEBOOK = """
import json, sys
import boto3, sagemaker
from sagemaker.deserializers import JSONDeserializer
from sagemaker.processing import ProcessingInput, ProcessingOutput
from sagemaker.serializers import CSVSerializer, JSONSerializer
from sagemaker.sklearn import SKLearn, SKLearnProcessor

ROLE = sys.argv[1]
session = sagemaker.Session()
bucket = session.default_bucket()
train = session.upload_data("data", bucket=bucket, key_prefix="sdk/train")
result = {"bucket": bucket, "train": train, "role": sagemaker.get_execution_role()}
estimator = SKLearn(
    entry_point="train.py", source_dir="src", framework_version="1.2-1",
    instance_type="ml.m5.large", instance_count=1, role=ROLE,
    hyperparameters={"epochs": 2}, sagemaker_session=session,
)
estimator.fit({"train": train}, logs=True)
result["model_data"] = estimator.model_data
predictor = estimator.deploy(initial_instance_count=1, instance_type="ml.m5.large")
predictor.serializer, predictor.deserializer = CSVSerializer(), JSONDeserializer()
result["csv"] = predictor.predict([[1, 2], [3, 4]])
predictor.serializer = JSONSerializer()
result["json"] = predictor.predict([[1, 1]])
transformer = estimator.transformer(
    instance_count=1, instance_type="ml.m5.large", output_path=f"s3://{bucket}/sdk/scored",
    assemble_with="Line",
)
transformer.transform(train, content_type="text/csv", split_type="Line", wait=True, logs=False)
s3 = boto3.client("s3")
listed = s3.list_objects_v2(Bucket=bucket, Prefix="sdk/")["Contents"]
result["keys"] = sorted(o["Key"] for o in listed)
scored = s3.get_object(Bucket=bucket, Key="sdk/scored/a.csv.out")["Body"].read().decode()
result["scored"] = scored
predictor.delete_endpoint()
# The model registry: register the trained model, then deploy the approved version.
package = estimator.register(
    content_types=["text/csv"], response_types=["application/json"],
    inference_instances=["ml.m5.large"], transform_instances=["ml.m5.large"],
    model_package_group_name="sdk-models", approval_status="Approved",
)
result["package"] = package.model_package_arn
approved = boto3.client("sagemaker").list_model_packages(
    ModelPackageGroupName="sdk-models", ModelApprovalStatus="Approved"
)["ModelPackageSummaryList"]
registered = sagemaker.ModelPackage(
    role=ROLE, model_package_arn=approved[0]["ModelPackageArn"], sagemaker_session=session
)
registered.deploy(
    initial_instance_count=1, instance_type="ml.m5.large", endpoint_name="from-registry"
)
from_registry = sagemaker.Predictor(
    "from-registry", session, serializer=CSVSerializer(), deserializer=JSONDeserializer()
)
result["registry_csv"] = from_registry.predict([[1, 2]])
from_registry.delete_endpoint()
processor = SKLearnProcessor(
    framework_version="1.2-1", role=ROLE, instance_type="ml.m5.large", instance_count=1,
    sagemaker_session=session,
)
processor.run(
    code="process.py",
    inputs=[ProcessingInput(source=train, destination="/opt/ml/processing/data")],
    outputs=[ProcessingOutput(source="/opt/ml/processing/output",
                              destination=f"s3://{bucket}/sdk/processed")],
    logs=False,
)
summary = s3.get_object(Bucket=bucket, Key="sdk/processed/summary.txt")["Body"].read().decode()
result["processed"] = summary
print("RESULT " + json.dumps(result))
"""


@pytest.fixture(scope="module")
def aws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AwsServer]:
    """A server of alice and bob, each with their own account (and default bucket)."""
    workdir = tmp_path_factory.mktemp("awssdk")
    with aws_server(workdir, "bob-sdk-token", {"region": "eu-west-1"}) as server:
        yield server


def kernel_env(aws: AwsServer, user: str = "alice") -> dict[str, str]:
    """A kernel's environment: this process's, minus any AWS_*, plus the user's own."""
    r = aws.rest("POST", "environment", user, json={})
    assert r.status_code == 200, r.text
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SAGEMAKER_"))}
    site = os.pathsep.join(p for p in (str(KERNEL_SITE), env.get("PYTHONPATH", "")) if p)
    return {**env, **r.json(), "PYTHONPATH": site}  # PYTHONPATH: what kernels get too


def run_notebook(aws: AwsServer, code: str, *args: str, user: str = "alice") -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        cwd=aws.root / "nb",
        env=kernel_env(aws, user),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-4000:]
    # (the SDK's waits print dots with no newline before it)
    (line,) = [x for x in out.stdout.splitlines() if "RESULT " in x]
    result: dict[str, Any] = json.loads(line.partition("RESULT ")[2])
    result["stdout"] = out.stdout
    return result


def notebook_files(root: Path) -> None:
    nb = root / "nb"
    (nb / "src").mkdir(parents=True, exist_ok=True)
    (nb / "data").mkdir(exist_ok=True)
    (nb / "src" / "train.py").write_text(textwrap.dedent(TRAIN))
    (nb / "process.py").write_text(textwrap.dedent(PROCESS))
    (nb / "data" / "a.csv").write_text("1,2\n3,4\n")
    (nb / "data" / "b.csv").write_text("5,6\n")


def test_sklearn_fit_deploy_predict_transform_and_process_through_s3(aws: AwsServer) -> None:
    notebook_files(aws.root)
    result = run_notebook(aws, NOTEBOOK, ROLE)
    bucket = result["bucket"]
    assert bucket.startswith("sagemaker-eu-west-1-")
    account = bucket.rsplit("-", 1)[1]  # alice's own (no account configured)
    assert result["role"] == f"arn:aws:iam::{account}:role/SMStudioExecutionRole"
    # fit(logs=True) streamed the script's own line: the channel had both S3 files
    assert "script: 2 files, 3 rows, epochs=2" in result["stdout"]
    job = result["model_data"].split("/")[-3]
    assert result["model_data"] == f"s3://{bucket}/{job}/output/model.tar.gz"
    keys = set(result["keys"])
    assert {"sdk/train/a.csv", "sdk/train/b.csv", "sdk/scored/a.csv.out"} <= keys
    assert result["csv"] == [5.0, 11.0]
    assert result["json"] == [3.0]
    # registered through the SDK, found approved, deployed from its ARN
    assert result["package"].endswith(":model-package/sdk-models/1")
    assert result["registry_csv"] == [5.0]
    assert [json.loads(x) for x in result["scored"].split()] == [[5.0], [11.0]]  # a line each
    assert result["processed"] == "a.csv,b.csv"
    s3 = aws.client("s3", endpoint_url=aws.server.url + "smstudio/s3")
    top = {o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]}
    assert f"{job}/output/model.tar.gz" in top
    assert f"{job}/output/output.tar.gz" in top
    assert f"{job}/source/sourcedir.tar.gz" in top
    sm = aws.client("sagemaker")
    assert sm.list_endpoints()["Endpoints"] == []  # delete_endpoint
    # the REST API takes the same s3:// model data; another user's bucket is refused
    made = aws.rest("POST", "models", json={"name": "from-s3", "model_data": result["model_data"]})
    assert made.status_code == 201, made.text
    bobs = aws.rest("POST", "models", "bob", json={"name": "x", "model_data": result["model_data"]})
    assert bobs.status_code == 403, bobs.text
    assert bobs.json()["error"]["field"] == "model_data"
    assert aws.rest("GET", "models", "bob").json()["items"] == []


SHARDS = """
import os
names = sorted(os.listdir(os.environ["SM_CHANNEL_TRAIN"]))
print(os.environ["SM_CURRENT_HOST"], "got", ",".join(names), flush=True)
# /opt/ml/checkpoints (a local job's /opt/ml is its own tree)
checkpoints = os.path.join(os.path.dirname(os.environ["SM_MODEL_DIR"]), "checkpoints")
os.makedirs(checkpoints, exist_ok=True)
seen = sorted(os.listdir(checkpoints))
print(os.environ["SM_CURRENT_HOST"], "checkpoints", ",".join(seen), flush=True)
with open(os.path.join(checkpoints, os.environ["SM_CURRENT_HOST"]), "w") as f:
    f.write("step")
print("endpoint", os.environ.get("AWS_ENDPOINT_URL_SAGEMAKER"), flush=True)
print("key", os.environ.get("AWS_ACCESS_KEY_ID", "")[:4], flush=True)
"""


def wait_for(aws: AwsServer, name: str) -> dict[str, Any]:
    sm = aws.client("sagemaker")
    waiter = sm.get_waiter("training_job_completed_or_stopped")
    waiter.wait(TrainingJobName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 300})
    job: dict[str, Any] = sm.describe_training_job(TrainingJobName=name)
    return job


def test_sharded_channels_checkpoints_and_other_users_buckets(aws: AwsServer) -> None:
    """Two instances (containers: the local backend runs one) each get their share."""
    if reason := docker_unavailable():
        pytest.skip(reason)
    s3 = aws.client("s3", endpoint_url=aws.server.url + "smstudio/s3")
    s3.create_bucket(Bucket="alice-data")
    for i in range(4):
        s3.put_object(Bucket="alice-data", Key=f"shards/part-{i}.csv", Body=b"1\n")
    s3.put_object(Bucket="alice-data", Key="ckpt/earlier", Body=b"old")
    (aws.root / "shards.py").write_text(textwrap.dedent(SHARDS))
    body = {
        "name": "sharded",
        "entry_point": "shards.py",
        "instance_count": 2,
        "backend": "docker",
        "channels": {
            "train": {"path": "s3://alice-data/shards/", "distribution": "ShardedByS3Key"}
        },
        "checkpoint_path": "s3://alice-data/ckpt",
        "output_path": "s3://alice-data/out",
    }
    r = aws.rest("POST", "training-jobs", json=body)
    assert r.status_code == 201, r.text
    job = wait_for(aws, "sharded")
    assert job["TrainingJobStatus"] == "Completed", job.get("FailureReason")
    log = aws.rest("GET", "training-jobs/sharded/logs").json()["text"]
    assert "algo-1 got part-0.csv,part-2.csv" in log
    assert "algo-2 got part-1.csv,part-3.csv" in log
    assert "algo-1 checkpoints earlier" in log  # restored from S3 before the run
    # the owner's AWS variables, as local jobs and kernels get them, at the host gateway
    port = aws.server.url.rsplit(":", 1)[1].split("/")[0]
    assert f"endpoint http://host.docker.internal:{port}/smstudio/aws/" in log
    assert "key SMSK" in log, log
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket="alice-data")["Contents"]}
    assert {"ckpt/algo-1", "out/sharded/output/model.tar.gz"} <= keys
    rest = aws.rest("GET", "training-jobs/sharded").json()
    assert rest["model_artifacts"] == "s3://alice-data/out/sharded/output/model.tar.gz"

    # bob can't name alice's bucket: refused naming the member, nothing created
    bob_sm = aws.client("sagemaker", "bob")
    with pytest.raises(ClientError) as err:
        bob_sm.create_training_job(
            TrainingJobName="steal",
            AlgorithmSpecification={"TrainingImage": "my-image", "TrainingInputMode": "File"},
            RoleArn=ROLE,
            InputDataConfig=[
                {
                    "ChannelName": "train",
                    "DataSource": {
                        "S3DataSource": {
                            "S3DataType": "S3Prefix",
                            "S3Uri": "s3://alice-data/shards",
                        }
                    },
                }
            ],
            OutputDataConfig={"S3OutputPath": "s3://alice-data/out"},
            ResourceConfig={
                "InstanceType": "ml.m4.xlarge",
                "InstanceCount": 1,
                "VolumeSizeInGB": 1,
            },
            StoppingCondition={"MaxRuntimeInSeconds": 60},
        )
    error = err.value.response["Error"]
    assert error["Code"] == "ValidationException"
    assert error["Message"].startswith("inputDataConfig.1.member.dataSource: Access Denied"), error
    assert bob_sm.list_training_jobs()["TrainingJobSummaries"] == []
    refused = aws.rest(
        "POST",
        "processing-jobs",
        "bob",
        json={
            "name": "steal2",
            "container_entrypoint": ["python3", "-c", "pass"],
            "outputs": [{"output_name": "o", "destination": "s3://alice-data/x"}],
        },
    )
    assert refused.status_code == 403, refused.text
    assert refused.json()["error"]["field"] == "outputs.0.destination"
    assert aws.rest("GET", "processing-jobs", "bob").json()["items"] == []


def test_the_kernel_site_hook_still_refuses_an_invalid_sdk_config() -> None:
    """Configs found valid are remembered; an invalid one raises every time."""
    code = textwrap.dedent(
        """
        import jsonschema
        from sagemaker.config import validate_sagemaker_config
        good = {"SchemaVersion": "1.0", "SageMaker": {"PythonSDK": {"Modules": {}}}}
        validate_sagemaker_config(good)
        validate_sagemaker_config(good)
        for _ in range(2):
            try:
                validate_sagemaker_config({"SchemaVersion": "1.0", "SageMaker": {"Nope": 1}})
            except jsonschema.ValidationError:
                print("refused")
        """
    )
    env = {**os.environ, "PYTHONPATH": str(KERNEL_SITE), "SAGEMAKER_SUPPRESS_V2_WARNING": "1"}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert [line for line in out.stdout.splitlines() if line == "refused"] == ["refused"] * 2


KMEANS = """
import json, sys
import numpy as np
import sagemaker
from sagemaker import KMeans

session = sagemaker.Session()
rng = np.random.default_rng(0)
centers = np.array([[0, 0], [10, 10], [0, 10]], dtype="float32")
X = np.concatenate([c + rng.normal(0, 0.5, (40, 2)) for c in centers]).astype("float32")
kmeans = KMeans(role=sys.argv[1], instance_count=1, instance_type="ml.m5.large", k=3,
                sagemaker_session=session)
records = kmeans.record_set(X)  # recordIO-protobuf files and a manifest, in S3
kmeans.fit(records, logs=False)
predictor = kmeans.deploy(initial_instance_count=1, instance_type="ml.m5.large")
answers = predictor.predict(centers)  # RecordSerializer in, RecordDeserializer out
clusters = [int(r.label["closest_cluster"].float32_tensor.values[0]) for r in answers]
predictor.delete_endpoint()
print("RESULT " + json.dumps({"clusters": clusters, "s3_data_type": records.s3_data_type,
                              "job": kmeans.latest_training_job.name}))
"""


def test_the_official_sdks_kmeans_fits_a_record_set_and_predicts_records(aws: AwsServer) -> None:
    """A built-in algorithm with zero edits: ``record_set`` (a manifest of recordIO-protobuf
    files in S3), ``fit``, ``deploy``, ``predict`` with the SDK's record (de)serializers."""
    (aws.root / "nb").mkdir(exist_ok=True)
    result = run_notebook(aws, KMEANS, ROLE)
    assert result["s3_data_type"] == "ManifestFile"
    assert sorted(result["clusters"]) == [0, 1, 2]  # each planted center its own cluster
    job = aws.client("sagemaker").describe_training_job(TrainingJobName=result["job"])
    assert job["TrainingJobStatus"] == "Completed"
    assert "kmeans" in job["AlgorithmSpecification"]["TrainingImage"]


TUNED = """
import argparse, os
import numpy as np

def model_fn(model_dir):
    return np.load(os.path.join(model_dir, "weights.npy"))

def predict_fn(data, model):
    return np.asarray(data, dtype=float) @ model

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--alpha", type=float)
    parser.add_argument("--depth", type=int)
    args, _ = parser.parse_known_args()
    assert os.listdir(os.environ["SM_CHANNEL_TRAIN"]), "no training data"
    print(f"validation-loss={(args.alpha - 0.3) ** 2 + args.depth / 100:.6f}", flush=True)
    np.save(os.path.join(os.environ["SM_MODEL_DIR"], "weights.npy"), np.array([args.alpha, 1.0]))
"""
TUNING_NOTEBOOK = """
import json, sys
import sagemaker
from sagemaker.serializers import CSVSerializer
from sagemaker.deserializers import JSONDeserializer
from sagemaker.sklearn import SKLearn
from sagemaker.tuner import ContinuousParameter, HyperparameterTuner, IntegerParameter

session = sagemaker.Session()
train = session.upload_data("data", key_prefix="tune/train")
estimator = SKLearn(
    entry_point="tuned.py", source_dir="src", framework_version="1.2-1",
    instance_type="ml.m5.large", instance_count=1, role=sys.argv[1], sagemaker_session=session,
)
tuner = HyperparameterTuner(
    estimator, objective_metric_name="validation:loss", objective_type="Minimize",
    hyperparameter_ranges={"alpha": ContinuousParameter(0.0, 1.0),
                           "depth": IntegerParameter(1, 3)},
    metric_definitions=[{"Name": "validation:loss", "Regex": "validation-loss=([0-9.]+)"}],
    max_jobs=4, max_parallel_jobs=2, strategy="Random", random_seed=7,
    base_tuning_job_name="sdk-tune",
)
tuner.fit({"train": train}, wait=True)
best = tuner.best_training_job()
frame = tuner.analytics().dataframe()
predictor = tuner.deploy(initial_instance_count=1, instance_type="ml.m5.large",
                         serializer=CSVSerializer(), deserializer=JSONDeserializer())
answer = predictor.predict([[1, 0]])
predictor.delete_endpoint()
print("RESULT " + json.dumps({
    "name": tuner.latest_tuning_job.name,
    "status": tuner.describe()["HyperParameterTuningJobStatus"],
    "best": best,
    "rows": frame[["TrainingJobName", "FinalObjectiveValue", "alpha", "depth"]]
        .to_dict(orient="records"),
    "answer": answer,
}))
"""


def test_the_official_sdks_tuner_fits_finds_the_best_job_and_deploys_it(aws: AwsServer) -> None:
    """A notebook's "train and tune": HyperparameterTuner(...).fit() on the SDK's source
    upload and S3 data, best_training_job(), analytics().dataframe(), tuner.deploy()."""
    notebook_files(aws.root)
    (aws.root / "nb" / "src" / "tuned.py").write_text(textwrap.dedent(TUNED))
    result = run_notebook(aws, TUNING_NOTEBOOK, ROLE)
    assert result["status"] == "Completed"
    assert result["name"].startswith("sdk-tune-")
    rows = result["rows"]
    assert len(rows) == 4
    for row in rows:  # each trial's objective is its own hyperparameters' loss
        expected = (float(row["alpha"]) - 0.3) ** 2 + int(row["depth"]) / 100
        assert row["FinalObjectiveValue"] == pytest.approx(expected, abs=1e-5)
    best = min(rows, key=lambda r: r["FinalObjectiveValue"])
    assert result["best"] == best["TrainingJobName"]
    # the deployed model is the best trial's: its weights are [alpha, 1]
    assert result["answer"] == [pytest.approx(float(best["alpha"]))]
    sm = aws.client("sagemaker")
    trials = sm.list_training_jobs_for_hyper_parameter_tuning_job(
        HyperParameterTuningJobName=result["name"]
    )["TrainingJobSummaries"]
    assert sorted(t["TrainingJobName"] for t in trials) == sorted(
        r["TrainingJobName"] for r in rows
    )
