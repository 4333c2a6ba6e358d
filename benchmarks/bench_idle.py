"""Idle monitor: its CPU overhead with 50 running kernels, and how fast it sees idle.

Two real servers run side by side with the same 50 idle kernels: one with SM Studio's
idle monitor (checking every ``INTERVAL`` s), one bare (SM Studio disabled, so no
monitor). Each window measures both server processes' own CPU time (kernels
excluded); the overhead is the difference per second, as a percent of one core.
Detection latency: a kernel spins a thread, the thread stops, and the /idle report
is polled until the kernel shows no activity (target: interval + 1 s).
Loopback only, bounded in time.
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil
import requests

from tests.kernels import execute
from tests.servers import ServerProcess, wait_until

from .harness import Result, Series, check_rounds, end_round

DESCRIPTION = "Idle monitor with 50 kernels: CPU per check interval; busy->idle detection"
KERNELS = 50
INTERVAL = 5.0
WINDOW = 4  # intervals per measurement window

SPIN = """
import threading
stop = threading.Event()
def spin():
    while not stop.is_set():
        sum(range(10000))
threading.Thread(target=spin, daemon=True).start()
"""


class BareServer(ServerProcess):
    """The same server with SM Studio (and so its monitor) disabled."""

    def _ready(self) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise RuntimeError(f"server exited: {self.log_path.read_text()[-2000:]}")
        r = requests.get(self.url + "api/status", headers=self.headers, timeout=2)
        return r.status_code == 200


def _start_kernels(server: ServerProcess, n: int) -> list[str]:
    def one(_: int) -> str:
        r = requests.post(server.url + "api/kernels", headers=server.headers, json={}, timeout=120)
        r.raise_for_status()
        return str(r.json()["id"])

    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(one, range(n)))


def _cpu(server: ServerProcess) -> float:
    assert server.proc is not None
    t = psutil.Process(server.proc.pid).cpu_times()
    return t.user + t.system


def _run(server: ServerProcess, kernel: str, code: str) -> None:
    ws = server.url.replace("http", "ws", 1) + f"api/kernels/{kernel}/channels"
    _out, error = asyncio.run(execute(ws, server.headers, code))
    assert error is None, error


def _activity(server: ServerProcess, kernel: str) -> list[str] | None:
    r = requests.get(
        server.url + "smstudio/api/idle?no_track_activity=1", headers=server.headers, timeout=10
    )
    for k in r.json()["kernels"]:
        if k["id"] == kernel:
            return list(k["activity"])
    return None


def run(rounds: int = 6) -> Result:
    check_rounds(rounds)
    monitored = Series(f"server CPU per {INTERVAL:g}s interval, monitor on ({KERNELS} kernels)")
    bare = Series(f"server CPU per {INTERVAL:g}s interval, bare ({KERNELS} kernels)")
    monitored.baseline = bare.name
    cycle = Series("one check cycle, wall time (from /idle)")
    detect = Series("busy -> idle detected (/idle activity empty)")
    policy = (
        f"--IdlePolicy.check_interval_seconds={INTERVAL}",
        "--IdlePolicy.default_timeout_minutes=600",
        "--IdlePolicy.min_timeout_minutes=1",
    )
    with tempfile.TemporaryDirectory() as tmp:
        on = ServerProcess(Path(tmp) / "on", extra_args=policy)
        no_smstudio = "--ServerApp.jpserver_extensions=jupyter_smstudio=False"
        off = BareServer(Path(tmp) / "off", extra_args=(no_smstudio,))
        with on, off:
            for server in (on, off):
                _start_kernels(server, KERNELS)
            time.sleep(2 * INTERVAL)  # kernels settle; the monitor's first samples
            for _ in range(rounds):  # both measured over the same windows
                a, b = _cpu(on), _cpu(off)
                time.sleep(WINDOW * INTERVAL)  # several intervals: CPU times tick in 10 ms
                monitored.samples.append((_cpu(on) - a) / WINDOW)
                bare.samples.append((_cpu(off) - b) / WINDOW)
                r = requests.get(on.url + "smstudio/api/idle?no_track_activity=1",
                                 headers=on.headers, timeout=10)  # fmt: skip
                cycle.samples.append((r.json()["check_ms"] or 0) / 1000)
                end_round(monitored, bare, cycle)

            kernel = _start_kernels(on, 1)[0]
            for _ in range(max(3, rounds // 2)):
                _run(on, kernel, SPIN)
                wait_until(
                    lambda: any("CPU" in a for a in _activity(on, kernel) or []),
                    4 * INTERVAL, "the spinning kernel seen busy", interval=0.05,
                )  # fmt: skip
                _run(on, kernel, "stop.set()")
                stopped = time.perf_counter()
                wait_until(lambda: _activity(on, kernel) == [], 4 * INTERVAL,
                           "the kernel seen idle", interval=0.05)  # fmt: skip
                detect.samples.append(time.perf_counter() - stopped)
                detect.end_round()
    overhead = (statistics.median(monitored.samples) - statistics.median(bare.samples)) / INTERVAL
    result = Result(
        "idle",
        DESCRIPTION + f" (overhead {overhead * 100:.2f}% of one core)",
        [monitored, bare, cycle, detect],
        targets={
            monitored.name: f"<= {INTERVAL * 10:g} ms more than bare (1% of a core)",
            detect.name: f"<= {INTERVAL + 1:g} s",
        },
    )
    return result
