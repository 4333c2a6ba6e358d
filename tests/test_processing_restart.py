"""Processing jobs outlive a server restart; the SDK drives a real server process."""

from __future__ import annotations

import asyncio
import io
import json
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import insert

from jupyter_smstudio.areas import all_migrations
from jupyter_smstudio.client import Client
from jupyter_smstudio.jobs.repository import JobRepository
from jupyter_smstudio.jobs.schema import MIGRATIONS as TRAINING_MIGRATIONS
from jupyter_smstudio.jobs.schema import training_jobs
from jupyter_smstudio.sdk.processing import (
    ProcessingInput,
    ProcessingJob,
    ProcessingJobError,
    ProcessingOutput,
    ScriptProcessor,
)
from jupyter_smstudio.store import Database
from jupyter_smstudio.store.database import sqlite_url

from .servers import ServerProcess, wait_until
from .training_helpers import write
from .wrangler_data import write_fixtures

WAITER = """
    import os, sys, time
    name, flags, out = sys.argv[1:4]
    print("waiting for", name, flush=True)
    while not os.path.exists(os.path.join(flags, name)):
        time.sleep(0.05)
    open(os.path.join(out, "done.txt"), "w").write(name)
    print("released", flush=True)
"""
FLAGS = "/opt/ml/processing/input/flags"
RESULT = "/opt/ml/processing/output/result"


def run_state(server: ServerProcess, name: str) -> dict[str, object]:
    jobs = server.workdir / "smstudio" / "training" / "jobs"
    state_dir = next(jobs.glob(f"*/{name}/run"))
    return json.loads((state_dir / "state.json").read_text())  # type: ignore[no-any-return]


@pytest.mark.slow
def test_processing_jobs_survive_a_server_restart_and_save_outputs_after_it(
    tmp_path: Path,
) -> None:
    root = tmp_path / "root"
    write(root, "code/wait.py", WAITER)
    (root / "flags").mkdir(parents=True)
    server = ServerProcess(tmp_path, extra_args=("--TrainingJobs.max_concurrent_jobs_per_user=4",))
    with server:
        client = Client(server.url, server.token)
        for name in ("ends-while-down", "keeps-running"):
            ScriptProcessor(command=["python3"], instance_type="local", client=client).run(
                code=str(root / "code" / "wait.py"),
                inputs=[ProcessingInput(source=str(root / "flags"), input_name="flags",
                                        destination=FLAGS)],
                outputs=[ProcessingOutput(source=RESULT, destination=str(root / "out" / name),
                                          output_name="result")],
                arguments=[name, FLAGS, RESULT], wait=False, job_name=name,
            )  # fmt: skip
        for name in ("ends-while-down", "keeps-running"):
            wait_until(lambda n=name: client.processing_job(n)["secondary_status"] == "Processing",
                       30, f"{name} processing")  # fmt: skip
    assert server.stop() == 0
    # While no server runs, one job ends: its output is saved once a server is back.
    (root / "flags" / "ends-while-down").write_text("")
    wait_until(lambda: run_state(server, "ends-while-down").get("status") == "exited", 20,
               "job to end without a server")  # fmt: skip
    assert not (root / "out").exists()

    restarted = ServerProcess(tmp_path)
    with restarted:
        client = Client(restarted.url, restarted.token)
        job = ProcessingJob("ends-while-down", client=client)
        ended = wait_until(lambda: job.describe()["status"] != "InProgress" and job.describe(),
                           30, "re-attach")  # fmt: skip
        assert ended["status"] == "Completed"
        assert (root / "out" / "ends-while-down" / "done.txt").read_text() == "ends-while-down"
        running = ProcessingJob("keeps-running", client=client)
        assert running.describe()["status"] == "InProgress"
        (root / "flags" / "keeps-running").write_text("")
        out = io.StringIO()
        assert running.wait(logs=True, out=out)["status"] == "Completed"
        assert "waiting for keeps-running" in out.getvalue()
        assert "released" in out.getvalue()
        assert running.outputs == {"result": str(root / "out" / "keeps-running")}
        assert (root / "out" / "keeps-running" / "done.txt").read_text() == "keeps-running"
        # A Data Wrangler flow, run from Python on its full data.
        write_fixtures(root)
        client.request(
            "POST",
            "wrangler",
            "flows",
            json={"name": "sales.flow", "source": {"kind": "file", "path": "sales.csv"}},
        )
        flow_job = ProcessingJob.from_flow(
            "sales.flow", client=client, output_format="csv", output_path=str(root / "sales-out")
        )
        assert flow_job.wait(logs=False)["status"] == "Completed"
        assert (root / "sales-out" / "output" / "part-00000.csv").read_text().startswith("id,")
        # A failing script raises, as the SDK's UnexpectedStatusException does.
        write(root, "code/fail.py", "raise SystemExit('bad data')\n")
        with pytest.raises(ProcessingJobError, match="bad data"):
            ScriptProcessor(instance_type="local", client=client).run(
                code=str(root / "code" / "fail.py"), logs=False
            )


def test_training_jobs_from_before_processing_jobs_keep_their_kind(tmp_path: Path) -> None:
    """Migration 2 adds the kind column: existing rows are training jobs."""
    path = tmp_path / "s.db"
    older = [m for m in all_migrations() if m.component != "training" or m.version == 1]
    row = {
        "owner": "alice", "name": "old", "status": "Completed", "secondary_status": "Completed",
        "status_message": "", "backend": "local", "instance_type": "local", "instance_count": 1,
        "spec": json.dumps({"name": "old", "entry_point": "train.py"}), "transitions": "[]",
        "final_metrics": "[]", "metrics_cursor": 0, "created_ms": 1, "modified_ms": 1,
    }  # fmt: skip

    async def scenario() -> list[str]:
        db = Database(sqlite_url(path), older)
        async with db.transaction() as conn:
            await conn.execute(insert(training_jobs).values(row))
        await db.close()
        db = Database(sqlite_url(path), all_migrations())
        await db.open()
        job = await JobRepository(db).get("alice", "old", "training")
        await db.close()
        return [job.kind] if job else []

    assert len(TRAINING_MIGRATIONS) == 4  # 3 moved transform jobs here; 4 indexes modified_ms
    assert asyncio.run(scenario()) == ["training"]
    versions = dict(sqlite3.connect(path).execute("SELECT component, MAX(version) FROM "
                                                  "schema_version GROUP BY component"))  # fmt: skip
    assert versions["training"] == len(TRAINING_MIGRATIONS)
