"""The Docker backend against a real engine: /opt/ml mounted, multi-instance, BYOC."""

from __future__ import annotations

import json
import shutil
import subprocess
import tarfile
from pathlib import Path
from typing import Any

import pytest

from jupyter_smstudio.jobs.backends.docker import container_pids_events

from .conftest import ApiCall
from .hosting_models import wheel
from .training_helpers import eventually, finished, full_log, until_logged, write

IMAGE = "smstudio-base:py311"


def _engine_problem() -> str | None:
    if shutil.which("docker") is None:
        return "no docker CLI"
    probe = subprocess.run(["docker", "image", "inspect", IMAGE], capture_output=True, timeout=30)
    if probe.returncode != 0:
        return f"no Docker engine or no {IMAGE} image (run scripts/docker-setup.sh)"
    return None


PROBLEM = _engine_problem()
pytestmark = [
    pytest.mark.slow,
    pytest.mark.usefixtures("jp_serverapp"),
    pytest.mark.skipif(PROBLEM is not None, reason=f"Docker backend tests: {PROBLEM}"),
]


@pytest.fixture
def jp_server_config(jp_server_config: dict[str, Any]) -> dict[str, Any]:
    return {**jp_server_config, "TrainingJobs": {"backend": "docker", "stop_grace_seconds": 2.0}}


async def test_script_mode_in_a_container_with_hard_coded_paths(
    api: ApiCall, jp_root_dir: Path
) -> None:
    write(
        jp_root_dir,
        "src/train.py",
        """
        import json, os, socket, sys
        hps = json.load(open("/opt/ml/input/config/hyperparameters.json"))
        data = open("/opt/ml/input/data/train/a.csv").read()
        json.dump({"argv": sys.argv[1:], "hps": hps, "data": data, "host": socket.gethostname(),
                   "model_dir": os.environ["SM_MODEL_DIR"], "cwd": os.getcwd()},
                  open("/opt/ml/model/report.json", "w"))
        print("loss=0.25")
    """,
    )
    write(jp_root_dir, "data/a.csv", "1,2\n")
    body = {"name": "dock", "entry_point": "train.py", "source_dir": "src",
            "hyperparameters": {"epochs": 2, "b": True}, "instance_type": "ml.m5.large",
            "channels": {"train": {"path": "data"}},
            "metric_definitions": [{"name": "loss", "regex": "loss=([0-9.]+)"}]}  # fmt: skip
    created = await api("POST", "training-jobs", body)
    assert created.status == 201, created.json
    assert created.json["backend"] == "docker"
    job = await finished(api, "dock", timeout=60)
    assert job["status"] == "Completed", (job, await full_log(api, "dock"))
    with tarfile.open(job["model_artifacts"]) as tar:
        report = json.load(tar.extractfile("report.json"))  # type: ignore[arg-type]
    assert report == {"argv": ["-b", "True", "--epochs", "2"],
                      "hps": {"epochs": "2", "b": "true",
                              # reserved, JSON-encoded, as the SDK sends them
                              "sagemaker_program": '"train.py"',
                              "sagemaker_submit_directory": '"/opt/ml/code"',
                              "sagemaker_job_name": '"dock"',
                              "sagemaker_region": '"us-east-1"',
                              "sagemaker_container_log_level": "20"},
                      "data": "1,2\n", "host": "algo-1",
                      "model_dir": "/opt/ml/model", "cwd": "/opt/ml/code"}  # fmt: skip
    assert job["final_metrics"][0]["value"] == 0.25


async def test_requirements_install_in_the_container(api: ApiCall, jp_root_dir: Path) -> None:
    # The launcher builds the environment with the container's Python (a wheel named by a
    # path relative to the code, as pip reads it there).
    write(
        jp_root_dir,
        "req/train.py",
        "import smstudio_scale\nprint('factor', smstudio_scale.FACTOR)\n",
    )
    wheel(jp_root_dir / "req", "smstudio_scale", "FACTOR = 10\n")
    write(jp_root_dir, "req/requirements.txt", "./smstudio_scale-1.0-py3-none-any.whl\n")
    body = {"name": "dock-req", "entry_point": "train.py", "source_dir": "req",
            "instance_type": "ml.m5.large"}  # fmt: skip
    assert (await api("POST", "training-jobs", body)).status == 201
    job = await finished(api, "dock-req", timeout=120)
    log = await full_log(api, "dock-req")
    assert job["status"] == "Completed", (job, log)
    assert "Installing -r /opt/ml/code/requirements.txt" in log
    assert "factor 10" in log


