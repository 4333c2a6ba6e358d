"""Processing jobs through the REST API, with real processes (local backend)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from .conftest import ApiCall
from .training_helpers import eventually, finished, full_log, write

pytestmark = pytest.mark.usefixtures("jp_serverapp")

ROUTE = "processing-jobs"


@pytest.fixture
def jp_server_config(jp_server_config: dict[str, Any]) -> dict[str, Any]:
    return {**jp_server_config, "TrainingJobs": {"stop_grace_seconds": 1.0}}


async def ended(api: ApiCall, name: str, timeout: float = 30) -> Any:
    return await finished(api, name, timeout, route=ROUTE)


def job_body(name: str, **fields: Any) -> dict[str, Any]:
    """A script job: code/ shipped as the input 'code', run with python3."""
    return {
        "name": name,
        "container_entrypoint": ["python3", "/opt/ml/processing/input/code/run.py"],
        "inputs": [{"input_name": "code", "source": "code",
                    "destination": "/opt/ml/processing/input/code"}],
        **fields,
    }  # fmt: skip


CONTRACT_SCRIPT = """
    import json, os, sys
    config_dir, data_dir, out_dir = sys.argv[1:4]
    config = json.load(open(os.path.join(config_dir, "processingjobconfig.json")))
    resources = json.load(open(os.path.join(config_dir, "resourceconfig.json")))
    rows = sorted(open(os.path.join(data_dir, "part.csv")).read().split())
    os.makedirs(os.path.join(out_dir, "nested"), exist_ok=True)
    open(os.path.join(out_dir, "rows.txt"), "w").write(",".join(rows))
    open(os.path.join(out_dir, "nested", "n.txt"), "w").write("deep")
    print("argv", json.dumps(sys.argv[1:]))
    print("config", json.dumps(config))
    print("resources", json.dumps(resources))
    print("env", os.environ.get("GREETING"))
    print("processed", len(rows), "rows")
