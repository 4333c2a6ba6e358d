"""``%deploy`` takes a training job: by name, or by the docs' ``jobs/<job>/output/model.tar.gz``.

Against a real server process: a real training job, a real model server.
"""

from __future__ import annotations

import io
from contextlib import redirect_stdout
from pathlib import Path

import pytest

from jupyter_smstudio.client import Client
from jupyter_smstudio.magics.hosting import deploy_magic, job_named
from jupyter_smstudio.sdk.serializers import JSONSerializer

from .hosting_models import INFERENCE, stop_all_instances
from .servers import ServerProcess
from .waiting import wait_until

#: Trains (writes the weights) when run as the job; serves them when imported (model_fn).
TRAIN = (
    INFERENCE
    + """
if __name__ == "__main__":
    np.save(os.path.join(os.environ["SM_MODEL_DIR"], "weights.npy"), np.array([1.0, 2.0, 3.0]))
"""
)


def test_a_job_is_told_from_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "model.tar.gz").write_bytes(b"")
    assert job_named("churn-sk-1") == "churn-sk-1"
    assert job_named("jobs/churn-sk-1/output/model.tar.gz") == "churn-sk-1"
    assert job_named("./jobs/churn-sk-1/output/model.tar.gz") == "churn-sk-1"
    assert job_named("model.tar.gz") is None  # a file here
    assert job_named("models/other.tar.gz") is None


@pytest.mark.slow
def test_deploy_a_training_job_by_name(tmp_path: Path) -> None:
    src = tmp_path / "root" / "src"
    src.mkdir(parents=True)
    (src / "train.py").write_text(TRAIN)
    try:
        with ServerProcess(tmp_path) as server:
            client = Client(server.url, server.token)
            client.create_training_job(
                {
                    "name": "churn-sk-1",
                    "entry_point": "train.py",
                    "source_dir": str(src),
                    "instance_type": "local",
                }
            )
            wait_until(
                lambda: client.training_job("churn-sk-1")["status"] == "Completed",
                120,
                "the training job to complete",
            )
            out = io.StringIO()
            with redirect_stdout(out):
                predictor = deploy_magic("churn-sk-1 --workers 1", client)
                # The docs' relative example names the same job's model: used again.
                again = deploy_magic(
                    "jobs/churn-sk-1/output/model.tar.gz --name churn-rel --workers 1", client
                )
                missing = deploy_magic("no-such-job", client)
            text = out.getvalue()
            assert predictor is not None
            assert again is not None
            assert missing is None
            # Named after the job, with progress while it waits.
            assert predictor.endpoint_name == "churn-sk-1"
            assert client.model("churn-sk-1")["model_data"].endswith("model.tar.gz")
            assert "Model churn-sk-1: made from training job churn-sk-1" in text
            assert "Endpoint churn-sk-1: creating, serving model churn-sk-1" in text
            assert "Endpoint churn-sk-1: InService after" in text
            assert "Model churn-sk-1: already made from this job's model.tar.gz." in text
            assert "Endpoint churn-rel: InService after" in text
            assert "Deploy failed: no file no-such-job here, and no training job no-such-job." in (
                text
            )
            # The job's code serves its model (model_fn of the script it trained with).
            predictor.serializer = JSONSerializer()
            assert predictor.predict([[1, 1, 1]]) == [6.0]
            assert [m["name"] for m in client.request("GET", "models")["items"]] == ["churn-sk-1"]
            predictor.delete_endpoint()
            again.delete_endpoint()
    finally:
        stop_all_instances(tmp_path)
