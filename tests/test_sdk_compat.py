"""Notebooks written for the official SDK run unchanged, or fail saying why.

Positional calls bind as in the official SDK, SDK v1 names map with a warning, arguments
this server cannot honour raise ``UnsupportedArgument`` naming them, and
``dependencies`` reach the script in a real training job and a real endpoint.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from jupyter_smstudio.client import ApiError, Client
from jupyter_smstudio.sdk import (
    Estimator,
    Model,
    Predictor,
    Processor,
    PyTorch,
    PyTorchModel,
    ScriptProcessor,
    Session,
    SKLearn,
    SKLearnModel,
    TrainingInput,
    Transformer,
    UnsupportedArgument,
    XGBoost,
    XGBoostModel,
)
from jupyter_smstudio.sdk.estimator import NO_EFFECT
from jupyter_smstudio.sdk.serializers import CSVSerializer, JSONDeserializer, JSONSerializer

from .hosting_models import stop_all_instances
from .servers import ServerProcess

#: A client that is never called: these tests fail before any request is made.
OFFLINE = Client("http://127.0.0.1:9/", "unused")


def test_positional_arguments_bind_as_in_the_official_sdk() -> None:
    est = Estimator("my-image:1", "arn:aws:iam::1:role/x", 2, "ml.m5.large", client=OFFLINE)
    assert (est.image_uri, est.role, est.instance_count, est.instance_type) == (
        "my-image:1", "arn:aws:iam::1:role/x", 2, "ml.m5.large",
    )  # fmt: skip
    model = Model("my-image:1", "model.tar.gz", "arn:role", client=OFFLINE)
    assert (model.image_uri, model.model_data, model.role) == (
        "my-image:1",
        "model.tar.gz",
        "arn:role",
    )
    session = Session(client=OFFLINE)
    predictor = Predictor("ep", session, JSONSerializer())
    assert predictor.endpoint_name == "ep"
    assert predictor.client is OFFLINE
    assert predictor.content_type == "application/json"
    transformer = Transformer("m", 3, "ml.m5.large", "MultiRecord", "Line", "out", None, "text/csv",
                              client=OFFLINE)  # fmt: skip
    assert (transformer.instance_count, transformer.strategy, transformer.accept) == (
        3, "MultiRecord", "text/csv",
    )  # fmt: skip
    script = ScriptProcessor("role", "img", ["python3", "-u"], 1, "ml.m5.large", client=OFFLINE)
    assert (script.image_uri, script.command, script.instance_type) == (
        "img", ["python3", "-u"], "ml.m5.large",
    )  # fmt: skip
    sk = SKLearn("train.py", "1.2-1", "py3", "src", {"epochs": 3}, instance_type="local")
    assert (sk.entry_point, sk.framework_version, sk.source_dir) == ("train.py", "1.2-1", "src")
    assert sk.hyperparameters() == {"epochs": 3}
    xgb = XGBoost("train.py", "1.7-1", "src")
    assert (xgb.framework_version, xgb.source_dir) == ("1.7-1", "src")
    sk_model = SKLearnModel("model.tar.gz", "role", "inference.py", "1.2-1", model_server_workers=2)
    # the framework's container defaults serve what the script leaves out
    assert sk_model.env == {"SAGEMAKER_MODEL_SERVER_WORKERS": "2", "SMSTUDIO_FRAMEWORK": "sklearn"}
    assert PyTorchModel("m.tar.gz").env == {"SMSTUDIO_FRAMEWORK": "pytorch"}
    assert XGBoostModel("m.tar.gz").env == {"SMSTUDIO_FRAMEWORK": "xgboost"}
    assert sk_model.entry_point == "inference.py"


def test_serializers_take_their_content_type_as_in_the_official_sdk() -> None:
    assert CSVSerializer(content_type="text/csv; charset=utf-8").CONTENT_TYPE == (
        "text/csv; charset=utf-8"
    )
    assert CSVSerializer("text/plain").content_type == "text/plain"
    assert JSONDeserializer(accept="application/jsonlines").ACCEPT == ("application/jsonlines",)


def test_sdk_v1_names_map_to_v2_with_a_deprecation_warning() -> None:
    with pytest.warns(DeprecationWarning, match="train_instance_type has been renamed"):
        est = Estimator(entry_point="train.py", train_instance_type="ml.c5.xlarge",
                        train_instance_count=2, train_max_run=60)  # fmt: skip
    assert (est.instance_type, est.instance_count, est.max_run) == ("ml.c5.xlarge", 2, 60)
    with pytest.warns(DeprecationWarning, match="image_name has been renamed"):
        assert SKLearn("train.py", image_name="img:1").image_uri == "img:1"


def test_arguments_with_nothing_to_do_here_are_accepted() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        values = {"volume_size": 50, "use_spot_instances": True, "max_wait": 7200,
                  "tags": [{"Key": "a", "Value": "b"}], "debugger_hook_config": False}  # fmt: skip
        assert set(values) - {"debugger_hook_config"} <= set(NO_EFFECT)
        Estimator(entry_point="train.py", **values)


UNSUPPORTED: list[tuple[str, Callable[[], Any], str]] = [
    ("git_config", lambda: Estimator(entry_point="t.py", git_config={"repo": "x"}), "git_config"),
    ("pipe mode", lambda: Estimator(entry_point="t.py", input_mode="Pipe"), "input_mode"),
    ("instance groups", lambda: Estimator("img", instance_groups=[object()]), "instance_groups"),
    ("experiment", lambda: Estimator("img").fit(experiment_config={"a": "b"}), "experiment_config"),
    ("file system input", lambda: Estimator("img").fit(object()), "object input"),
    ("vpc", lambda: Model(model_data="m", vpc_config={"Subnets": []}), "vpc_config"),
    (
        "serverless",
        lambda: Model(model_data="m", client=OFFLINE).deploy(serverless_inference_config=object()),
        "serverless_inference_config",
    ),
    (
        "target_model",
        lambda: Predictor("ep", client=OFFLINE).predict(b"", target_model="a"),
        "target_model",
    ),
    ("content_type=", lambda: Predictor("ep", content_type="text/csv"), "content_type"),
    (
        "manifest",
        lambda: Transformer("m", client=OFFLINE).transform("d", data_type="ManifestFile"),
        "data_type",
    ),
    ("network", lambda: Processor("role", "img", network_config=object()), "network_config"),
    (
        "distribution",
        lambda: PyTorch("t.py", distribution={"torch_distributed": {}}),
        "distribution",
    ),
    ("sharded", lambda: TrainingInput("data", distribution="ShardedByS3Key"), "distribution"),
    ("boto session", lambda: Session(boto_session=object()), "boto_session"),
    ("aws session", lambda: Estimator("img", sagemaker_session=object()), "sagemaker_session"),
    (
        "s3 code",
        lambda: Estimator(entry_point="t.py", dependencies=["lib"], code_location="s3://b/p").fit(),
        "code_location",
    ),
]


@pytest.mark.parametrize(
    ("make", "field"), [u[1:] for u in UNSUPPORTED], ids=[u[0] for u in UNSUPPORTED]
)
def test_unsupported_arguments_raise_naming_the_argument(
    make: Callable[[], Any], field: str
) -> None:
    with pytest.raises(UnsupportedArgument, match=field):
        make()


def test_unknown_keywords_are_an_error_not_dropped() -> None:
    with pytest.raises(TypeError, match="frobnicate"):
        Estimator(entry_point="train.py", frobnicate=1)
    with pytest.raises(TypeError, match="framework_versoin"):
        SKLearn("train.py", framework_versoin="1.2-1")


TRAIN = """
import json, os, sys
import mylib, helper  # dependencies: a package folder and a module file

