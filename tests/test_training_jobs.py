"""Training jobs through the REST API, with real processes (local backend)."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path
from typing import Any

import pytest

from .conftest import ApiCall
from .training_helpers import eventually, finished, full_log, write

pytestmark = pytest.mark.usefixtures("jp_serverapp")


@pytest.fixture
def jp_server_config(jp_server_config: dict[str, Any]) -> dict[str, Any]:
    """A short stop grace period, and a queue of two per user."""
    return {
        **jp_server_config,
        "TrainingJobs": {"stop_grace_seconds": 1.0, "max_concurrent_jobs_per_user": 2},
    }


CONTRACT_SCRIPT = """
    import argparse, json, os, sys
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int)
    parser.add_argument("--learning-rate", type=float)
    parser.add_argument("--use-gpu")
    parser.add_argument("-k")
    parser.add_argument("--opts")
    parser.add_argument("--name")
    args = parser.parse_args()
    base = os.environ["SAGEMAKER_BASE_DIR"]
    config = os.path.join(base, "input", "config")
    report = {
        "argv": sys.argv[1:],
        "cwd": os.getcwd(),
        "env": {k: v for k, v in os.environ.items()
                if k.startswith("SM_") or k in ("CURRENT_HOST", "SAGEMAKER_JOB_NAME",
                                                "PYTHONPATH", "SAGEMAKER_BASE_DIR")},
        "files": {n: json.load(open(os.path.join(config, n)))
                  for n in ("hyperparameters.json", "inputdataconfig.json",
                            "resourceconfig.json")},
        "train": sorted(os.listdir(os.environ["SM_CHANNEL_TRAIN"])),
        "data": open(os.path.join(os.environ["SM_CHANNEL_TRAIN"], "a.csv")).read(),
    }
    from sagemaker_training import environment
    env = environment.Environment()
    report["toolkit"] = {"model_dir": env.model_dir, "hps": env.hyperparameters,
                         "channels": env.channel_input_dirs}
    with open(os.path.join(os.environ["SM_MODEL_DIR"], "report.json"), "w") as f:
        json.dump(report, f)
    print("contract ok")
