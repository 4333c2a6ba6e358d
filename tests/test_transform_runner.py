"""Batch transforms on the job runner: the queue and its limits, and the Docker backend."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert
from sqlalchemy import text as sa_text

from jupyter_smstudio.areas import all_migrations
from jupyter_smstudio.client import Client
from jupyter_smstudio.hosting.schema import transform_jobs
from jupyter_smstudio.store import Database
from jupyter_smstudio.store.database import sqlite_url

from .conftest import ApiCall
from .docker_helpers import docker_unavailable
from .hosting_models import GATED, INFERENCE, model_tree
from .servers import ServerProcess, wait_until
from .test_hosting_transform import finished, start
from .waiting import eventually

pytestmark = pytest.mark.usefixtures("jp_serverapp")
BODY = {
    "transform_input": {"data_source": "in", "split_type": "Line"},
    "transform_output": {"output_path": "out", "accept": "text/csv", "assemble_with": "Line"},
    "batch_strategy": "MultiRecord",
}


async def _model(api: ApiCall, root: Path, code: str = INFERENCE) -> None:
    model_tree(root / "lin", code=code)
    assert (await api("POST", "models", {"name": "lin", "model_data": "lin"})).status == 201
    (root / "in").mkdir()
    (root / "in" / "a.csv").write_text("1,0,0\n0,1,0\n")


#: Loads only in the job's container (the Docker backend names its host algo-1).
IN_CONTAINER = INFERENCE.replace(
    "def model_fn(model_dir):\n",
    "def model_fn(model_dir):\n"
    "    import socket\n"
    "    assert socket.gethostname() == 'algo-1', 'not in the job container'\n",
)


class TestQueue:
    @pytest.fixture
    def jp_server_config(self, jp_server_config: dict[str, Any]) -> dict[str, Any]:
        limits = {"max_concurrent_jobs_per_user": 1, "stop_grace_seconds": 2.0}
        return {**jp_server_config, "TrainingJobs": limits}

    async def test_a_transform_waits_behind_the_per_user_limit_then_runs(
        self, api: ApiCall, jp_root_dir: Path
    ) -> None:
        await _model(api, jp_root_dir)
        (jp_root_dir / "slow").mkdir()
        (jp_root_dir / "slow" / "s.csv").write_text("777,0,0\n")  # predicts for 600 s
        slow = {**BODY, "transform_input": {"data_source": "slow", "split_type": "Line"},
                "environment": {"SLOW_SECONDS": "600"}}  # fmt: skip
        await start(api, "first", **slow)

        async def serving() -> str | None:
            text = (await api("GET", "transform-jobs/first/logs")).json["text"]
            return text or None  # type: ignore[no-any-return]

        await eventually(serving, 60, "the first transform's model server to log")
        second = await start(api, "second", **BODY)
        # The user's one slot is taken: the second waits, queued, not started.
        assert second["status"] == "InProgress"
        assert second["started_ms"] is None
        assert second["progress"] == {"files_total": 1, "files_done": 0, "files_failed": 0}
        stopped = await api("POST", "transform-jobs/first/stop")
        assert stopped.status == 200, stopped.json
        first = await finished(api, "first")
        assert first["status"] == "Stopped", first["failure_reason"]
        job = await finished(api, "second")
        assert job["status"] == "Completed", job
        assert job["started_ms"] is not None
        assert (jp_root_dir / "out" / "a.csv.out").read_text() == "1.0\n2.0\n"
        listed = (await api("GET", "transform-jobs")).json["items"]
        assert {j["name"]: j["status"] for j in listed} == {
            "first": "Stopped",
            "second": "Completed",
        }
        logs = (await api("GET", "transform-jobs/second/logs")).json
        assert "done a.csv" in logs["text"]

    async def test_transforms_share_the_job_name_space(
        self, api: ApiCall, jp_root_dir: Path
    ) -> None:
        await _model(api, jp_root_dir)
        await start(api, "same", **BODY)
        reply = await api("POST", "transform-jobs", {"name": "same", "model_name": "lin", **BODY})
        assert reply.status == 409
        assert reply.error["field"] == "name"
        await finished(api, "same")


@pytest.mark.skipif(docker_unavailable() is not None, reason=f"{docker_unavailable()}")
class TestDocker:
    @pytest.fixture
    def jp_server_config(self, jp_server_config: dict[str, Any]) -> dict[str, Any]:
        return {**jp_server_config, "TrainingJobs": {"backend": "docker"}}

    async def test_a_transform_runs_in_a_container(self, api: ApiCall, jp_root_dir: Path) -> None:
        await _model(api, jp_root_dir, code=IN_CONTAINER)
        (jp_root_dir / "in" / "sub").mkdir()
        (jp_root_dir / "in" / "sub" / "b.csv").write_text("0,0,1\n")
        await start(api, "in-docker", **BODY)
        job = await finished(api, "in-docker", timeout=180)
        assert job["status"] == "Completed", job
        assert job["progress"] == {"files_total": 2, "files_done": 2, "files_failed": 0}
        assert (jp_root_dir / "out" / "a.csv.out").read_text() == "1.0\n2.0\n"
        assert (jp_root_dir / "out" / "sub" / "b.csv.out").read_text() == "3.0\n"
        logs = (await api("GET", "transform-jobs/in-docker/logs")).json["text"]
        assert "done sub/b.csv" in logs


def _legacy_doc(name: str, status: str, **extra: Any) -> str:
    return json.dumps({"name": name, "model_name": "lin", "owner": "alice", "status": status,
                       "transform_input": {"data_source": "in"},
                       "transform_output": {"output_path": "out"},
                       "progress": {"files_total": 3, "files_done": 3, "files_failed": 0},
                       "created_ms": 1, "modified_ms": 2, "job_dir": "/old", **extra})  # fmt: skip


class TestUpgrade:
    """Transforms of a database from before they ran on the runner stay described."""

    @pytest.fixture
    def jp_server_config(self, jp_server_config: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
        older = [m for m in all_migrations() if m.component != "training" or m.version < 3]
        db = Database(sqlite_url(tmp_path / "smstudio" / "smstudio.db"), older)
        rows = [
            ("done", "Completed", _legacy_doc("done", "Completed")),
            ("running", "InProgress", _legacy_doc("running", "InProgress")),
            ("taken", "Failed", _legacy_doc("taken", "Failed", failure_reason="old")),
        ]

        async def seed() -> None:
            await db.open()
            async with db.transaction() as conn:
                for name, status, doc in rows:
                    values = {"owner": "alice", "name": name, "status": status, "doc": doc}
                    await conn.execute(
                        insert(transform_jobs).values(**values, created_ms=1, modified_ms=2)
                    )
                # A training job had the name too: the transform stays in the old table.
                await conn.execute(
                    sa_text(
                        "INSERT INTO training_jobs (owner, name, kind, status, secondary_status, "
                        "backend, instance_type, instance_count, spec, transitions, created_ms, "
                        "modified_ms) VALUES ('alice', 'taken', 'training', 'Completed', "
                        "'Completed', 'local', 'ml.m5.large', 1, '{}', '[]', 1, 2)"
                    )
                )
            await db.close()

        (tmp_path / "smstudio").mkdir(parents=True, exist_ok=True)
        asyncio.run(seed())
        return jp_server_config

    async def test_old_transforms_are_described_and_listed(self, api: ApiCall) -> None:
        done = (await api("GET", "transform-jobs/done")).json
        assert done["status"] == "Completed"
        assert done["progress"] == {"files_total": 3, "files_done": 3, "files_failed": 0}
        running = (await api("GET", "transform-jobs/running")).json
        assert running["status"] == "Failed"
        assert "upgraded" in running["failure_reason"]
        taken = (await api("GET", "transform-jobs/taken")).json
        assert (taken["status"], taken["failure_reason"]) == ("Failed", "old")
        listed = (await api("GET", "transform-jobs")).json["items"]
        assert sorted(j["name"] for j in listed) == ["done", "running"]


@pytest.mark.slow
def test_a_transform_outlives_a_server_restart(tmp_path: Path) -> None:
    """Re-attached by the runner: it ends after the restart and its outputs are saved."""
    root = tmp_path / "root"
    model_tree(root / "gated", code=GATED)  # loads once ``go`` exists
    (root / "in").mkdir(parents=True)
    (root / "in" / "a.csv").write_text("1,0,0\n")
    server = ServerProcess(tmp_path)
    with server:
        client = Client(server.url, server.token)
        client.create_model("gated", "gated")
        client.create_transform_job("t", model_name="gated", **BODY)
        wait_until(lambda: client.transform_job("t")["started_ms"] is not None, 30, "launch")
    assert server.stop() == 0
    (root / "gated" / "go").write_text("")
    restarted = ServerProcess(tmp_path)
    with restarted:
        client = Client(restarted.url, restarted.token)
        ended = wait_until(
            lambda: (
                client.transform_job("t")["status"] != "InProgress" and client.transform_job("t")
            ),
            60,
            "the re-attached transform to end",
        )
        assert ended["status"] == "Completed", ended
        assert (root / "out" / "a.csv.out").read_text() == "1.0\n"
