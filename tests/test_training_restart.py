"""Jobs outlive a real server restart; the SDK and client drive a real server process."""

from __future__ import annotations

import io
import json
import os
import signal
import tarfile
from pathlib import Path

import pytest

from jupyter_smstudio.client import ApiError, Client
from jupyter_smstudio.sdk import Estimator

from .servers import ServerProcess, wait_until
from .training_helpers import write

pytestmark = pytest.mark.slow

LIMITS = ("--TrainingJobs.max_concurrent_jobs_per_user=4",)

WAITER = """
    import os, sys, time
    flag = os.path.join(os.environ["SM_CHANNEL_FLAGS"], sys.argv[-1])
    print("waiting for", flag, flush=True)
    while not os.path.exists(flag):
        time.sleep(0.05)
    open(os.path.join(os.environ["SM_MODEL_DIR"], "done.txt"), "w").write(sys.argv[-1])
    print("released", flush=True)
"""


def job_state(server: ServerProcess, name: str) -> dict[str, object]:
    jobs = server.workdir / "smstudio" / "training" / "jobs"
    state_dir = next(jobs.glob(f"*/{name}/run"))
    return json.loads((state_dir / "state.json").read_text())  # type: ignore[no-any-return]


def test_jobs_survive_a_server_restart(tmp_path: Path) -> None:
    root = tmp_path / "root"
    write(root, "code/wait.py", WAITER)
    (root / "flags").mkdir(parents=True)
    server = ServerProcess(tmp_path, extra_args=LIMITS)
    with server:
        client = Client(server.url, server.token)
        for name in ("ends-while-down", "keeps-running", "victim"):
            # The SDK reads paths from its own working directory, as in a notebook.
            est = Estimator(entry_point="wait.py", source_dir=str(root / "code"),
                            instance_type="local", hyperparameters={"flag": name},
                            client=client)  # fmt: skip
            est.fit({"flags": str(root / "flags")}, wait=False, job_name=name)
        for name in ("ends-while-down", "keeps-running", "victim"):
            wait_until(lambda n=name: client.training_job(n)["secondary_status"] == "Training",
                       30, f"{name} training")  # fmt: skip
    assert server.stop() == 0
    # While no server runs: one job ends, one keeps going, one is killed outright.
    (root / "flags" / "ends-while-down").write_text("")
    wait_until(lambda: job_state(server, "ends-while-down").get("status") == "exited", 20,
               "job to end without a server")  # fmt: skip
    victim = job_state(server, "victim")
    os.kill(int(victim["supervisor_pid"]), signal.SIGKILL)  # type: ignore[call-overload]
    os.killpg(int(victim["child_pid"]), signal.SIGKILL)  # type: ignore[call-overload]
    assert job_state(server, "keeps-running")["status"] == "running"

    restarted = ServerProcess(tmp_path, extra_args=LIMITS)
    with restarted:
        client = Client(restarted.url, restarted.token)
        ended = wait_until(lambda: _final(client, "ends-while-down"), 30, "reattach")
        assert ended["status"] == "Completed"
        with tarfile.open(ended["model_artifacts"]) as tar:
            assert tar.extractfile("done.txt").read() == b"ends-while-down"  # type: ignore[union-attr]
        gone = wait_until(lambda: _final(client, "victim"), 30, "vanished job")
        assert gone["status"] == "Failed"
        assert "vanished" in gone["failure_reason"]
        running = client.training_job("keeps-running")
        assert running["status"] == "InProgress"
        (root / "flags" / "keeps-running").write_text("")
        est = Estimator.attach("keeps-running", client=client)
        out = io.StringIO()
        job = est.wait(logs=True, out=out)
        assert job["status"] == "Completed"
        assert "waiting for" in out.getvalue()
        assert "released" in out.getvalue()
        assert est.model_data
        assert est.model_data.endswith("keeps-running/output/model.tar.gz")
        # Nothing is left InProgress.
        assert {j["status"] for j in client.training_jobs()} == {"Completed", "Failed"}
        with pytest.raises(ApiError) as info:
            Estimator(entry_point="wait.py", source_dir=str(root / "code"),
                      instance_type="ml.nope", client=client).fit(wait=False)  # fmt: skip
        assert info.value.field == "instance_type"


def _final(client: Client, name: str) -> dict[str, object] | None:
    job = client.training_job(name)
    return job if job["status"] in ("Completed", "Failed", "Stopped") else None
