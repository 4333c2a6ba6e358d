"""The SDK (Model/Predictor/Transformer) and the magics against a real server process."""

from __future__ import annotations

import io
from contextlib import redirect_stdout
from pathlib import Path

import numpy as np
import pytest

from jupyter_smstudio.client import ApiError, Client
from jupyter_smstudio.magics.hosting import deploy_magic, endpoints_magic
from jupyter_smstudio.sdk.model import Model
from jupyter_smstudio.sdk.serializers import JSONSerializer, NumpyDeserializer, NumpySerializer

from .hosting_models import model_archive, stop_all_instances, wheel
from .kernels import run_code
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
                model_data=str(root / "job/output/model.tar.gz"), instance_type="local",
                client=client,
            )  # fmt: skip
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


TRAIN_WITH_REQUIREMENTS = """
import os
import numpy as np
import smstudio_scale  # from requirements.txt, for training and for serving

def model_fn(model_dir):
    return np.load(os.path.join(model_dir, "weights.npy"))

def predict_fn(data, model):
    return (np.asarray(data, dtype=float) @ model * smstudio_scale.FACTOR).tolist()

if __name__ == "__main__":
    rows = np.loadtxt(os.path.join(os.environ["SM_CHANNEL_TRAIN"], "rows.csv"), delimiter=",")
    np.save(os.path.join(os.environ["SM_MODEL_DIR"], "weights.npy"), rows.mean(axis=0))
"""


def test_a_notebook_in_a_folder_trains_and_deploys_its_own_code(tmp_path: Path) -> None:
    """Relative paths are the notebook's, for fit and deploy alike (as in the SageMaker SDK);
    deploy serves the job's code and installs its requirements.txt."""
    root = tmp_path / "root"
    src = root / "notebooks" / "src"
    src.mkdir(parents=True)
    (src / "train.py").write_text(TRAIN_WITH_REQUIREMENTS)
    wheel(src, "smstudio_scale", "FACTOR = 10\n")
    (src / "requirements.txt").write_text("./smstudio_scale-1.0-py3-none-any.whl\n")
    (root / "notebooks" / "data").mkdir()
    (root / "notebooks" / "data" / "rows.csv").write_text("1,2,3\n1,2,3\n")
    # the same names at the server's root: must not be what runs
    (root / "src").mkdir()
    (root / "src" / "train.py").write_text("raise SystemExit('ran the root folder src')\n")
    try:
        with ServerProcess(tmp_path) as server:
            client = Client(server.url, server.token)
            session = client.session.post(
                server.url + "api/sessions",
                json={"path": "notebooks/fit.ipynb", "type": "notebook", "name": "fit.ipynb",
                      "kernel": {"name": "python3"}},
                timeout=60,
            ).json()  # fmt: skip

            def run(code: str) -> str:
                return run_code(server.url, server.headers, session["kernel"]["id"], code)

            assert run("import os; print(os.getcwd())").strip() == str(root / "notebooks")
            out = run(
                "from jupyter_smstudio.sdk import Estimator\n"
                "est = Estimator(entry_point='train.py', source_dir='src', instance_type='local')\n"
                "est.fit({'train': 'data'}, logs=False)\n"
                "print('trained', est.latest_training_job)\n"
            )
            job = client.training_job(out.split()[-1])
            assert job["status"] == "Completed", job
            assert job["spec"]["source_dir"] == str(src)
            assert job["spec"]["channels"]["train"]["path"] == str(root / "notebooks" / "data")
            out = run(
                "import os\n"
                "from jupyter_smstudio.sdk.serializers import JSONSerializer\n"
                "os.chdir('/')  # deploy serves the code the job trained with, wherever we are\n"
                "predictor = est.deploy(endpoint_name='nb', workers=1,\n"
                "                       serializer=JSONSerializer())\n"
                "print('prediction', predictor.predict([[1, 1, 1]]))\n"
            )
            assert "prediction [60.0]" in out
            log = client.request("GET", "endpoints", "nb", "logs")["text"]
            # the environment training built for these requirements serves the endpoint
            assert "Reusing the environment cached" in log
            assert "Installing" not in log
    finally:
        stop_all_instances(tmp_path / "smstudio")
