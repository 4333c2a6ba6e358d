"""A run's whole process tree ends with it, whatever its processes did to get away;
its log, its processes and its disk are bounded (real processes, bounded fork bomb)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from jupyter_smstudio.runtime import (
    DiskQuota,
    DockerRuns,
    LocalRuns,
    ProcessSpec,
    Run,
    RunPolicy,
    RunState,
    end_tree,
    launch,
    read_log,
    read_state,
    stop,
)
from jupyter_smstudio.runtime.cgroups import RunCgroups
from jupyter_smstudio.runtime.docker import docker

from .docker_helpers import docker as docker_cli
from .docker_helpers import docker_unavailable
from .procs import ESCAPEES, SLEEPERS, count, new_marker, none_left
from .servers import wait_until
from .waiting import eventually

pytestmark = pytest.mark.slow

TREE = 1 + SLEEPERS  # the script and its sleepers

#: Forks up to ``TEST_FORKS`` children that sleep (bounded: never an unbounded bomb),
#: ignoring the fork failures a process limit causes, then waits. Each carries the
#: ``TEST_MARKER`` of its environment.
FORKS = """
import os, time
wanted = int(os.environ["TEST_FORKS"])
started = 0
for _ in range(wanted):
    try:
        if os.fork() == 0:
            time.sleep(300)
            os._exit(0)
        started += 1
    except OSError:
        time.sleep(0.01)
