"""Nothing outlives its job, nothing grows without bound: every way a job ends (and its
supervisor, script or container killed with SIGKILL) leaves its true final state and
no process or container of it; its log, processes and disk are capped.

Processes are found by a marker in their environment or command line (``procs.py``),
so the sweep finds them in new sessions, re-parented to init, or in a container.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path
from typing import Any

import pytest
import requests

from .conftest import ApiCall
from .docker_helpers import docker_unavailable
from .procs import ESCAPEES, SLEEPERS, count, new_marker, none_left, none_left_soon
from .servers import ServerProcess, wait_until
from .test_runtime_tree import FORKS, pids_cgroup_available
from .training_helpers import finished, full_log, run_state, until_logged, write

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("jp_serverapp")]

MAX_PROCESSES = 64
MAX_LOG = 64 << 10
MAX_OUTPUT = 1 << 20


@pytest.fixture
def jp_server_config(jp_server_config: dict[str, Any]) -> dict[str, Any]:
    return {
        **jp_server_config,
        "TrainingJobs": {"stop_grace_seconds": 1.0, "max_concurrent_jobs_per_user": 4,
                         "max_output_bytes": MAX_OUTPUT},
        "RunLimits": {"max_processes": MAX_PROCESSES, "max_log_bytes": MAX_LOG},
    }  # fmt: skip


def container_of(data_dir: Path, name: str) -> str:
    """The container the Docker backend runs job ``name`` in (from its run's command)."""
    state_dir = next(data_dir.glob(f"training/jobs/*/{name}/run"))
    argv = json.loads((state_dir / "spec.json").read_text())["argv"]
    return str(argv[argv.index("--name") + 1])


def docker_ps(name: str) -> list[str]:
    """Containers (running or not) named ``name``."""
    out = subprocess.run(["docker", "ps", "-a", "--format", "{{.Names}}"], capture_output=True,
                         text=True, check=True).stdout  # fmt: skip
    return [n for n in out.split() if n == name]


async def start_escapees(api: ApiCall, root: Path, name: str, route: str) -> tuple[str, Path]:
    """Submit a job running ``ESCAPEES``; once all its sleepers run, return its marker and
    the file that lets it complete."""
    marker = new_marker()
    write(root, f"{name}/job.py", ESCAPEES)
    flag = root / f"{name}.flag"
    env = {"TEST_MARKER": marker, "TEST_FLAG": str(flag)}
    if route == "training-jobs":
        body = {"name": name, "entry_point": "job.py", "source_dir": name, "environment": env}
    else:
        body = {"name": name, "environment": env,
                "container_entrypoint": ["python3", "/opt/ml/processing/input/code/job.py"],
                "inputs": [{"input_name": "code", "source": name,
                            "destination": "/opt/ml/processing/input/code"}]}  # fmt: skip
    reply = await api("POST", route, body)
    assert reply.status == 201, reply.json
    wait_until(lambda: count(marker) >= SLEEPERS + 1, 60, "the job's script and sleepers")
    return marker, flag


def script_pid(log: str) -> int:
    line = next(line for line in log.splitlines() if line.startswith("script pid"))
    return int(line.split()[-1])


# ---- local backend ---------------------------------------------------------------------


@pytest.mark.parametrize("route", ["training-jobs", "processing-jobs"])
@pytest.mark.parametrize(
    ("ending", "status"),
    [("completed", "Completed"), ("stopped", "Stopped"), ("supervisor-killed", "Failed"),
     ("script-killed", "Failed")],
)  # fmt: skip
async def test_every_ending_of_a_local_job_leaves_no_process(
    api: ApiCall, jp_root_dir: Path, tmp_path: Path, route: str, ending: str, status: str
) -> None:
    marker, flag = await start_escapees(api, jp_root_dir, "j", route)
    if ending == "completed":
        flag.write_text("")
    elif ending == "stopped":
        assert (await api("POST", f"{route}/j/stop")).status == 200
    elif ending == "supervisor-killed":
        os.kill(run_state(tmp_path / "smstudio", "j")["supervisor_pid"], signal.SIGKILL)
    else:
        log = await until_logged(api, "j", "script pid") if route == "training-jobs" else (
            await full_log(api, "j", route))  # fmt: skip
        os.kill(script_pid(log), signal.SIGKILL)
    job = await finished(api, "j", route=route)
    assert job["status"] == status, job
    if ending == "supervisor-killed":
        assert "vanished" in job["failure_reason"]
    await none_left_soon(marker)


@pytest.mark.parametrize("backend", ["local", "docker"])
async def test_a_fork_bomb_fails_the_job_naming_the_process_limit(
    api: ApiCall, jp_root_dir: Path, backend: str
) -> None:
    if backend == "local" and not pids_cgroup_available():
        pytest.skip("no writable pids cgroup here (RLIMIT_NPROC instead: no event to report)")
    if backend == "docker" and docker_unavailable():
        pytest.skip(f"Docker: {docker_unavailable()}")
    marker = new_marker()
    write(jp_root_dir, "bomb/bomb.py", FORKS)
    reply = await api("POST", "training-jobs", {
        "name": "bomb", "entry_point": "bomb.py", "source_dir": "bomb", "backend": backend,
        "environment": {"TEST_MARKER": marker, "TEST_FORKS": "500"},
    })  # fmt: skip
    assert reply.status == 201, reply.json
    job = await finished(api, "bomb", timeout=60)
    assert job["status"] == "Failed"
    assert job["failure_reason"] == (
        f"AlgorithmError: the job was stopped: it tried to run more than {MAX_PROCESSES} "
        "processes and threads at once, this server's limit per run "
        "(c.RunLimits.max_processes)."
    )
    assert "OutOfMemory" not in job["failure_reason"]
    await none_left_soon(marker)


async def test_a_chatty_job_keeps_the_head_and_tail_of_its_log(
    api: ApiCall, jp_root_dir: Path
) -> None:
    write(jp_root_dir, "chatty/chat.py", "for i in range(100_000): print('line', i)\n")
    body = {"name": "chatty", "entry_point": "chat.py", "source_dir": "chatty"}
    reply = await api("POST", "training-jobs", body)
    assert reply.status == 201, reply.json
    job = await finished(api, "chatty")
    assert job["status"] == "Completed", job
    log = await full_log(api, "chatty")
    assert len(log.encode()) <= MAX_LOG + 200
    assert "line 0\nline 1\n" in log
    assert log.rstrip().endswith("line 99999")
    assert "bytes dropped (a run's log keeps at most 65536 bytes" in log


async def test_a_job_past_the_disk_quota_fails_saying_so(api: ApiCall, jp_root_dir: Path) -> None:
    write(jp_root_dir, "big/big.py", """
        import os, time
        for i in range(40):
            with open(os.path.join(os.environ["SM_MODEL_DIR"], f"part{i}"), "wb") as f:
                f.write(os.urandom(128 << 10))
            time.sleep(0.1)
    """)  # fmt: skip
    reply = await api("POST", "training-jobs",
                      {"name": "big", "entry_point": "big.py", "source_dir": "big"})  # fmt: skip
    assert reply.status == 201, reply.json
    job = await finished(api, "big", timeout=60)
    assert job["status"] == "Failed", job
    reason = job["failure_reason"]
    assert reason.startswith("ClientError: the job was stopped: its files use "), reason
    assert reason.endswith(
        f"more than this server's quota of {MAX_OUTPUT} bytes per job "
        "(c.TrainingJobs.max_output_bytes)."
    )


# ---- Docker backend --------------------------------------------------------------------


@pytest.mark.skipif(bool(docker_unavailable()), reason=str(docker_unavailable()))
@pytest.mark.parametrize(
    ("ending", "status"),
    [("completed", "Completed"), ("supervisor-killed", "Failed"), ("container-killed", "Failed")],
)
async def test_every_ending_of_a_docker_job_leaves_no_process_or_container(
    api: ApiCall, jp_root_dir: Path, tmp_path: Path, ending: str, status: str
) -> None:
    marker = new_marker()
    write(jp_root_dir, "dj/job.py", ESCAPEES)
    (jp_root_dir / "flags").mkdir()
    reply = await api("POST", "training-jobs", {
        "name": "dj", "entry_point": "job.py", "source_dir": "dj", "backend": "docker",
        "channels": {"flags": {"path": "flags"}},
        "environment": {"TEST_MARKER": marker, "TEST_FLAG": "/opt/ml/input/data/flags/go"},
    })  # fmt: skip
    assert reply.status == 201, reply.json
    wait_until(lambda: count(marker) >= SLEEPERS + 1, 120, "the job's script and sleepers")
    state = run_state(tmp_path / "smstudio", "dj")
    container = container_of(tmp_path / "smstudio", "dj")
    assert docker_ps(container) == [container]
    if ending == "completed":
        (jp_root_dir / "flags" / "go").write_text("")
    elif ending == "supervisor-killed":
        os.kill(state["supervisor_pid"], signal.SIGKILL)
    else:
        subprocess.run(["docker", "kill", "-s", "KILL", container], check=True,
                       capture_output=True)  # fmt: skip
    job = await finished(api, "dj", timeout=60)
    assert job["status"] == status, job
    await none_left_soon(marker)
    assert docker_ps(container) == []


# ---- kill -9 of the server -----------------------------------------------------------


def _submit(server: ServerProcess, body: dict[str, Any]) -> None:
    reply = requests.post(f"{server.url}smstudio/api/training-jobs", json=body,
                          headers=server.headers, timeout=30)  # fmt: skip
    assert reply.status_code == 201, reply.text


def _job(server: ServerProcess, name: str) -> dict[str, Any]:
    reply = requests.get(f"{server.url}smstudio/api/training-jobs/{name}",
                         headers=server.headers, timeout=30)  # fmt: skip
    return reply.json()  # type: ignore[no-any-return]


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["local", "docker"])
def test_a_killed_server_leaves_each_job_its_true_end_and_no_process(
    tmp_path: Path, backend: str
) -> None:
    """kill -9 of the server while two jobs run; while it is down one job completes and
    the other's supervisor is killed too. The restarted server finds one Completed, the
    other Failed, and no process (or container) of either is left."""
    if backend == "docker" and docker_unavailable():
        pytest.skip(f"Docker: {docker_unavailable()}")
    root = tmp_path / "root"
    write(root, "code/job.py", ESCAPEES)
    (root / "flags").mkdir()
    markers = {"ends": new_marker(), "orphaned": new_marker()}
    flag_dir = "/opt/ml/input/data/flags" if backend == "docker" else str(root / "flags")
    server = ServerProcess(tmp_path, extra_args=("--TrainingJobs.stop_grace_seconds=1",))
    with server:
        for name, marker in markers.items():
            _submit(server, {
                "name": name, "entry_point": "job.py", "source_dir": "code", "backend": backend,
                "channels": {"flags": {"path": "flags"}},
                "environment": {"TEST_MARKER": marker, "TEST_FLAG": f"{flag_dir}/{name}"},
            })  # fmt: skip
        for marker in markers.values():
            wait_until(lambda m=marker: count(m) >= SLEEPERS + 1, 120, "the jobs' processes")
        assert server.proc is not None
        server.proc.kill()  # kill -9: no shutdown of any kind
        server.proc.wait(10)
        data_dir = tmp_path / "smstudio"
        (root / "flags" / "ends").write_text("")
        wait_until(lambda: run_state(data_dir, "ends").get("status") == "exited", 60,
                   "the job to end while no server runs")  # fmt: skip
        none_left(markers["ends"])  # its supervisor ended its tree without the server
        os.kill(run_state(data_dir, "orphaned")["supervisor_pid"], signal.SIGKILL)
        assert count(markers["orphaned"]) >= SLEEPERS + 1, "left for the server to end"
    restarted = ServerProcess(tmp_path, extra_args=server.extra_args)
    with restarted:
        final = {"Completed", "Failed", "Stopped"}
        ends = wait_until(lambda: (j := _job(restarted, "ends"))["status"] in final and j, 60,
                          "the job that ended meanwhile")  # fmt: skip
        assert ends["status"] == "Completed", ends
        orphaned = wait_until(
            lambda: (j := _job(restarted, "orphaned"))["status"] in final and j, 60,
            "the orphaned job")  # fmt: skip
        assert orphaned["status"] == "Failed", orphaned
        assert "vanished" in orphaned["failure_reason"]
        none_left(markers["orphaned"])
        if backend == "docker":
            for name in markers:
                assert docker_ps(container_of(data_dir, name)) == []
