"""Experiments on the embedded MLflow: auth, jobs as runs, kernels, privacy, shutdown.

One real server process (and so one real MLflow) serves the module's slow tests; the
last one stops it and checks that MLflow's processes are gone.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import signal
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from .conftest import USERS
from .kernels import run_code
from .servers import ServerProcess
from .waiting import SCALE, eventually, wait_until

#: MLflow's first start (database creation) takes 10-50 s on a loaded 2-core machine.
START = 180.0
API = "api/2.0/mlflow/"
ENDED = {"FINISHED", "FAILED", "KILLED"}


def descendants(pid: int) -> list[int]:
    """Every live process under ``pid`` (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] != "Z":
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def gone(pid: int) -> bool:
    """Ended (a zombie waiting for a parent that does not reap counts as ended)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def mlflow_pids(root: int) -> list[int]:
    out = []
    for pid in descendants(root):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"mlflow" in cmdline:
            out.append(pid)
    return out


def listening_inet_inodes() -> set[str]:
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if os.path.exists(table):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                if fields[3] == "0A":  # LISTEN
                    inodes.add(fields[9])
    return inodes


def socket_inodes(pid: int) -> set[str]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    return inodes


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    proc = ServerProcess(
        tmp_path_factory.mktemp("experiments"),
        extra_args=("--Experiments.log_jobs=True", "--Experiments.idle_timeout=0"),
    ).start()
    yield proc
    proc.stop()


def mlflow(
    server: ServerProcess, method: str, path: str, headers: dict[str, str] | None = None, **kw: Any
) -> requests.Response:
    return requests.request(
        method,
        server.url + "smstudio/mlflow/" + path,
        headers=server.headers if headers is None else headers,
        timeout=START * SCALE,
        **kw,
    )


@pytest.mark.slow
def test_the_proxy_answers_mlflow_with_jupyter_auth_and_refuses_without(
    server: ServerProcess,
) -> None:
    r = mlflow(server, "GET", API + "experiments/search", params={"max_results": 5})
    assert r.status_code == 200, r.text
    assert [e["name"] for e in r.json()["experiments"]] == ["Default"]
    # MLflow's client sends MLFLOW_TRACKING_TOKEN as a bearer token: Jupyter takes it.
    bearer = {"Authorization": f"Bearer {server.token}"}
    assert mlflow(server, "GET", API + "experiments/search?max_results=5", bearer).ok
    for headers in ({}, {"Authorization": "token wrong"}):
        r = mlflow(server, "GET", API + "experiments/search?max_results=5", headers)
        assert r.status_code == 403, r.text
        assert r.json()["error"]["code"] == "AccessDenied"
        r = mlflow(server, "POST", API + "experiments/create", headers, json={"name": "x"})
        assert r.status_code == 403
    # An anonymous browser is sent to the login page instead.
    r = mlflow(server, "GET", "", {"Accept": "text/html"}, allow_redirects=False)
    assert r.status_code == 302
    assert "/login?next=" in r.headers["Location"]
    # The UI, under the same prefix.
    page = mlflow(server, "GET", "")
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert "<html" in page.text.lower()
    # MLflow listens on a private Unix socket: no TCP port other local users could reach.
    assert server.proc is not None
    pids = mlflow_pids(server.proc.pid)
    assert pids
    listening = listening_inet_inodes()
    assert all(not socket_inodes(pid) & listening for pid in pids)


@pytest.mark.slow
def test_a_kernel_logs_to_mlflow_with_no_configuration(server: ServerProcess) -> None:
    kernel = requests.post(
        server.url + "api/kernels", headers=server.headers, json={}, timeout=60
    ).json()["id"]
    code = textwrap.dedent(
        """
        import mlflow
        mlflow.set_experiment("notebook")
        with mlflow.start_run() as run:
            mlflow.log_param("alpha", 0.5)
            mlflow.log_metric("loss", 0.25, step=3)
        print("RUN", run.info.run_id)
        """
    )
    try:
        out = run_code(server.url, server.headers, kernel, code)
    finally:
        requests.delete(server.url + f"api/kernels/{kernel}", headers=server.headers, timeout=60)
    run_id = out.split("RUN ")[1].split()[0]
    run = mlflow(server, "GET", API + "runs/get", params={"run_id": run_id}).json()["run"]
    assert run["data"]["params"] == [{"key": "alpha", "value": "0.5"}]
    assert [(m["key"], m["value"], m["step"]) for m in run["data"]["metrics"]] == [
        ("loss", 0.25, 3)
    ]


def job_run(server: ServerProcess, owner: str, name: str) -> dict[str, Any] | None:
    experiment = mlflow(
        server, "GET", API + "experiments/get-by-name", params={"experiment_name": f"{owner}/jobs"}
    )
    if experiment.status_code != 200:
        return None
    found = mlflow(
        server,
        "POST",
        API + "runs/search",
        json={
            "experiment_ids": [experiment.json()["experiment"]["experiment_id"]],
            "filter": f"attributes.run_name = '{name}'",
        },
    ).json()
    # Ended as the job did (a script's own ``with mlflow.start_run()`` ends it earlier).
    runs = [
        r
        for r in found.get("runs", [])
        if r["info"]["status"] in ENDED
        and {t["key"]: t["value"] for t in r["data"]["tags"]}.get("smstudio.status")
        in ("Completed", "Failed", "Stopped")
    ]
    return runs[0] if runs else None


def version_model_data(server: ServerProcess) -> str:
    """Where the ``tracked`` job's model archive is (what its version is served from)."""
    job = requests.get(
        server.url + "smstudio/api/training-jobs/tracked", headers=server.headers, timeout=60
    ).json()
    return str(job["model_artifacts"])


