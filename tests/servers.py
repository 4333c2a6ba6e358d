"""Run a real ``jupyter server`` process for tests that need one (restarts, clients)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import requests

from .waiting import Fatal, wait_until

__all__ = ["ROOT", "Fatal", "ServerProcess", "free_port", "wait_until"]

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServerProcess:
    """A jupyter server subprocess with SM Studio, its own dirs and token."""

    def __init__(self, workdir: Path, *, app: str = "server", extra_args: tuple[str, ...] = ()):
        self.workdir = workdir
        self.app = app
        self.extra_args = extra_args
        self.token = "test-token-" + os.urandom(8).hex()
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = workdir / "server.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SMSTUDIO_")}
        for name in ("config", "data", "runtime"):
            (self.workdir / name).mkdir(parents=True, exist_ok=True)
        env.update(
            JUPYTER_CONFIG_DIR=str(self.workdir / "config"),
            JUPYTER_DATA_DIR=str(self.workdir / "data"),
            JUPYTER_RUNTIME_DIR=str(self.workdir / "runtime"),
            PYTHONPATH=str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""),
        )
        return env

    def start(self, timeout: float = 60) -> ServerProcess:
        (self.workdir / "root").mkdir(parents=True, exist_ok=True)
        cmd = [
            sys.executable, "-m", "jupyter", self.app,
            "--no-browser", "--ip=127.0.0.1", f"--port={self.port}",
            f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={self.workdir / 'root'}",
            f"--SMStudioApp.data_dir={self.workdir / 'smstudio'}",
            *self.extra_args,
        ]  # fmt: skip
        if not any("Experiments.log_jobs" in arg for arg in self.extra_args):
            cmd.append("--Experiments.log_jobs=False")  # see conftest.jp_server_config
        if os.geteuid() == 0:
            cmd.append("--allow-root")
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(cmd, env=self.env(), stdout=log, stderr=subprocess.STDOUT)
        wait_until(self._ready, timeout, f"server on port {self.port} ({self.log_path})")
        return self

    def _ready(self) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise Fatal(f"server exited: {self.log_path.read_text()[-2000:]}")
        r = requests.get(self.url + "smstudio/api/status", headers=self.headers, timeout=2)
        return r.status_code == 200

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"token {self.token}"}

    def stop(self, timeout: float = 30) -> int:
        """Stop like Ctrl-C/SIGTERM does; return the exit code."""
        if self.proc is None:
            return 0
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        code = self.proc.returncode
        self.proc = None
        return code

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def crash(server: ServerProcess) -> None:
    """kill -9 the server: none of its shutdown code runs."""
    assert server.proc is not None
    server.proc.kill()
    server.proc.wait(30)
    server.proc = None