"""


@pytest.mark.slow
async def test_script_sees_the_whole_sagemaker_contract(api: ApiCall, jp_root_dir: Path) -> None:
    write(jp_root_dir, "src/train.py", CONTRACT_SCRIPT)
    write(jp_root_dir, "data/train/a.csv", "1,2\n")
    hps = {
        "epochs": 3,
        "learning-rate": 0.1,
        "use-gpu": True,
        "k": "v",
        "opts": {"b": 2, "a": 1},
        "name": "adam",
        "sagemaker_program": "x.py",
    }
    created = await api("POST", "training-jobs", {
        "name": "contract", "entry_point": "train.py", "source_dir": "src",
        "hyperparameters": hps, "instance_type": "local",
        "channels": {"train": {"path": "data/train", "content_type": "text/csv"}},
    })  # fmt: skip
    assert created.status == 201, created.json
    job = await finished(api, "contract")
    assert job["status"] == "Completed", (job, await full_log(api, "contract"))
    with tarfile.open(job["model_artifacts"]) as tar:
        assert tar.getnames() == ["report.json"]  # files at the archive root
        report = json.load(tar.extractfile("report.json"))  # type: ignore[arg-type]
    env, files = report["env"], report["files"]
    base = env["SAGEMAKER_BASE_DIR"]
    # Command line: keys sorted, one-letter -k, booleans as str(), dicts as k=v pairs.
    assert report["argv"] == [
        "--epochs",
        "3",
        "-k",
        "v",
        "--learning-rate",
        "0.1",
        "--name",
        "adam",
        "--opts",
        "a=1,b=2",
        "--use-gpu",
        "True",
    ]
    assert report["cwd"] == f"{base}/code"
    # hyperparameters.json: every value a JSON string, as the SDK writes it.
    assert files["hyperparameters.json"]["epochs"] == "3"
    assert files["hyperparameters.json"]["name"] == '"adam"'
    assert files["inputdataconfig.json"] == {
        "train": {
            "ContentType": "text/csv",
            "TrainingInputMode": "File",
            "S3DistributionType": "FullyReplicated",
            "RecordWrapperType": "None",
        }
    }
    resources = files["resourceconfig.json"]
    assert resources["current_host"] == "algo-1"
    assert resources["hosts"] == ["algo-1"]
    assert resources["network_interface_name"] == "eth0"
    assert resources["current_instance_type"] == "local"
    assert env["SM_HP_USE-GPU"] == "true"  # JSON in SM_HP_*, True on the command line
    assert env["SM_HP_LEARNING-RATE"] == "0.1"
    assert env["SM_HP_NAME"] == "adam"
    assert env["SM_HP_OPTS"] == '{"a":1,"b":2}'
    assert "SM_HP_SAGEMAKER_PROGRAM" not in env  # reserved keys are not the user's
    assert json.loads(env["SM_HPS"]) == {k: v for k, v in hps.items() if k != "sagemaker_program"}
    assert env["SM_CHANNELS"] == '["train"]'
    assert env["SM_CHANNEL_TRAIN"] == f"{base}/input/data/train"
    assert env["SM_MODEL_DIR"] == f"{base}/model"
    assert env["SM_OUTPUT_DATA_DIR"] == f"{base}/output/data"
    assert env["SM_OUTPUT_DIR"] == f"{base}/output"
    assert env["SM_INPUT_DIR"] == f"{base}/input"
    assert env["SM_INPUT_CONFIG_DIR"] == f"{base}/input/config"
    assert env["SM_OUTPUT_INTERMEDIATE_DIR"] == f"{base}/output/intermediate"
    assert env["SM_MODULE_DIR"] == f"{base}/code"
    assert env["SM_MODULE_NAME"] == "train"
    assert env["SM_USER_ENTRY_POINT"] == "train.py"
    assert json.loads(env["SM_USER_ARGS"]) == report["argv"]
    assert env["SM_HOSTS"] == '["algo-1"]'
    assert env["SM_CURRENT_HOST"] == "algo-1"
    assert env["CURRENT_HOST"] == "algo-1"
    assert env["SM_CURRENT_INSTANCE_TYPE"] == "local"
    assert env["SM_NETWORK_INTERFACE_NAME"] == "eth0"
    assert env["SM_FRAMEWORK_PARAMS"] == "{}"
    assert env["SM_FRAMEWORK_MODULE"] == ""
    assert env["SM_LOG_LEVEL"] == "20"
    assert int(env["SM_NUM_CPUS"]) >= 1
    assert env["SM_NUM_GPUS"] == "0"
    assert env["SM_NUM_NEURONS"] == "0"
    assert json.loads(env["SM_RESOURCE_CONFIG"]) == resources
    assert json.loads(env["SM_INPUT_DATA_CONFIG"]) == files["inputdataconfig.json"]
    assert env["SM_CURRENT_INSTANCE_GROUP"] == "homogeneousCluster"
    assert json.loads(env["SM_CURRENT_INSTANCE_GROUP_HOSTS"]) == ["algo-1"]
    assert json.loads(env["SM_INSTANCE_GROUPS"]) == ["homogeneousCluster"]
    assert "homogeneousCluster" in json.loads(env["SM_INSTANCE_GROUPS_DICT"])
    assert env["SM_DISTRIBUTION_INSTANCE_GROUPS"] == "[]"
    assert env["SM_IS_HETERO"] == "false"
    assert env["SAGEMAKER_JOB_NAME"] == "contract"
    training_env = json.loads(env["SM_TRAINING_ENV"])
    assert training_env["hyperparameters"]["epochs"] == 3
    assert training_env["channel_input_dirs"] == {"train": env["SM_CHANNEL_TRAIN"]}
    assert training_env["job_name"] == "contract"
    assert env["SM_MASTER_ADDR"] == "algo-1"
    assert env["SM_HOST_COUNT"] == "1"
    assert env["SM_CURRENT_HOST_RANK"] == "0"
    assert env["PYTHONPATH"].split(":")[0] == f"{base}/code"
    assert report["train"] == ["a.csv"]
    assert report["data"] == "1,2\n"
    assert report["toolkit"]["model_dir"] == env["SM_MODEL_DIR"]
    assert report["toolkit"]["hps"]["opts"] == {"a": 1, "b": 2}
    statuses = [t["status"] for t in job["transitions"]]
    assert statuses == ["Pending", "Starting", "Downloading", "Training", "Uploading", "Completed"]
    assert all(t["end_ms"] >= t["start_ms"] for t in job["transitions"])


@pytest.mark.slow
async def test_model_fn_script_packs_model_and_output(api: ApiCall, jp_root_dir: Path) -> None:
    write(
        jp_root_dir,
        "mfn/train.py",
        """
        import os, pickle
        def model_fn(model_dir):
            return pickle.load(open(os.path.join(model_dir, "model.pkl"), "rb"))
        if __name__ == "__main__":
            model_dir = os.environ["SM_MODEL_DIR"]
            pickle.dump({"w": [1, 2]}, open(os.path.join(model_dir, "model.pkl"), "wb"))
            os.makedirs(os.path.join(model_dir, "code"))
            open(os.path.join(model_dir, "code", "inference.py"), "w").write("x = 1\\n")
            open(os.path.join(os.environ["SM_OUTPUT_DATA_DIR"], "eval.txt"), "w").write("ok")
            print("loaded", model_fn(model_dir))
    """,
    )
    body = {
        "name": "mfn",
        "entry_point": "train.py",
        "source_dir": "mfn",
        "output_path": "artifacts",
    }
    assert (await api("POST", "training-jobs", body)).status == 201
    job = await finished(api, "mfn")
    assert job["status"] == "Completed"
    model = jp_root_dir / "artifacts" / "mfn" / "output" / "model.tar.gz"
    assert job["model_artifacts"] == str(model)
    with tarfile.open(model) as tar:
        assert sorted(tar.getnames()) == ["code", "code/inference.py", "model.pkl"]
    with tarfile.open(model.with_name("output.tar.gz")) as tar:
        assert tar.getnames() == ["eval.txt"]
    listed = (await api("GET", "training-jobs/mfn/artifacts")).json["items"]
    assert {a["name"] for a in listed} == {"model.tar.gz", "output.tar.gz"}
    assert "loaded {'w': [1, 2]}" in await full_log(api, "mfn")


@pytest.mark.slow
async def test_crash_fails_with_traceback_and_keeps_logs_and_model(
    api: ApiCall, jp_root_dir: Path
) -> None:
    write(
        jp_root_dir,
        "crash.py",
        """
        import os
        print("before the crash")
        open(os.path.join(os.environ["SM_MODEL_DIR"], "partial.txt"), "w").write("x")
        raise ValueError("bad learning rate")
    """,
    )
    assert (
        await api("POST", "training-jobs", {"name": "crash", "entry_point": "crash.py"})
    ).status == 201
    job = await finished(api, "crash")
    assert job["status"] == "Failed"
    assert job["secondary_status"] == "Failed"
    assert "ValueError: bad learning rate" in job["failure_reason"]
    assert "Traceback" in job["failure_reason"]
    assert "before the crash" in await full_log(api, "crash")
    with tarfile.open(job["model_artifacts"]) as tar:  # packed on failure too
        assert tar.getnames() == ["partial.txt"]


@pytest.mark.slow
async def test_output_failure_file_is_the_failure_reason(api: ApiCall, jp_root_dir: Path) -> None:
    write(
        jp_root_dir,
        "fail.sh",
        """
        echo "custom failure: no data" > "$SM_OUTPUT_DIR/failure"
        exit 3
    """,
    )
    assert (
        await api("POST", "training-jobs", {"name": "shfail", "entry_point": "fail.sh"})
    ).status == 201
    job = await finished(api, "shfail")
    assert job["status"] == "Failed"
    assert job["failure_reason"] == "custom failure: no data"


@pytest.mark.slow
async def test_log_streams_with_cursor_and_metrics_are_extracted(
    api: ApiCall, jp_root_dir: Path
) -> None:
    write(
        jp_root_dir,
        "metrics.py",
        """
        import sys, time
        for epoch in range(5):
            print(f"epoch={epoch} loss={1.0 / (epoch + 1):.3f} acc: {epoch * 0.2:.1f}", flush=True)
            time.sleep(0.15)
    """,
    )
    body = {"name": "metrics", "entry_point": "metrics.py", "metric_definitions": [
        {"name": "train:loss", "regex": r"loss=([0-9.]+)"},
        {"name": "acc", "regex": r"acc: ([0-9.]+)"}]}  # fmt: skip
    assert (await api("POST", "training-jobs", body)).status == 201
    cursor, text, chunks = 0, "", 0
    while True:
        page = (await api("GET", "training-jobs/metrics/logs", params={"cursor": cursor})).json
        text += page["text"]
        chunks += bool(page["text"])
        cursor = page["next_cursor"]
        if page["finished"]:
            break
        live = (await api("GET", "training-jobs/metrics/metrics")).json["metrics"]
    assert chunks >= 2  # arrived in pieces while the job ran
    assert [line for line in text.splitlines() if line.startswith("epoch=")] == [
        f"epoch={e} loss={1.0 / (e + 1):.3f} acc: {e * 0.2:.1f}" for e in range(5)
    ]
    series = {
        s["name"]: [p["value"] for p in s["points"]]
        for s in (await api("GET", "training-jobs/metrics/metrics")).json["metrics"]
    }
    assert series["train:loss"] == [1.0, 0.5, 0.333, 0.25, 0.2]
    assert series["acc"] == [0.0, 0.2, 0.4, 0.6, 0.8]
    job = (await api("GET", "training-jobs/metrics")).json
    assert {m["name"]: m["value"] for m in job["final_metrics"]} == {"train:loss": 0.2, "acc": 0.8}
    assert live is not None


@pytest.mark.slow
async def test_stop_sends_sigterm_then_sigkill(api: ApiCall, jp_root_dir: Path) -> None:
    write(
        jp_root_dir,
        "stubborn.py",
        """
        import signal, time
        signal.signal(signal.SIGTERM, lambda *a: print("got SIGTERM, ignoring", flush=True))
        print("running", flush=True)
        while True:
            time.sleep(0.1)
    """,
    )
    assert (
        await api("POST", "training-jobs", {"name": "stop", "entry_point": "stubborn.py"})
    ).status == 201
    await eventually(api, "stop", lambda j: j["secondary_status"] == "Training")
    stopping = await api("POST", "training-jobs/stop/stop")
    assert stopping.status == 200
    assert stopping.json["status"] in ("Stopping", "Stopped")
    job = await finished(api, "stop", timeout=20)
    assert job["status"] == "Stopped"
    assert job["secondary_status"] == "Stopped"
    assert "got SIGTERM, ignoring" in await full_log(api, "stop")
    again = await api("POST", "training-jobs/stop/stop")
    assert again.status == 422


@pytest.mark.slow
async def test_max_runtime_ends_the_job_as_max_runtime_exceeded(
    api: ApiCall, jp_root_dir: Path
) -> None:
    write(jp_root_dir, "slow.py", "import time\nprint('start', flush=True)\ntime.sleep(60)\n")
    body = {"name": "slow", "entry_point": "slow.py", "max_runtime_seconds": 1}
    assert (await api("POST", "training-jobs", body)).status == 201
    job = await finished(api, "slow", timeout=20)
    assert job["status"] == "Stopped"
    assert job["secondary_status"] == "MaxRuntimeExceeded"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"channels": {"train": {"path": "nope"}}}, "channels.train.path"),
        ({"channels": {"train": {"path": "/etc"}}}, "channels.train.path"),
        ({"channels": {"bad name": {"path": "data"}}}, "channels.bad name"),
        ({"instance_type": "ml.p99.huge"}, "instance_type"),
        (
            {"metric_definitions": [{"name": "loss", "regex": "loss=([0-9"}]},
            "metric_definitions.0.regex",
        ),
        ({"source_dir": "../outside"}, "source_dir"),
        ({"entry_point": "missing.py"}, "entry_point"),
        ({"hyperparameters": {"bad key": 1}}, "hyperparameters.bad key"),
        ({"hyperparameters": {"nested": {"a": {"b": 1}}}}, "hyperparameters.nested"),
        ({"output_path": "/tmp/elsewhere"}, "output_path"),
        ({"instance_count": 2}, "instance_count"),
        ({"environment": {"1BAD": "x"}}, "environment.1BAD"),
        ({"max_runtime_seconds": 0}, "max_runtime_seconds"),
        ({"name": "bad_name!"}, "name"),
    ],
)
async def test_bad_input_is_refused_before_anything_runs(
    api: ApiCall, jp_root_dir: Path, change: dict[str, Any], field: str
) -> None:
    write(jp_root_dir, "src/train.py", "print('hi')\n")
    (jp_root_dir / "data").mkdir(exist_ok=True)
    body = {"name": "bad", "entry_point": "train.py", "source_dir": "src", **change}
    reply = await api("POST", "training-jobs", body)
    assert reply.status == 400, reply.json
    assert reply.error["field"] == field
    assert (await api("GET", "training-jobs/bad")).status == 404


@pytest.mark.slow
async def test_queue_limits_and_owners_are_kept_apart(api: ApiCall, jp_root_dir: Path) -> None:
    write(
        jp_root_dir,
        "wait.py",
        """
        import os, time
        while not os.path.exists(os.path.join(os.environ["SM_CHANNEL_GO"], "go")):
            time.sleep(0.05)
    """,
    )
    go = jp_root_dir / "go"
    go.mkdir()
    body = {"entry_point": "wait.py", "channels": {"go": {"path": "go"}}}
    for name in ("q1", "q2", "q3"):
        assert (await api("POST", "training-jobs", {"name": name, **body})).status == 201
    await eventually(api, "q2", lambda j: j["secondary_status"] == "Training")
    third = (await api("GET", "training-jobs/q3")).json
    assert third["status"] == "InProgress"
    assert third["secondary_status"] == "Pending"
    assert (await api("GET", "training-jobs/q1", user="bob")).status == 404
    assert (await api("GET", "training-jobs", user="bob")).json["items"] == []
    pending = await api("GET", "training-jobs", params={"status": "InProgress"})
    assert {j["name"] for j in pending.json["items"]} == {"q1", "q2", "q3"}
    (go / "go").write_text("")
    for name in ("q1", "q2", "q3"):
        assert (await finished(api, name))["status"] == "Completed"
    q3 = (await api("GET", "training-jobs/q3")).json
    assert [t["status"] for t in q3["transitions"]][:2] == ["Pending", "Starting"]
    assert (await api("POST", "training-jobs", {"name": "q1", **body})).status == 409


@pytest.mark.slow
async def test_requirements_install_into_an_environment_cached_by_content(
    api: ApiCall, jp_root_dir: Path
) -> None:
    # numpy is already in the server's environment: the venv (with system site-packages)
    # satisfies it without a download, which keeps this test offline.
    write(jp_root_dir, "req/requirements.txt", "numpy\n")
    write(jp_root_dir, "req/train.py", "import numpy, sys\nprint('python', sys.prefix)\n")
    body = {"entry_point": "train.py", "source_dir": "req"}
    assert (await api("POST", "training-jobs", {"name": "req-1", **body})).status == 201
    first = await finished(api, "req-1", timeout=120)
    log1 = await full_log(api, "req-1")
    assert first["status"] == "Completed", log1
    assert "Installing -r" in log1
    assert (await api("POST", "training-jobs", {"name": "req-2", **body})).status == 201
    second = await finished(api, "req-2", timeout=60)
    log2 = await full_log(api, "req-2")
    assert second["status"] == "Completed", log2
    assert "Reusing the environment cached" in log2
    assert "Installing" not in log2
    prefix = [line for line in log1.splitlines() if line.startswith("python ")]
    assert prefix
    assert prefix == [x for x in log2.splitlines() if x.startswith("python ")]


@pytest.mark.slow
async def test_a_source_dir_with_setup_py_is_installed_and_run_as_a_module(
    api: ApiCall, jp_root_dir: Path
) -> None:
    # Package mode, as the toolkit does it: pip installs the code directory, then the
    # entry point runs with ``python -m`` (hyperparameters still arrive as arguments).
    write(
        jp_root_dir,
        "pkg/setup.py",
        "from setuptools import setup\n"
        "setup(name='smstudio-pkg-job', version='1.2.3', packages=['trainer'])\n",
    )
    write(jp_root_dir, "pkg/trainer/__init__.py", "")
    write(
        jp_root_dir,
        "pkg/trainer/main.py",
        """
        import importlib.metadata, sys
        print("installed", importlib.metadata.version("smstudio-pkg-job"), sys.argv[1:])
    """,
    )
    body = {
        "name": "pkg",
        "entry_point": "trainer/main.py",
        "source_dir": "pkg",
        "hyperparameters": {"epochs": 2},
    }
    assert (await api("POST", "training-jobs", body)).status == 201
    job = await finished(api, "pkg", timeout=180)
    log = await full_log(api, "pkg")
    assert job["status"] == "Completed", log
    assert "-m trainer.main" in log
    assert "installed 1.2.3 ['--epochs', '2']" in log


@pytest.mark.slow
async def test_a_requirement_that_cannot_install_fails_the_job_with_pips_error(
    api: ApiCall, jp_root_dir: Path
) -> None:
    write(jp_root_dir, "bad-req/requirements.txt", "--no-index\nno-such-package-smstudio==1.0\n")
    write(jp_root_dir, "bad-req/train.py", "print('never runs')\n")
    body = {"name": "bad-req", "entry_point": "train.py", "source_dir": "bad-req"}
    assert (await api("POST", "training-jobs", body)).status == 201
    job = await finished(api, "bad-req", timeout=120)
    assert job["status"] == "Failed"
    assert job["failure_reason"].startswith("InstallError: pip install -r ")
    assert (
        "No matching distribution found for no-such-package-smstudio==1.0" in job["failure_reason"]
    )
    assert "never runs" not in await full_log(api, "bad-req")


@pytest.mark.slow
async def test_remote_channel_is_downloaded_before_the_job_starts(
    api: ApiCall, jp_root_dir: Path
) -> None:
    fsspec = pytest.importorskip("fsspec")
    memory = fsspec.filesystem("memory")  # in-process, like a bucket the server can read
    memory.pipe("/bucket/train/part-0.csv", b"3,4\n")
    memory.pipe("/bucket/train/nested/part-1.csv", b"5,6\n")
    write(
        jp_root_dir,
        "remote.py",
        """
        import os
        base = os.environ["SM_CHANNEL_TRAIN"]
        for root, _, files in sorted(os.walk(base)):
            for name in sorted(files):
                print(os.path.relpath(os.path.join(root, name), base),
                      open(os.path.join(root, name)).read().strip())
    """,
    )
    body = {"name": "remote", "entry_point": "remote.py",
            "channels": {"train": {"path": "memory://bucket/train"}}}  # fmt: skip
    assert (await api("POST", "training-jobs", body)).status == 201
    job = await finished(api, "remote")
    log = await full_log(api, "remote")
    assert job["status"] == "Completed", log
    assert "part-0.csv 3,4" in log
    assert "nested/part-1.csv 5,6" in log


CHECKPOINTER = """
    import os, time
    base = os.environ.get("SAGEMAKER_BASE_DIR", "/opt/ml")
    checkpoints = os.path.join(base, "checkpoints")
    before = sorted(os.listdir(checkpoints))
    print("restored", before, flush=True)
    with open(os.path.join(checkpoints, f"epoch-{len(before) + 1}.txt"), "w") as f:
        f.write("weights")
    go = os.path.join(os.environ["SM_CHANNEL_FLAGS"], "go")
    while not os.path.exists(go):
        time.sleep(0.05)