def submit(server: ServerProcess, name: str, script: str, **body: Any) -> dict[str, Any]:
    """Run ``script`` as a training job; its description once it has ended."""
    (server.workdir / "root" / f"{name}.py").write_text(textwrap.dedent(script))
    body = {"name": name, "entry_point": f"{name}.py", **body}
    return create_and_wait(server, "training-jobs", body, 120)


def create_and_wait(
    server: ServerProcess, route: str, body: dict[str, Any], timeout: float
) -> dict[str, Any]:
    """Create ``body`` at ``route`` (a training or tuning job); its description once ended."""
    api = f"{server.url}smstudio/api/{route}"
    r = requests.post(api, headers=server.headers, json=body, timeout=60)
    assert r.status_code == 201, r.text

    def ended() -> Any:
        job = requests.get(f"{api}/{body['name']}", headers=server.headers, timeout=60).json()
        return job if job["status"] in ("Completed", "Failed", "Stopped") else None

    return wait_until(ended, timeout, f"{route} {body['name']}")  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def tracked(server: ServerProcess) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """A completed job with hyperparameters, metrics and a model: (owner, job, its run)."""
    script = """
        import json, os
        config = os.path.join(os.environ["SAGEMAKER_BASE_DIR"], "input", "config")
        hp = json.load(open(os.path.join(config, "hyperparameters.json")))
        for epoch in range(json.loads(hp["epochs"])):
            print(f"epoch={epoch} loss={1.0 / (epoch + 1):.3f}", flush=True)
        print("server token inherited:", "MLFLOW_TRACKING_TOKEN" in os.environ)
        model_dir = os.environ["SM_MODEL_DIR"]
        open(os.path.join(model_dir, "model.txt"), "w").write("weights")
    """
    job = submit(
        server,
        "tracked",
        script,
        hyperparameters={"epochs": 3, "lr": 0.1},
        metric_definitions=[{"name": "train:loss", "regex": r"loss=([0-9.]+)"}],
    )
    assert job["status"] == "Completed", job
    logs = requests.get(
        server.url + "smstudio/api/training-jobs/tracked/logs", headers=server.headers, timeout=60
    )
    assert "server token inherited: False" in logs.json()["text"]  # kernels only
    status = requests.get(server.url + "smstudio/api/status", headers=server.headers, timeout=60)
    owner = status.json()["user"]["username"]
    run = wait_until(lambda: job_run(server, owner, "tracked"), START, "the job's MLflow run")
    return owner, job, run


@pytest.mark.slow
def test_a_completed_training_job_is_a_run_with_its_params_and_metrics(
    tracked: tuple[str, dict[str, Any], dict[str, Any]],
    server: ServerProcess,
) -> None:
    owner, job, run = tracked
    assert run["info"]["status"] == "FINISHED"
    params = {p["key"]: p["value"] for p in run["data"]["params"]}
    assert params == {"epochs": "3", "lr": "0.1"}
    tags = {t["key"]: t["value"] for t in run["data"]["tags"]}
    assert tags["smstudio.kind"] == "training"
    assert tags["smstudio.owner"] == owner
    assert tags["smstudio.status"] == "Completed"
    assert tags["smstudio.instance_type"] == job["instance_type"]
    assert tags["smstudio.model_artifacts"] == job["model_artifacts"]
    history = mlflow(
        server,
        "GET",
        API + "metrics/get-history",
        params={"run_id": run["info"]["run_id"], "metric_key": "train:loss"},
    ).json()["metrics"]
    assert [(m["step"], m["value"]) for m in history] == [(0, 1.0), (1, 0.5), (2, 0.333)]
    # The model is in the run's artifacts (what a model version points at).
    listed = mlflow(
        server,
        "GET",
        API + "artifacts/list",
        params={"run_id": run["info"]["run_id"], "path": "model"},
    ).json()
    assert [f["path"] for f in listed["files"]] == ["model/model.tar.gz"]


