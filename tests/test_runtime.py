"""Detached supervised processes: the base of jobs, endpoints and lifecycle scripts."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from jupyter_smstudio.runtime import ProcessSpec, launch, read_log, read_state, stop
from jupyter_smstudio.runtime.limits import V1_ROOT, V2_ROOT, MemoryCgroup, ResourceLimits
from jupyter_smstudio.runtime.logs import tail_lines

from .servers import wait_until

pytestmark = pytest.mark.slow


def start(tmp_path: Path, code: str, **kwargs: object) -> tuple[Path, int]:
    state_dir = tmp_path / "run"
    spec = ProcessSpec(
        id=f"test-{os.getpid()}-{tmp_path.name}",
        argv=[sys.executable, "-u", "-c", code],
        cwd=tmp_path,
        env={"PATH": os.environ["PATH"], "GREETING": "hello"},
        log_path=tmp_path / "run" / "output.log",
        **kwargs,  # type: ignore[arg-type]
    )
    pid = asyncio.run(launch(spec, state_dir))
    return state_dir, pid


def finished(state_dir: Path, timeout: float = 30):  # type: ignore[no-untyped-def]
    return wait_until(
        lambda: (s := read_state(state_dir)).finished and s, timeout, "the run to finish"
    )


def test_output_env_and_exit_code_are_recorded(tmp_path: Path) -> None:
    state_dir, _ = start(tmp_path, "import os, sys; print(os.environ['GREETING']); sys.exit(3)")
    state = finished(state_dir)
    assert state.status == "exited"
    assert state.exit_code == 3
    assert state.reason is None
    assert read_log(state_dir / "output.log").text == "hello\n"
    assert state.ended_ms >= state.started_ms


def test_runs_in_its_own_session_detached_from_the_server(tmp_path: Path) -> None:
    state_dir, pid = start(tmp_path, "import time; time.sleep(30)")
    try:
        wait_until(lambda: read_state(state_dir).status == "running", 10, "running")
        assert os.getsid(pid) != os.getsid(0)
    finally:
        stop(state_dir)
    assert finished(state_dir).reason == "stopped"


def test_stop_sends_sigterm_to_the_script(tmp_path: Path) -> None:
    code = (
        "import signal, sys, time\n"
        "signal.signal(signal.SIGTERM, lambda *a: (print('got SIGTERM'), sys.exit(0)))\n"
        "print('ready'); time.sleep(60)\n"
    )
    state_dir, _ = start(tmp_path, code)
    wait_until(lambda: "ready" in read_log(state_dir / "output.log").text, 10, "ready")
    assert stop(state_dir)
    state = finished(state_dir)
    assert state.reason == "stopped"
    assert state.exit_code == 0
    assert "got SIGTERM" in read_log(state_dir / "output.log").text
    assert not stop(state_dir), "stopping a finished run is a no-op"


def test_a_script_ignoring_sigterm_is_killed_after_the_grace_period(tmp_path: Path) -> None:
    code = (
        "import signal, time\n"
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "print('ready'); time.sleep(60)\n"
    )
    state_dir, _ = start(tmp_path, code, grace_seconds=1)
    wait_until(lambda: "ready" in read_log(state_dir / "output.log").text, 10, "ready")
    stop(state_dir)
    state = finished(state_dir, timeout=10)
    assert state.exit_code == -signal.SIGKILL
    assert state.reason == "stopped"


def test_max_runtime_ends_the_run_as_timeout(tmp_path: Path) -> None:
    state_dir, _ = start(tmp_path, "import time; time.sleep(60)", max_runtime_seconds=0.5)
    state = finished(state_dir, timeout=10)
    assert state.reason == "timeout"
    assert state.exit_code != 0


def test_a_killed_supervisor_is_reported_as_vanished(tmp_path: Path) -> None:
    state_dir, pid = start(tmp_path, "import time; time.sleep(60)")
    wait_until(lambda: read_state(state_dir).status == "running", 10, "running")
    child = read_state(state_dir).child_pid
    os.kill(pid, signal.SIGKILL)
    state = wait_until(
        lambda: (s := read_state(state_dir)).status == "vanished" and s, 10, "vanished"
    )
    assert state.child_pid == child
    assert stop(state_dir, pid), "stop still reaches the orphaned command"


def test_cpu_limit_sets_affinity_and_thread_hints(tmp_path: Path) -> None:
    code = "import os; print(len(os.sched_getaffinity(0)), os.environ['OMP_NUM_THREADS'])"
    state_dir, _ = start(tmp_path, code, limits=ResourceLimits(cpus=1))
    finished(state_dir)
    assert read_log(state_dir / "output.log").text.split() == ["1", "1"]


def test_background_work_outlives_a_script_when_asked(tmp_path: Path) -> None:
    marker = tmp_path / "background-done"
    worker = tmp_path / "worker.py"
    worker.write_text(f"import time\ntime.sleep(1)\nopen({str(marker)!r}, 'w').write('ok')\n")
    code = f"import subprocess, sys\nsubprocess.Popen([sys.executable, {str(worker)!r}])\n"
    state_dir, _ = start(tmp_path, code, kill_group_on_exit=False)
    assert finished(state_dir).exit_code == 0
    wait_until(marker.exists, 15, "the background process to finish its work")


def _cgroups_available() -> bool:
    probe = MemoryCgroup.create(f"probe-{os.getpid()}", 1 << 30)
    if probe is None:
        return False
    probe.remove()
    return True


cgroups = pytest.mark.skipif(
    not _cgroups_available(),
    reason="no writable memory cgroup on this machine (needs root; "
    f"looked in {V2_ROOT} and {V1_ROOT}); RLIMIT_DATA is used instead",
)


@cgroups
def test_memory_limit_kills_the_tree_and_says_out_of_memory(tmp_path: Path) -> None:
    code = "x = []\nwhile True: x.append(bytearray(16 << 20))\n"
    state_dir, _ = start(tmp_path, code, limits=ResourceLimits(memory_bytes=128 << 20))
    state = finished(state_dir)
    assert state.reason == "oom"
    assert state.exit_code == -signal.SIGKILL


def test_a_limited_process_knows_its_memory_budget(tmp_path: Path) -> None:
    code = "from jupyter_smstudio.runtime.limits import memory_budget; print(memory_budget())"
    state_dir, _ = start(tmp_path, code, limits=ResourceLimits(memory_bytes=256 << 20))
    assert finished(state_dir).exit_code == 0
    assert read_log(state_dir / "output.log").text.split() == [str(256 << 20)]


def test_log_cursor_reads_only_new_complete_output(tmp_path: Path) -> None:
    log = tmp_path / "l.log"
    log.write_text("one\ntwo\n")
    first = read_log(log)
    assert first.text == "one\ntwo\n"
    with log.open("a") as f:
        f.write("three\n")
    assert read_log(log, first.next_cursor).text == "three\n"
    assert tail_lines(log, 2) == ["two", "three"]
    assert read_log(tmp_path / "missing.log").text == ""