def model_fn(model_dir):
    with open(os.path.join(model_dir, "model.json")) as f:
        return json.load(f)

def predict_fn(data, model):
    return [helper.double(sum(row) * model["scale"] * mylib.FACTOR) for row in data]

if __name__ == "__main__":
    with open(os.path.join(os.environ["SM_MODEL_DIR"], "model.json"), "w") as f:
        json.dump({"scale": 1}, f)
    print("trained with", mylib.FACTOR, helper.double(1))
"""

SERVE = """
import json, os
import mylib

def model_fn(model_dir):
    return None

def predict_fn(data, model):
    return [sum(row) + mylib.FACTOR for row in data]
"""


@pytest.mark.slow
def test_dependencies_reach_a_real_job_and_endpoints(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``dependencies`` are importable in training and serving; a lone ``entry_point`` is
    the caller's file; ``latest_transform_job`` is a job object."""
    notebooks = tmp_path / "root" / "notebooks"
    (notebooks / "src").mkdir(parents=True)
    (notebooks / "src" / "train.py").write_text(TRAIN)
    (notebooks / "lib" / "mylib").mkdir(parents=True)
    (notebooks / "lib" / "mylib" / "__init__.py").write_text("FACTOR = 10\n")
    (notebooks / "lib" / "helper.py").write_text("def double(x):\n    return 2 * x\n")
    (notebooks / "serve.py").write_text(SERVE)
    (notebooks / "rows.csv").write_text("1,2\n3,4\n")
    (notebooks / "data").mkdir()
    monkeypatch.chdir(notebooks)  # as a notebook's kernel: relative paths are its folder's
    try:
        with ServerProcess(tmp_path) as server:
            session = Session(client=Client(server.url, server.token))
            with pytest.warns(DeprecationWarning, match="train_instance_type"):
                est = Estimator(entry_point="train.py", source_dir="src",
                                dependencies=["lib/mylib", "lib/helper.py"],
                                sagemaker_session=session, train_instance_type="local")  # fmt: skip
            est.fit(TrainingInput("data", content_type="text/csv"), logs=False)
            job = est.latest_training_job
            assert job is not None
            described = job.describe()
            assert described["status"] == "Completed", described
            assert described["instance_type"] == "local"  # the legacy name took effect
            channel = described["spec"]["channels"]["training"]
            assert channel == {
                "path": str(notebooks / "data"),
                "content_type": "text/csv",
                "distribution": "FullyReplicated",
                "data_type": "S3Prefix",
            }
            log = session.client.training_job_logs(job.name)["text"]
            assert "trained with 10 2" in log

            predictor = est.deploy(endpoint_name="deps", workers=1, serializer=JSONSerializer())
            assert predictor.predict([[1, 2]]) == [60]
            # the official positional order: the session second
            assert Predictor("deps", session, JSONSerializer()).predict([[1, 1]]) == [40]

            # Model(image_uri, model_data, role) with the caller's lone entry point
            lone = Model(None, est.model_data, "role", entry_point="serve.py",
                         dependencies=["lib/mylib"], sagemaker_session=session,
                         instance_type="local")  # fmt: skip
            served = lone.deploy(1, "local", JSONSerializer(), endpoint_name="lone", workers=1)
            assert served.predict([[1, 2]]) == [13]

            transformer = est.transformer(1, "local", assemble_with="Line",
                                          output_path=str(notebooks / "scored"))  # fmt: skip
            transformer.transform("rows.csv", content_type="text/csv", split_type="Line",
                                  logs=False)  # fmt: skip
            handle = transformer.latest_transform_job
            assert handle is not None
            assert handle.describe()["status"] == "Completed"
            assert handle.wait(logs=False)["name"] == handle.job_name == handle.name
            scored = (notebooks / "scored" / "rows.csv.out").read_text().split()
            assert [json.loads(line) for line in scored] == [[60], [140]]
            config = predictor.describe()["endpoint_config_name"]
            predictor.delete_model()
            predictor.delete_endpoint()
            with pytest.raises(ApiError) as missing:
                session.client.request("GET", "endpoint-configs", config)
            assert missing.value.status == 404
            kept = served.describe()["endpoint_config_name"]
            served.delete_endpoint(delete_endpoint_config=False)
            assert session.client.request("GET", "endpoint-configs", kept)["name"] == kept
            assert [e["name"] for e in session.client.endpoints()] == []
    finally:
        stop_all_instances(tmp_path / "smstudio")