print("forked", started, flush=True)
time.sleep(300)
"""

NO_CGROUPS = RunPolicy(cgroups=False)
POLICIES = pytest.mark.parametrize(
    "policy", [RunPolicy(), NO_CGROUPS], ids=["cgroups-where-available", "no-cgroups"]
)


def pids_cgroup_available() -> bool:
    probe = RunCgroups.create(f"probe-{os.getpid()}", None, 10)
    probe.remove()
    return probe.pids is not None


def run_id(tmp_path: Path) -> str:
    return f"test-{os.getpid()}-{tmp_path.name}"


def start(
    tmp_path: Path, code: str, *args: str, env: dict[str, str] | None = None, **kwargs: object
) -> tuple[Path, int]:
    state_dir = tmp_path / "run"
    spec = ProcessSpec(
        id=run_id(tmp_path),
        argv=[sys.executable, "-u", "-c", code, *args],
        cwd=tmp_path,
        env={"PATH": os.environ["PATH"], **(env or {})},
        log_path=tmp_path / "run" / "output.log",
        **kwargs,  # type: ignore[arg-type]
    )
    return state_dir, asyncio.run(launch(spec, state_dir))


def finished(state_dir: Path, timeout: float = 30) -> RunState:
    return wait_until(  # type: ignore[no-any-return]
        lambda: (s := read_state(state_dir)).finished and s, timeout, "the run to finish"
    )


def running_tree(
    tmp_path: Path, policy: RunPolicy, seconds: float = 300, **kwargs: object
) -> tuple[Path, int, str]:
    marker = new_marker()
    env = {"TEST_MARKER": marker, "TEST_SECONDS": str(seconds)}
    state_dir, pid = start(tmp_path, ESCAPEES, env=env, policy=policy, **kwargs)
    wait_until(lambda: count(marker) == TREE, 20, "the script and its sleepers")
    return state_dir, pid, marker


@POLICIES
def test_what_a_completed_run_started_ends_with_it(tmp_path: Path, policy: RunPolicy) -> None:
    state_dir, _, marker = running_tree(tmp_path, policy, seconds=0.5)
    state = finished(state_dir)
    assert (state.exit_code, state.reason) == (0, None)
    none_left(marker)
    assert RunCgroups.named(run_id(tmp_path)).groups == ()


@POLICIES
def test_a_killed_command_takes_what_it_started(tmp_path: Path, policy: RunPolicy) -> None:
    state_dir, _, marker = running_tree(tmp_path, policy)
    os.kill(read_state(state_dir).child_pid or 0, signal.SIGKILL)
    assert finished(state_dir).exit_code == -signal.SIGKILL
    none_left(marker)


@POLICIES
def test_a_stop_ends_the_tree_after_the_grace_period(tmp_path: Path, policy: RunPolicy) -> None:
    state_dir, _, marker = running_tree(tmp_path, policy, grace_seconds=1)
    assert stop(state_dir)
    assert finished(state_dir).reason == "stopped"  # the script dies of SIGTERM
    none_left(marker)  # the sleepers ignore it, in their own sessions


@POLICIES
def test_a_killed_supervisor_leaves_nothing_once_stopped(tmp_path: Path, policy: RunPolicy) -> None:
    state_dir, pid, marker = running_tree(tmp_path, policy)
    os.kill(pid, signal.SIGKILL)
    wait_until(lambda: read_state(state_dir).status == "vanished", 10, "vanished")
    assert count(marker) == TREE, "the tree outlives its supervisor until the server acts"
    assert stop(state_dir), "stop still reaches the orphaned tree"
    none_left(marker)
    assert RunCgroups.named(run_id(tmp_path)).groups == (), "its cgroups are removed too"


def test_background_work_let_outlive_its_script_ends_with_end_tree(tmp_path: Path) -> None:
    marker = new_marker()
    env = {"TEST_MARKER": marker, "TEST_SECONDS": "0"}
    state_dir, _ = start(tmp_path, ESCAPEES, env=env, kill_group_on_exit=False)
    assert finished(state_dir).exit_code == 0
    wait_until(lambda: count(marker) == TREE - 1, 20, "the sleepers, still running")
    assert end_tree(state_dir) >= TREE - 1
    none_left(marker)


@pytest.mark.skipif(
    not pids_cgroup_available(),
    reason="no writable pids cgroup here (needs root or a delegated cgroup); RLIMIT_NPROC "
    "is used instead, which root is exempt from",
)
def test_a_fork_bomb_is_stopped_at_the_process_limit(tmp_path: Path) -> None:
    marker = new_marker()
    policy = RunPolicy(max_processes=20)
    env = {"TEST_MARKER": marker, "TEST_FORKS": "200"}
    state_dir, _ = start(tmp_path, FORKS, env=env, policy=policy)
    state = finished(state_dir)
    assert state.reason == "processes", state
    assert state.message is not None
    assert "more than 20 processes and threads" in state.message
    assert "c.RunLimits.max_processes" in state.message
    assert "Stopped: it tried to run more than 20" in read_log(state_dir / "output.log").text
    none_left(marker)


def test_without_cgroups_forked_children_still_end_with_the_stopped_run(tmp_path: Path) -> None:
    """The fallback (process group, the supervisor's descendants, the marker) ends a tree
    of forked children too (RLIMIT_NPROC bounds them only for users other than root)."""
    marker = new_marker()
    env = {"TEST_MARKER": marker, "TEST_FORKS": "30"}
    state_dir, _ = start(tmp_path, FORKS, env=env, policy=NO_CGROUPS, grace_seconds=1)
    wait_until(lambda: "forked" in read_log(state_dir / "output.log").text, 20, "the forks")
    assert stop(state_dir)
    assert finished(state_dir).reason == "stopped"
    none_left(marker)


def test_a_log_past_its_cap_keeps_its_head_and_tail(tmp_path: Path) -> None:
    log = tmp_path / "run" / "output.log"
    log.parent.mkdir()
    log.write_bytes(b"an earlier run\n")
    lines = 40_000  # about 1.3 MB, against a cap of 128 KiB
    code = "import sys\nfor i in range(int(sys.argv[1])): print(f'line {i:08d} ' + 'x' * 16)\n"
    cap = 128 << 10
    state_dir, _ = start(tmp_path, code, str(lines), policy=RunPolicy(max_log_bytes=cap))
    assert finished(state_dir).exit_code == 0
    text = log.read_text()
    earlier, _, ours = text.partition("\n")
    assert earlier == "an earlier run"
    head, _, rest = ours.partition("\n… ")
    note, *tail = rest.splitlines()
    assert note.endswith("bytes dropped (a run's log keeps at most 131072 bytes: its first "
                         "and last lines) …")  # fmt: skip
    dropped = int(note.split(" ", 1)[0])
    first = [int(line.split()[1]) for line in head.splitlines()]
    last = [int(line.split()[1]) for line in tail]
    # Whole lines, in order: the first ones, then (after the gap) the last ones.
    assert first == list(range(len(first)))
    assert last == list(range(lines - len(last), lines))
    line_bytes = len(f"line {0:08d} {'x' * 16}\n")
    assert dropped == (lines - len(first) - len(last)) * line_bytes, "it counts what is gone"
    assert len(first) * line_bytes >= cap // 2 - line_bytes
    assert len(ours.encode()) <= cap + 200


def test_a_run_past_its_disk_quota_is_stopped(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    code = (
        "import os, sys, time\n"
        "for i in range(100):\n"
        "    open(os.path.join(sys.argv[1], f'f{i}'), 'wb').write(os.urandom(256 << 10))\n"
        "    time.sleep(0.05)\n"
    )
    quota = DiskQuota((str(out),), 1 << 20, "c.Test.quota")
    state_dir, _ = start(tmp_path, code, str(out), quota=quota)
    state = finished(state_dir)
    assert state.reason == "quota", state
    assert state.message is not None
    assert "more than this server's quota of 1048576 bytes per job (c.Test.quota)" in (
        state.message
    )
    assert len(list(out.iterdir())) < 100


def test_the_run_port_follows_stops_and_ends_the_whole_tree(tmp_path: Path) -> None:
    """The one async port the spaces', jobs' and endpoints' backends adapt: start
    detached, state, logs, stop, wait and clean up, all awaited (no thread by the caller)."""
    marker = new_marker()
    spec = ProcessSpec(
        id=run_id(tmp_path),
        argv=[sys.executable, "-u", "-c", ESCAPEES],
        cwd=tmp_path,
        env={"PATH": os.environ["PATH"], "TEST_MARKER": marker, "TEST_SECONDS": "300"},
        log_path=tmp_path / "run" / "output.log",
        grace_seconds=1,
    )
    runs = LocalRuns()

    async def scenario() -> RunState:
        run = await runs.start(spec, tmp_path / "run")
        assert Run.from_json(run.to_json()) == run  # a handle survives a restart
        await eventually(lambda: count(marker) == TREE, 20, "the tree", in_thread=True)
        assert (await runs.state(run)).status == "running"

        async def logged() -> bool:
            return "script pid" in (await runs.logs(run)).text

        await eventually(logged, 20, "the script's first line")
        assert await runs.stop(run)
        final = await asyncio.wait_for(runs.wait(run, interval=0.05), 60)
        await runs.cleanup(run)
        return final

    assert asyncio.run(scenario()).reason == "stopped"
    none_left(marker)


@pytest.mark.skipif(docker_unavailable() is not None, reason=str(docker_unavailable()))
def test_the_docker_port_removes_what_a_vanished_run_left(tmp_path: Path) -> None:
    """Killing a ``docker run`` CLI leaves its container running (and its network):
    the Docker implementation of the port removes both with the process tree."""
    name = f"smstudio-test-port-{uuid.uuid4().hex[:10]}"
    network = f"{name}-net"
    spec = ProcessSpec(
        id=run_id(tmp_path),
        argv=["docker", "run", "--rm", "--name", name, "--network", network,
              "smstudio-base:py311", "sleep", "300"],
        cwd=tmp_path,
        env={k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "DOCKER_HOST")},
        log_path=tmp_path / "run" / "output.log",
        grace_seconds=1,
    )  # fmt: skip
    runs = DockerRuns()

    def running() -> bool:
        found = subprocess.run(["docker", "inspect", "--format", "{{.State.Running}}", name],
                               capture_output=True, text=True, timeout=30)  # fmt: skip
        return found.stdout.strip() == "true"

    async def scenario() -> None:
        await docker("network", "create", network)
        run = await runs.start(spec, tmp_path / "run", containers=(name,), network=network)
        await eventually(running, 60, "the container", in_thread=True)
        assert run.supervisor_pid is not None
        os.kill(run.supervisor_pid, signal.SIGKILL)  # as a machine's OOM killer might

        async def vanished() -> bool:
            return (await runs.state(run)).status == "vanished"

        await eventually(vanished, 20, "the run to vanish")
        assert running(), "the container outlives its supervisor until cleanup"
        await runs.cleanup(run)

    try:
        asyncio.run(scenario())
        assert not running()
        assert docker_cli("network", "ls", "--quiet", "--filter", f"name={network}") == ""
    finally:
        subprocess.run(["docker", "rm", "-f", name], capture_output=True, timeout=60)
        subprocess.run(["docker", "network", "rm", network], capture_output=True, timeout=60)