@pytest.mark.slow
def test_a_jobs_own_mlflow_calls_and_autolog_land_in_the_jobs_run(server: ServerProcess) -> None:
    script = """
        import os
        import mlflow
        import numpy as np
        from sklearn.linear_model import LogisticRegression
        mlflow.autolog(log_models=False)
        print("run from the environment:", os.environ.get("MLFLOW_RUN_ID"), flush=True)
        with mlflow.start_run() as run:
            mlflow.log_param("own_param", "yes")
            for step in range(3):
                mlflow.log_metric("own_metric", step * 2.0, step=step)
            x = np.array([[0.0], [1.0], [2.0], [3.0]])
            LogisticRegression().fit(x, [0, 0, 1, 1])
        print("logged into:", run.info.run_id, flush=True)
    """
    data = server.workdir / "root" / "ds" / "train.csv"
    data.parent.mkdir(exist_ok=True)
    data.write_text("x,y\n0,0\n1,1\n")
    job = submit(
        server,
        "self-logging",
        script,
        hyperparameters={"depth": 2},
        channels={"train": {"path": "ds/train.csv"}},
    )
    logs = requests.get(
        server.url + "smstudio/api/training-jobs/self-logging/logs",
        headers=server.headers,
        timeout=60,
    ).json()["text"]
    assert job["status"] == "Completed", logs
    owner = requests.get(
        server.url + "smstudio/api/status", headers=server.headers, timeout=60
    ).json()["user"]["username"]
    run = wait_until(lambda: job_run(server, owner, "self-logging"), START, "the job's run")
    run_id = run["info"]["run_id"]
    assert f"run from the environment: {run_id}" in logs
    assert f"logged into: {run_id}" in logs  # one run: the job's, not a second one
    params = {p["key"]: p["value"] for p in run["data"]["params"]}
    assert params["depth"] == "2"  # the job's hyperparameter
    assert params["own_param"] == "yes"  # the script's own
    assert "C" in params  # scikit-learn's autolog: LogisticRegression's parameters
    metrics = {m["key"] for m in run["data"]["metrics"]}
    assert {"own_metric", "training_accuracy_score"} <= metrics
    tags = {t["key"]: t["value"] for t in run["data"]["tags"]}
    assert tags["smstudio.kind"] == "training"
    assert tags["smstudio.status"] == "Completed"
    # The channel is an MLflow dataset: its name, URI and a digest of what the job read.
    (logged,) = run["inputs"]["dataset_inputs"]
    content = data.read_bytes()
    expected = hashlib.sha256(f"train.csv\0{len(content)}\0".encode() + content)
    assert logged["dataset"]["name"] == "train"
    assert logged["dataset"]["digest"] == expected.hexdigest()[:16]
    assert json.loads(logged["dataset"]["source"]) == {"uri": "ds/train.csv"}
    assert {"key": "mlflow.data.context", "value": "train"} in logged["tags"]


@pytest.mark.slow
def test_mlflow_accepts_an_access_key_as_basic_auth_and_refuses_a_wrong_one(
    server: ServerProcess,
) -> None:
    r = requests.post(
        server.url + "smstudio/api/access-keys",
        headers=server.headers,
        json={"description": "mlflow basic auth"},
        timeout=60,
    )
    assert r.status_code == 201, r.text
    key = r.json()
    search = API + "experiments/search?max_results=5"
    good = (key["access_key_id"], key["secret_access_key"])
    r = mlflow(server, "GET", search, {}, auth=good)
    assert r.status_code == 200, r.text
    r = mlflow(server, "POST", API + "experiments/create", {}, auth=good, json={"name": "by-key"})
    assert r.status_code == 200, r.text  # a change, with no XSRF token: no cookies involved
    for wrong in ((key["access_key_id"], "not-the-secret"), ("AKIANOSUCHKEY", "x")):
        r = mlflow(server, "GET", search, {}, auth=wrong)
        assert r.status_code == 403, r.text
    r = mlflow(server, "GET", search, {"Authorization": "Basic !!!"})
    assert r.status_code == 403, r.text


