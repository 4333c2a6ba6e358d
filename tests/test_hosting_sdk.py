"""The SDK (Model/Predictor/Transformer) and the magics against a real server process."""

from __future__ import annotations

import io
from contextlib import redirect_stdout
from pathlib import Path

import numpy as np
import pytest

from jupyter_smstudio.client import ApiError, Client
from jupyter_smstudio.hosting.magics import deploy_magic, endpoints_magic
from jupyter_smstudio.sdk.model import Model
from jupyter_smstudio.sdk.serializers import JSONSerializer, NumpyDeserializer, NumpySerializer

from .hosting_models import model_archive, stop_all_instances
from .servers import ServerProcess

pytestmark = pytest.mark.slow


def test_model_deploy_predict_transform_and_magics(tmp_path: Path) -> None:
    model_archive(tmp_path / "root" / "job" / "output" / "model.tar.gz")
    (tmp_path / "root" / "data.csv").write_text("1,0,0\n0,1,0\n0,0,1\n")
    try:
        with ServerProcess(tmp_path) as server:
            client = Client(server.url, server.token)
            root = tmp_path / "root"
            model = Model(
                str(root / "job/output/model.tar.gz"), instance_type="local", client=client
            )
            predictor = model.deploy(endpoint_name="sdk", workers=1)
            assert predictor.predict([[1, 1, 1], [2, 0, 0]]) == [6.0, 2.0]
            predictor.serializer, predictor.deserializer = NumpySerializer(), NumpyDeserializer()
            assert predictor.predict(np.eye(3)).tolist() == [1.0, 2.0, 3.0]
            predictor.serializer = JSONSerializer()
            with pytest.raises(ApiError) as err:
                predictor.predict([[666, 0, 0]])
            assert err.value.status == 424
            job = model.transformer(
                output_path=str(root / "scored"),
                strategy="MultiRecord",
                assemble_with="Line",
                accept="text/csv",
            ).transform(str(root / "data.csv"), split_type="Line")
            assert job["status"] == "Completed"
            assert (tmp_path / "root" / "scored" / "data.csv.out").read_text() == "1.0\n2.0\n3.0\n"
            out = io.StringIO()
            with redirect_stdout(out):
                endpoints_magic("", client)
                deployed = deploy_magic(
                    f"{root}/job/output/model.tar.gz --name magic --workers 1", client
                )
                endpoints_magic("logs magic", client)
                endpoints_magic("delete magic", client)
                endpoints_magic("bogus", client)
            text = out.getvalue()
            assert "sdk" in text
            assert "InService" in text
            assert "Endpoint magic: InService" in text
            assert "Model server ready" in text
            assert "Deleted endpoint magic." in text
            assert "usage: %endpoints" in text
            assert deployed.endpoint_name == "magic"
            predictor.delete_endpoint()
            assert [e["name"] for e in client.endpoints()] == []
    finally:
        stop_all_instances(tmp_path / "smstudio")


SCRIPT_WITH_MODEL_FN = """
import os
import numpy as np

def model_fn(model_dir):
    return np.load(os.path.join(model_dir, "weights.npy"))

def predict_fn(data, model):
    return (np.asarray(data, dtype=float) @ model).tolist()

if __name__ == "__main__":
    np.save(os.path.join(os.environ["SM_MODEL_DIR"], "weights.npy"), np.array([1.0, 2.0, 3.0]))
"""


def test_estimator_fit_then_deploy_serves_the_trained_model(tmp_path: Path) -> None:
    from jupyter_smstudio.sdk.estimator import Estimator

    src = tmp_path / "root" / "src"
    src.mkdir(parents=True)
    (src / "train.py").write_text(SCRIPT_WITH_MODEL_FN)
    try:
        with ServerProcess(tmp_path) as server:
            client = Client(server.url, server.token)
            estimator = Estimator(entry_point="train.py", source_dir=str(src),
                                  instance_type="local", client=client)  # fmt: skip
            estimator.fit(wait=True, logs=False)
            predictor = estimator.deploy(endpoint_name="from-estimator", workers=1)
            predictor.serializer = JSONSerializer()
            assert predictor.predict([[1, 1, 1], [0, 0, 2]]) == [6.0, 6.0]
            predictor.delete_endpoint()
    finally:
        stop_all_instances(tmp_path)