"""


@pytest.mark.slow
async def test_script_sees_the_processing_contract_and_outputs_are_saved(
    api: ApiCall, jp_root_dir: Path
) -> None:
    write(jp_root_dir, "code/run.py", CONTRACT_SCRIPT)
    write(jp_root_dir, "raw/part.csv", "b\na\nc\n")
    body = job_body(
        "contract",
        container_arguments=["/opt/ml/config", "/opt/ml/processing/input/data",
                             "/opt/ml/processing/output/clean"],
        inputs=[
            {"input_name": "code", "source": "code",
             "destination": "/opt/ml/processing/input/code"},
            {"input_name": "data", "source": "raw"},
        ],
        outputs=[
            {"output_name": "clean", "destination": "results/clean"},
            {"output_name": "other"},
        ],
        environment={"GREETING": "hello"},
        instance_type="local",
    )  # fmt: skip
    created = await api("POST", ROUTE, body)
    assert created.status == 201, created.json
    assert created.json["status"] == "InProgress"
    job = await ended(api, "contract")
    log = await full_log(api, "contract", route=ROUTE)
    assert job["status"] == "Completed", (job, log)
    assert job["failure_reason"] is None
    stages = [t["status"] for t in job["transitions"]]
    assert stages == ["Pending", "Starting", "Processing", "Uploading", "Completed"]
    assert "processed 3 rows" in log
    assert "env hello" in log

    # The output is saved where the job said, the other in the artifact store.
    clean = jp_root_dir / "results" / "clean"
    assert (clean / "rows.txt").read_text() == "a,b,c"
    assert (clean / "nested" / "n.txt").read_text() == "deep"
    locations = {o["output_name"]: o["path"] for o in job["output_locations"]}
    assert locations["clean"] == str(clean)
    assert locations["other"].endswith("/contract/output/other")
    assert Path(locations["other"]).is_dir()
    assert not [p for p in (jp_root_dir / "results").iterdir() if p.name.startswith(".")]

    # processingjobconfig.json is the request as CreateProcessingJob takes it.
    lines = {line.split(" ", 1)[0]: line.split(" ", 1)[1] for line in log.splitlines()
             if line.split(" ", 1)[0] in ("argv", "config", "resources")}  # fmt: skip
    config = json.loads(lines["config"])
    argv = json.loads(lines["argv"])
    base = argv[0].removesuffix("/config")  # the job's /opt/ml on the local backend
    assert argv[1:] == [f"{base}/processing/input/data", f"{base}/processing/output/clean"]
    assert config["ProcessingJobName"] == "contract"
    inputs = {i["InputName"]: i["S3Input"] for i in config["ProcessingInputs"]}
    assert inputs["data"]["LocalPath"] == f"{base}/processing/input/data"
    assert inputs["data"]["S3Uri"] == (jp_root_dir / "raw").as_uri()
    assert inputs["code"]["S3InputMode"] == "File"
    outputs = {o["OutputName"]: o["S3Output"] for o in config["ProcessingOutputConfig"]["Outputs"]}
    assert outputs["clean"]["LocalPath"] == f"{base}/processing/output/clean"
    assert outputs["clean"]["S3Uri"] == clean.as_uri()
    assert outputs["other"]["S3UploadMode"] == "EndOfJob"
    cluster = config["ProcessingResources"]["ClusterConfig"]
    assert cluster["InstanceCount"] == 1
    assert cluster["InstanceType"] == "local"
    assert config["AppSpecification"]["ContainerEntrypoint"] == body["container_entrypoint"]
    assert config["Environment"] == {"GREETING": "hello"}
    resources = json.loads(lines["resources"])
    assert resources["current_host"] == "algo-1"
    assert resources["hosts"] == ["algo-1"]

    # Kinds stay apart: no processing job among training jobs, and one name space.
    training = (await api("GET", "training-jobs")).json["items"]
    assert [j["name"] for j in training] == []
    assert (await api("GET", "training-jobs/contract")).status == 404
    listed = (await api("GET", ROUTE)).json["items"]
    assert [j["name"] for j in listed] == ["contract"]
    clash = await api("POST", "training-jobs", {"name": "contract", "entry_point": "code/run.py"})
    assert clash.status == 409, clash.json
    # Another user sees nothing.
    assert (await api("GET", f"{ROUTE}/contract", user="bob")).status == 404


@pytest.mark.slow
async def test_failure_message_and_no_half_written_outputs(api: ApiCall, jp_root_dir: Path) -> None:
    write(
        jp_root_dir,
        "code/run.py",
        """
        import sys
        out, message = sys.argv[1:3]
        open(out + "/half.txt", "w").write("not done")
        with open(message, "w") as f:
            f.write("ValueError: column 'price' is empty")
        raise SystemExit(3)
    """,
    )
    body = job_body(
        "broken",
        container_arguments=["/opt/ml/processing/output/result", "/opt/ml/output/message"],
        outputs=[{"output_name": "result", "destination": "results/broken"}],
    )
    assert (await api("POST", ROUTE, body)).status == 201
    job = await ended(api, "broken")
    assert job["status"] == "Failed", (job, await full_log(api, "broken", route=ROUTE))
    assert job["failure_reason"] == "ValueError: column 'price' is empty"
    assert job["secondary_status"] == "Failed"
    # Nothing of the failed job's output is in the user's space, not even hidden.
    assert not (jp_root_dir / "results").exists()


@pytest.mark.slow
async def test_traceback_is_the_failure_reason_without_a_message(
    api: ApiCall, jp_root_dir: Path
) -> None:
    write(jp_root_dir, "code/run.py", "raise KeyError('no such column: amount')\n")
    assert (await api("POST", ROUTE, job_body("crash"))).status == 201
    job = await ended(api, "crash")
    assert job["status"] == "Failed"
    assert "ExitCode 1" in job["failure_reason"]
    assert "KeyError: 'no such column: amount'" in job["failure_reason"]


@pytest.mark.slow
async def test_stop_ends_the_job_and_saves_no_output(api: ApiCall, jp_root_dir: Path) -> None:
    write(
        jp_root_dir,
        "code/run.py",
        """
        import os, sys, time
        open(sys.argv[1] + "/early.txt", "w").write("partial")
        print("working", flush=True)
        time.sleep(60)
    """,
    )
    body = job_body(
        "stopme",
        container_arguments=["/opt/ml/processing/output/out"],
        outputs=[{"output_name": "out", "destination": "results/stopme"}],
    )
    assert (await api("POST", ROUTE, body)).status == 201
    await eventually(api, "stopme", lambda j: j["secondary_status"] == "Processing", route=ROUTE)
    stopped = await api("POST", f"{ROUTE}/stopme/stop")
    assert stopped.status == 200, stopped.json
    assert stopped.json["status"] in ("Stopping", "Stopped")
    job = await ended(api, "stopme")
    assert job["status"] == "Stopped"
    assert not (jp_root_dir / "results").exists()
    again = await api("POST", f"{ROUTE}/stopme/stop")
    assert again.status == 422
    assert "working" in await full_log(api, "stopme", route=ROUTE)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"instance_type": "ml.nope"}, "instance_type"),
        ({"image": "some/image:1"}, "image"),
        ({"container_entrypoint": None}, "container_entrypoint"),
        ({"instance_count": 2}, "instance_count"),
        ({"inputs": [{"input_name": "d", "source": "missing"}]}, "inputs.1.source"),
        ({"inputs": [{"input_name": "d", "source": "../outside"}]}, "inputs.1.source"),
        ({"inputs": [{"input_name": "d", "source": "data", "destination": "/tmp/d"}]},
         "inputs.1.destination"),
        ({"inputs": [{"input_name": "d", "source": "data",
                      "destination": "/opt/ml/processing/../input"}]}, "inputs.1.destination"),
        ({"inputs": [{"input_name": "d", "source": "data"}, {"input_name": "d", "source": "data",
                      "destination": "/opt/ml/processing/other"}]}, "inputs.2.input_name"),
        ({"inputs": [{"input_name": "d", "source": "data"},
                     {"input_name": "e", "source": "data",
                      "destination": "/opt/ml/processing/input/d/e"}]}, "inputs"),
        ({"outputs": [{"output_name": "o", "source": "/opt/ml/processing/input/code"}]},
         "outputs"),
        ({"outputs": [{"output_name": "o", "destination": "/etc/o"}]}, "outputs.0.destination"),
        ({"outputs": [{"output_name": "o o"}]}, "outputs.0.output_name"),
        ({"environment": {"1BAD": "x"}}, "environment.1BAD"),
    ],
)  # fmt: skip
async def test_bad_input_is_refused_before_anything_runs(
    api: ApiCall, jp_root_dir: Path, change: dict[str, Any], field: str
) -> None:
    write(jp_root_dir, "code/run.py", "print('hi')\n")
    (jp_root_dir / "data").mkdir(exist_ok=True)
    body = {**job_body("bad"), **change}
    if "inputs" in change:  # after the code input
        body["inputs"] = [*job_body("bad")["inputs"], *change["inputs"]]
    reply = await api("POST", ROUTE, body)
    assert reply.status == 400, reply.json
    assert reply.error["field"] == field
    assert (await api("GET", f"{ROUTE}/bad")).status == 404


@pytest.mark.slow
async def test_remote_input_is_downloaded_before_the_job_starts(
    api: ApiCall, jp_root_dir: Path
) -> None:
    fsspec = pytest.importorskip("fsspec")
    memory = fsspec.filesystem("memory")  # in-process, like a bucket the server can read
    memory.pipe("/bucket/raw/part-0.csv", b"3,4\n")
    write(
        jp_root_dir,
        "code/run.py",
        """
        import os, sys
        for name in sorted(os.listdir(sys.argv[1])):
            print(name, open(os.path.join(sys.argv[1], name)).read().strip())
    """,
    )
    body = job_body(
        "remote",
        container_arguments=["/opt/ml/processing/input/raw"],
        inputs=[*job_body("remote")["inputs"],
                {"input_name": "raw", "source": "memory://bucket/raw"}],
    )  # fmt: skip
    assert (await api("POST", ROUTE, body)).status == 201
    job = await ended(api, "remote")
    log = await full_log(api, "remote", route=ROUTE)
    assert job["status"] == "Completed", log
    assert "part-0.csv 3,4" in log