"""


@pytest.mark.slow
async def test_checkpoints_reach_checkpoint_path_during_training_and_restore_next_time(
    api: ApiCall, jp_root_dir: Path
) -> None:
    write(jp_root_dir, "ck/train.py", CHECKPOINTER)
    (jp_root_dir / "ck-flags").mkdir()
    body = {
        "entry_point": "train.py",
        "source_dir": "ck",
        "checkpoint_path": "ck-saved",
        "channels": {"flags": {"path": "ck-flags"}},
    }
    assert (await api("POST", "training-jobs", {"name": "ck-1", **body})).status == 201
    saved = jp_root_dir / "ck-saved" / "epoch-1.txt"

    # The job is still running (waiting for its flag) when the checkpoint is saved.
    job = await eventually(api, "ck-1", lambda j: saved.exists(), timeout=30)
    assert job["status"] == "InProgress"
    assert saved.read_text() == "weights"
    (jp_root_dir / "ck-flags" / "go").write_text("")
    assert (await finished(api, "ck-1"))["status"] == "Completed"
    # A later job with the same checkpoint_path starts from what was saved.
    assert (await api("POST", "training-jobs", {"name": "ck-2", **body})).status == 201
    second = await finished(api, "ck-2")
    assert second["status"] == "Completed", await full_log(api, "ck-2")
    assert "restored ['epoch-1.txt']" in await full_log(api, "ck-2")
    assert sorted(p.name for p in saved.parent.iterdir()) == ["epoch-1.txt", "epoch-2.txt"]