@pytest.mark.slow
def test_a_jobs_model_is_registered_and_approved_through_both_doors(
    tracked: tuple[str, dict[str, Any], dict[str, Any]], server: ServerProcess
) -> None:
    _, _, run = tracked
    api = server.url + "smstudio/api/experiments/"

    def call(method: str, path: str, body: Any = None) -> requests.Response:
        return requests.request(
            method, api + path, headers=server.headers, json=body, timeout=START * SCALE
        )

    link = call("GET", "job-runs/training/tracked")
    assert link.status_code == 200, link.text
    assert link.json()["run_id"] == run["info"]["run_id"]
    assert link.json()["ui_path"].endswith(f"/runs/{run['info']['run_id']}")
    created = call("POST", "models", {"job_name": "tracked", "model_name": "churn"})
    assert created.status_code == 201, created.text
    version = created.json()
    assert (version["version"], version["approval_status"]) == ("1", "PendingManualApproval")
    assert version["run_id"] == run["info"]["run_id"]
    approved = call(
        "PATCH",
        "models/churn/versions/1",
        {"approval_status": "Approved", "approval_description": "ok"},
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["approval_status"] == "Approved"
    # MLflow's own API sees the same version, its source and its approval.
    seen = mlflow(
        server, "GET", API + "model-versions/get", params={"name": "churn", "version": "1"}
    ).json()["model_version"]
    assert seen["source"] == version["source"]
    assert {"key": "smstudio.approval_status", "value": "Approved"} in seen["tags"]
    # Bad input names the field; nothing is created.
    failed = submit(server, "broken", "raise SystemExit(3)\n")
    assert failed["status"] == "Failed"
    for body, status, field in (
        ({"job_name": "broken", "model_name": "churn"}, 422, "job_name"),
        ({"job_name": "missing", "model_name": "churn"}, 404, "job_name"),
        ({"job_name": "tracked", "kind": "bogus", "model_name": "churn"}, 400, "kind"),
        ({"job_name": "tracked", "model_name": "bad name!"}, 400, "model_name"),
    ):
        r = call("POST", "models", body)
        assert (r.status_code, r.json()["error"]["field"]) == (status, field), r.text
    r = call("PATCH", "models/churn/versions/9", {"approval_status": "Rejected"})
    assert (r.status_code, r.json()["error"]["field"]) == (404, "version")
    r = call("PATCH", "models/churn/versions/1", {"approval_status": "Maybe"})
    assert (r.status_code, r.json()["error"]["field"]) == (400, "approval_status")
    versions = mlflow(server, "GET", API + "registered-models/get", params={"name": "churn"})
    assert [v["version"] for v in versions.json()["registered_model"]["latest_versions"]] == ["1"]
    # The listings the Lab reads: models, a model's versions (by approval), one version.
    listed = call("GET", "models").json()
    assert [m["model_name"] for m in listed["items"]] == ["churn"]
    page = call("GET", "models/churn/versions?approval_status=Approved").json()
    assert [(v["version"], v["approval_description"]) for v in page["items"]] == [("1", "ok")]
    assert call("GET", "models/churn/versions?approval_status=Rejected").json()["items"] == []
    one = call("GET", "models/churn/versions/1").json()
    assert one["tags"]["smstudio.job"] == "training/tracked"
    assert one["tags"]["smstudio.model_data_url"] == version_model_data(server)
    r = call("GET", "models/nope/versions")
    assert r.status_code == 404, r.text


@pytest.mark.slow
def test_a_tuning_jobs_trials_are_child_runs_of_its_run(server: ServerProcess) -> None:
    code = server.workdir / "root" / "tunesrc"
    code.mkdir(exist_ok=True)
    (code / "tune.py").write_text(
        "import json, os\n"
        "config = os.path.join(os.environ['SAGEMAKER_BASE_DIR'], 'input', 'config')\n"
        "hp = json.load(open(os.path.join(config, 'hyperparameters.json')))\n"
        "print(f\"loss={(float(hp['x']) - 1) ** 2:.4f}\", flush=True)\n"
    )
    body = {
        "name": "tracked-tuning",
        "config": {
            "strategy": "Random",
            "hyper_parameter_tuning_job_objective": {"type": "Minimize", "metric_name": "loss"},
            "resource_limits": {"max_number_of_training_jobs": 2, "max_parallel_training_jobs": 2},
            "parameter_ranges": {
                "continuous_parameter_ranges": [{"name": "x", "min_value": -2, "max_value": 2}]
            },
            "random_seed": 3,
        },
        "training_job_definition": {
            "entry_point": "tune.py",
            "source_dir": "tunesrc",
            "metric_definitions": [{"name": "loss", "regex": r"loss=([0-9.]+)"}],
        },
    }
    assert create_and_wait(server, "tuning-jobs", body, 240)["status"] == "Completed"
    owner = requests.get(
        server.url + "smstudio/api/status", headers=server.headers, timeout=60
    ).json()["user"]["username"]
    experiment = mlflow(
        server, "GET", API + "experiments/get-by-name", params={"experiment_name": f"{owner}/jobs"}
    ).json()["experiment"]["experiment_id"]

    def family() -> Any:
        found = mlflow(server, "POST", API + "runs/search", json={
            "experiment_ids": [experiment],
            "filter": "attributes.run_name LIKE 'tracked-tuning%'",
        }).json().get("runs", [])  # fmt: skip
        tags = [{t["key"]: t["value"] for t in r["data"]["tags"]} for r in found]
        parents = [
            r for r, t in zip(found, tags, strict=True) if t.get("smstudio.kind") == "tuning"
        ]
        children = [t for t in tags if "mlflow.parentRunId" in t]
        done = parents and parents[0]["info"]["status"] == "FINISHED" and len(children) == 2
        return (parents[0], children) if done else None

    parent, children = wait_until(family, START, "the tuning job's run and its trials'")
    assert parent["info"]["run_name"] == "tracked-tuning"
    assert {c["mlflow.parentRunId"] for c in children} == {parent["info"]["run_id"]}
    assert {c["smstudio.tuning_job"] for c in children} == {"tracked-tuning"}


@pytest.mark.slow
def test_a_dead_mlflow_is_restarted_and_the_server_stop_ends_it(
    tracked: tuple[str, dict[str, Any], dict[str, Any]], server: ServerProcess
) -> None:
    """Runs last in the module: it stops the module's server."""
    assert server.proc is not None
    pids = mlflow_pids(server.proc.pid)
    assert len(pids) >= 1
    os.killpg(os.getpgid(pids[0]), signal.SIGKILL)  # MLflow crashes
    wait_until(lambda: all(gone(p) for p in pids), 30, "MLflow killed")
    r = mlflow(server, "GET", API + "experiments/search", params={"max_results": 50})
    assert r.status_code == 200, r.text  # noticed and started again, its state kept
    assert f"{tracked[0]}/jobs" in [e["name"] for e in r.json()["experiments"]]
    pids = mlflow_pids(server.proc.pid)
    assert len(pids) >= 1
    assert server.stop() == 0
    wait_until(lambda: all(gone(p) for p in pids), 30, "MLflow processes gone")


# ---- multi-user, in process -------------------------------------------------------


async def as_user(jp_fetch: Any, user: str | None, method: str, path: str, body: Any = None) -> Any:
    headers = {"Authorization": f"token {USERS[user]}"} if user else {}
    kwargs: dict[str, Any] = {"method": method, "headers": headers, "raise_error": False}
    if body is not None:
        kwargs["body"] = json.dumps(body)
        headers["Content-Type"] = "application/json"
    kwargs["request_timeout"] = START * SCALE
    return await jp_fetch("smstudio", "mlflow", *path.split("/"), **kwargs)


@pytest.mark.slow
async def test_a_user_cannot_see_another_users_runs(jp_fetch: Any, jp_serverapp: Any) -> None:
    created = await as_user(jp_fetch, "alice", "POST", API + "experiments/create", {"name": "a"})
    assert created.code == 200, created.body
    experiment = json.loads(created.body)["experiment_id"]
    run = await as_user(
        jp_fetch, "alice", "POST", API + "runs/create", {"experiment_id": experiment}
    )
    run_id = json.loads(run.body)["run"]["info"]["run_id"]
    # Bob's MLflow is his own: Alice's experiment and run do not exist there.
    mine = await as_user(jp_fetch, "bob", "GET", API + f"runs/get?run_id={run_id}")
    assert mine.code == 404, mine.body
    theirs = await as_user(
        jp_fetch, "bob", "GET", API + "experiments/get-by-name?experiment_name=a"
    )
    assert theirs.code == 404
    listed = await as_user(jp_fetch, "bob", "GET", API + "experiments/search?max_results=50")
    assert [e["name"] for e in json.loads(listed.body)["experiments"]] == ["Default"]
    again = await as_user(jp_fetch, "alice", "GET", API + f"runs/get?run_id={run_id}")
    assert again.code == 200
    # Idle servers stop (whole process group); the next request starts one again, and
    # what was tracked is still there.
    servers = jp_serverapp.web_app.settings["smstudio_services"].experiments.servers
    # This server's MLflows (not those of other servers this test process started).
    roots = [servers.embedded(user).pid for user in ("alice", "bob")]
    pids = [p for root in roots for p in (root, *descendants(root))]
    assert len(pids) >= 4  # two servers, each an ``mlflow server`` and its worker
    servers.settings.idle_timeout = 1e-6
    assert sorted(await servers.stop_idle()) == ["alice", "bob"]
    wait_until(lambda: all(gone(p) for p in pids), 30, "idle MLflow processes gone")
    servers.settings.idle_timeout = 0
    back = await as_user(jp_fetch, "alice", "GET", API + f"runs/get?run_id={run_id}")
    assert back.code == 200


async def test_without_mlflow_installed_the_proxy_answers_503_naming_the_extra(
    jp_fetch: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "mlflow", None)  # as if the extra were not installed
    r = await as_user(jp_fetch, "alice", "GET", API + "experiments/search")
    assert r.code == 503
    error = json.loads(r.body)["error"]
    assert "jupyter_smstudio[experiments]" in error["message"]
    anonymous = await as_user(jp_fetch, None, "GET", API + "experiments/search")
    assert anonymous.code == 403
    reader = await as_user(jp_fetch, "reader", "POST", API + "experiments/create", {"name": "r"})
    assert reader.code == 403


@pytest.mark.slow
async def test_a_job_logged_while_mlflow_was_down_is_back_filled_whole(
    jp_fetch: Any, jp_serverapp: Any, jp_root_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    services = jp_serverapp.web_app.settings["smstudio_services"]
    runs = services.experiments.runs
    runs.subscribe(services.jobs.events)  # as log_jobs=True does
    consumer = asyncio.ensure_future(runs.run())

    async def down(owner: str) -> Any:  # the one fake: an MLflow that cannot be reached
        raise OSError("MLflow is down (test fault)")

    monkeypatch.setattr(runs.servers, "backend", down)
    (jp_root_dir / "outage.py").write_text(
        "for i in range(4):\n    print(f'loss={1.0 / (i + 1):.2f}', flush=True)\n"
    )
    body = {
        "name": "outage",
        "entry_point": "outage.py",
        "hyperparameters": {"lr": 0.5},
        "metric_definitions": [{"name": "loss", "regex": r"loss=([0-9.]+)"}],
    }
    headers = {"Authorization": f"token {USERS['alice']}"}
    made = await jp_fetch(
        "smstudio", "api", "training-jobs", method="POST", body=json.dumps(body), headers=headers
    )
    assert made.code == 201

    async def ended() -> bool:
        job = await jp_fetch("smstudio", "api", "training-jobs", "outage", headers=headers)
        return json.loads(job.body)["status"] in ("Completed", "Failed", "Stopped")

    await eventually(ended, 120, "the job's end")
    await runs.idle()
    assert ("alice", "training", "outage") in runs.behind  # nothing logged, nothing lost
    monkeypatch.undo()  # MLflow is back
    try:
        assert await runs.backfill_all() == [("alice", "training", "outage")]
    finally:
        consumer.cancel()
    assert runs.behind == set()
    experiment = await as_user(
        jp_fetch, "alice", "GET", API + "experiments/get-by-name?experiment_name=alice/jobs"
    )
    experiment_id = json.loads(experiment.body)["experiment"]["experiment_id"]
    found = await as_user(
        jp_fetch, "alice", "POST", API + "runs/search", {"experiment_ids": [experiment_id]}
    )
    (run,) = json.loads(found.body)["runs"]
    assert run["info"]["status"] == "FINISHED"
    assert {p["key"]: p["value"] for p in run["data"]["params"]} == {"lr": "0.5"}
    history = await as_user(
        jp_fetch,
        "alice",
        "GET",
        API + f"metrics/get-history?run_id={run['info']['run_id']}&metric_key=loss",
    )
    points = [(m["step"], m["value"]) for m in json.loads(history.body)["metrics"]]
    assert sorted(points) == [(0, 1.0), (1, 0.5), (2, 0.33), (3, 0.25)]
    assert await runs.backfill_all() == []  # once: a second pass logs nothing twice