async def test_two_instances_find_each_other(api: ApiCall, jp_root_dir: Path) -> None:
    # A rendezvous as data-parallel frameworks do: workers connect to the master's port.
    write(
        jp_root_dir,
        "dist/train.py",
        """
        import json, os, socket, time
        hosts = json.loads(os.environ["SM_HOSTS"])
        me = os.environ["SM_CURRENT_HOST"]
        master, port = os.environ["SM_MASTER_ADDR"], int(os.environ["SM_MASTER_PORT"])
        if me == master:
            server = socket.create_server(("", port))
            peers = []
            for _ in hosts[1:]:
                conn, _ = server.accept()
                peers.append(conn.recv(64).decode())
                conn.sendall(b"welcome")
        else:
            deadline = time.time() + 30
            while True:
                try:
                    conn = socket.create_connection((master, port), timeout=2)
                    break
                except OSError:
                    if time.time() > deadline:
                        raise
                    time.sleep(0.1)
            conn.sendall(me.encode())
            peers = [conn.recv(64).decode()]
        print("host", me, "talked with", peers, flush=True)
        with open(os.path.join(os.environ["SM_MODEL_DIR"], me + ".json"), "w") as f:
            json.dump({"hosts": hosts, "me": me, "rank": os.environ["SM_CURRENT_HOST_RANK"],
                       "peers": peers}, f)
    """,
    )
    body = {"name": "two", "entry_point": "train.py", "source_dir": "dist", "instance_count": 2,
            "instance_type": "ml.m5.large"}  # fmt: skip
    assert (await api("POST", "training-jobs", body)).status == 201
    job = await finished(api, "two", timeout=60)
    log = await full_log(api, "two")
    assert job["status"] == "Completed", (job, log)
    assert "algo-1 | host algo-1 talked with ['algo-2']" in log
    assert "algo-2 | host algo-2 talked with ['welcome']" in log
    with tarfile.open(job["model_artifacts"]) as tar:
        assert sorted(tar.getnames()) == ["algo-1.json", "algo-2.json"]
        two = json.load(tar.extractfile("algo-2.json"))  # type: ignore[arg-type]
    assert two == {"hosts": ["algo-1", "algo-2"], "me": "algo-2", "rank": "1",
                   "peers": ["welcome"]}  # fmt: skip
    leftovers = subprocess.run(["docker", "ps", "-aq", "--filter", "name=smstudio-train-"],
                               capture_output=True, text=True, check=True)  # fmt: skip
    assert leftovers.stdout.strip() == ""


async def test_bring_your_own_container_and_stop(api: ApiCall, jp_root_dir: Path) -> None:
    body = {"name": "byoc", "image": IMAGE, "container_entrypoint": ["/bin/sh", "-c"],
            "container_arguments": ["trap 'echo term; exit 0' TERM; echo up; "
                                    "while true; do sleep 0.1; done"]}  # fmt: skip
    assert (await api("POST", "training-jobs", body)).status == 201
    await eventually(api, "byoc", lambda j: j["secondary_status"] == "Training", timeout=30)
    await until_logged(api, "byoc", "up")
    assert (await api("POST", "training-jobs/byoc/stop")).status == 200
    job = await finished(api, "byoc", timeout=30)
    assert job["status"] == "Stopped"
    assert "term" in await full_log(api, "byoc")


async def test_missing_image_is_refused(api: ApiCall) -> None:
    reply = await api("POST", "training-jobs", {"name": "noimg", "image": "no-such:image"})
    assert reply.status == 400
    assert reply.error["field"] == "image"


def test_a_created_container_is_watched_for_its_process_limit_once_it_starts(
    tmp_path: Path,
) -> None:
    """A container is inspectable before it starts, while its cgroup is not there yet: the
    process-limit watch must wait for the start rather than give up on the container."""
    name = f"smstudio-test-created-{tmp_path.name}"
    subprocess.run(["docker", "create", "--name", name, IMAGE, "sleep", "60"],
                   check=True, capture_output=True, timeout=60)  # fmt: skip
    try:
        assert container_pids_events("docker", name) == (False, None)
        subprocess.run(["docker", "start", name], check=True, capture_output=True, timeout=60)
        started, events_file = container_pids_events("docker", name)
        assert started
        assert events_file is None or events_file.name == "pids.events"
    finally:
        subprocess.run(["docker", "rm", "-f", name], capture_output=True, timeout=60)
