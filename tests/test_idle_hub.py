"""Idle shutdown of whole servers: jupyter_server's own shutdown_no_activity, and a
real JupyterHub (hub + configurable-http-proxy + SimpleLocalProcessSpawner, all on
127.0.0.1) whose jupyterhub-idle-culler sees our signals in the reported activity."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from .kernels import execute
from .servers import ROOT, ServerProcess, free_port, wait_until

pytestmark = pytest.mark.slow

CHP = ROOT / ".ci-tools" / "node_modules" / ".bin" / "configurable-http-proxy"
#: How long a hub, a spawn or a request may take: generous, for a loaded CI machine
#: (measured: a spawn request took over 10 s at load average 9).
DEADLINE = 180.0

SPIN_THREAD = """
import threading
def spin():
    while True:
        sum(range(10000))
threading.Thread(target=spin, daemon=True).start()
"""


def test_an_idle_server_shuts_itself_down(tmp_path: Path) -> None:
    server = ServerProcess(
        tmp_path,
        extra_args=(
            "--ServerApp.shutdown_no_activity_timeout=3",
            "--IdlePolicy.check_interval_seconds=1",
        ),
    ).start()
    try:
        assert server.proc is not None
        started = time.monotonic()
        server.proc.wait(30)
        assert time.monotonic() - started >= 2
        assert "shutting down" in server.log_path.read_text()
    finally:
        server.stop()


def test_a_keep_alive_holds_the_server_then_lets_it_go(tmp_path: Path) -> None:
    from jupyter_smstudio.client import Client

    server = ServerProcess(
        tmp_path,
        extra_args=(
            "--ServerApp.shutdown_no_activity_timeout=6",
            "--IdlePolicy.check_interval_seconds=1",
        ),
    ).start()
    try:
        assert server.proc is not None
        client = Client(server.url, server.token)
        kept = client.keep_alive(minutes=0.25)
        assert kept["kind"] == "server"
        time.sleep(10)
        assert server.proc.poll() is None, "the server ignored its keep-alive"
        report = client.idle()
        assert any("keep-alive" in a for a in report["server"]["activity"])
        server.proc.wait(40)
    finally:
        server.stop()


def _hub_config(tmp: Path, ports: dict[str, int], admin_token: str) -> str:
    user_config = tmp / "user-config"
    user_config.mkdir()
    (user_config / "jupyter_server_config.json").write_text(
        '{"ServerApp": {"jpserver_extensions": {"jupyter_smstudio": true}}}'
    )
    env = {
        "PYTHONPATH": str(ROOT),
        "JUPYTER_CONFIG_DIR": str(user_config),
        "JUPYTERHUB_ACTIVITY_INTERVAL": "2",
        "PATH": os.environ.get("PATH", ""),
    }
    args = [  # SM Studio's data goes to each user's home (the spawner sets HOME)
        # Kernels idle out after 6 s: without our CPU signal the busy server's kernel
        # would be culled and its server would look idle.
        "--IdlePolicy.default_timeout_minutes=0.1",
        "--IdlePolicy.check_interval_seconds=1",
        "--IdlePolicy.cpu_busy_percent=20",
    ]
    if os.geteuid() == 0:
        args.append("--allow-root")
    culler = [
        sys.executable, "-m", "jupyterhub_idle_culler", "--timeout=15", "--cull-every=3",
        f"--url=http://127.0.0.1:{ports['hub']}/hub/api",
    ]  # fmt: skip
    return f"""
c = get_config()  # noqa
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = {ports["proxy"]}
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {ports["hub"]}
c.JupyterHub.db_url = "sqlite:///{tmp / "hub.sqlite"}"
c.JupyterHub.cookie_secret_file = "{tmp / "cookie_secret"}"
c.JupyterHub.pid_file = "{tmp / "hub.pid"}"
c.JupyterHub.last_activity_interval = 2
c.JupyterHub.authenticator_class = "dummy"
c.Authenticator.allow_all = True
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = "{tmp / "home" / "{username}"}"
c.Spawner.cmd = [{sys.executable!r}, "-m", "jupyterhub.singleuser"]
c.Spawner.args = {args!r}
c.Spawner.environment = {env!r}
c.Spawner.ip = "127.0.0.1"
c.Spawner.poll_interval = 1
c.Spawner.start_timeout = 240
c.Spawner.http_timeout = 240
# Answer a spawn request at once (202) and let the test wait for readiness: on a loaded
# machine a spawn takes longer than the default 10 s the request would be held for.
c.JupyterHub.tornado_settings = {{"slow_spawn_timeout": 0}}
c.ConfigurableHTTPProxy.command = [{str(CHP)!r}]
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{ports["proxy_api"]}"
c.ConfigurableHTTPProxy.should_start = True
c.JupyterHub.services = [
    {{"name": "test-admin", "api_token": {admin_token!r}}},
    {{"name": "idle-culler", "command": {culler!r}}},
]
c.JupyterHub.load_roles = [
    {{"name": "test-admin", "scopes": ["admin:users", "admin:servers", "tokens",
      "access:servers"], "services": ["test-admin"]}},
    {{"name": "idle-culler", "scopes": ["list:users", "read:users:activity",
      "read:servers", "delete:servers"], "services": ["idle-culler"]}},
]
"""


class Hub:
    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.ports = {"hub": free_port(), "proxy": free_port(), "proxy_api": free_port()}
        self.token = "admin-" + os.urandom(8).hex()
        self.api = f"http://127.0.0.1:{self.ports['hub']}/hub/api"
        self.proxy = f"http://127.0.0.1:{self.ports['proxy']}"
        self.log_path = tmp / "hub.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Hub:
        config = self.tmp / "jupyterhub_config.py"
        config.write_text(_hub_config(self.tmp, self.ports, self.token))
        env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "SMSTUDIO"))}
        env["PATH"] = f"{CHP.parent}{os.pathsep}{env.get('PATH', '')}"
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "jupyterhub", "-f", str(config)],
            cwd=self.tmp, env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        wait_until(self._ready, DEADLINE, f"the hub ({self.log_path})", interval=0.3)
        return self

    def _ready(self) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise RuntimeError(self.log_path.read_text()[-3000:])
        return self.call("GET", "/").status_code == 200

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {"Authorization": f"token {self.token}"}
        return requests.request(
            method, self.api + path, headers=headers, timeout=DEADLINE, **kwargs
        )

    def server_ready(self, user: str) -> bool:
        server = self.call("GET", f"/users/{user}").json()["servers"].get("")
        return bool(server and server.get("ready"))

    def server_gone(self, user: str) -> bool:
        return "" not in self.call("GET", f"/users/{user}").json()["servers"]

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        self.proc = None


@pytest.fixture
def hub(tmp_path: Path) -> Any:
    if not CHP.exists() and shutil.which("configurable-http-proxy") is None:
        pytest.skip("configurable-http-proxy is not installed (scripts/test.sh installs it)")
    pytest.importorskip("jupyterhub")
    pytest.importorskip("jupyterhub_idle_culler")
    h = Hub(tmp_path).start()
    yield h
    h.stop()


def test_jupyterhub_culls_the_idle_server_and_keeps_the_busy_one(hub: Hub) -> None:
    for user in ("idle", "busy"):
        assert hub.call("POST", f"/users/{user}").status_code in (201, 409)
        reply = hub.call("POST", f"/users/{user}/server")
        assert reply.status_code in (201, 202), reply.text
    for user in ("idle", "busy"):
        wait_until(lambda u=user: hub.server_ready(u), DEADLINE, f"{user}'s server", interval=0.5)

    # A silent CPU-bound cell in the busy user's server, reached through the proxy.
    token = hub.call("POST", "/users/busy/tokens", json={"expires_in": 600}).json()["token"]
    headers = {"Authorization": f"token {token}"}
    base = f"{hub.proxy}/user/busy/"
    status = requests.get(base + "smstudio/api/status", headers=headers, timeout=DEADLINE)
    assert status.status_code == 200, "the single-user server does not load SM Studio"
    kernel = requests.post(base + "api/kernels", headers=headers, json={}, timeout=DEADLINE).json()
    ws = base.replace("http", "ws", 1) + f"api/kernels/{kernel['id']}/channels"
    _out, error = asyncio.run(execute(ws, headers, SPIN_THREAD, DEADLINE))
    assert error is None

    # The idle server is culled by jupyterhub-idle-culler; the hub sees it stopped.
    wait_until(lambda: hub.server_gone("idle"), DEADLINE, "the idle server culled", interval=1)
    culled_at = time.monotonic()
    # The busy one stays: its kernel kept (our CPU signal), its activity reported fresh.
    while time.monotonic() - culled_at < 15:
        assert not hub.server_gone("busy"), "the server running a silent CPU loop was culled"
        time.sleep(1)
    kernels = requests.get(base + "api/kernels", headers=headers, timeout=DEADLINE).json()
    assert [k["id"] for k in kernels] == [kernel["id"]]
    idle = requests.get(base + "smstudio/api/idle?no_track_activity=1", headers=headers,
                        timeout=DEADLINE).json()  # fmt: skip
    assert any("CPU" in a for k in idle["kernels"] for a in k["activity"]), idle
    user = hub.call("GET", "/users/busy").json()
    assert user["servers"][""]["last_activity"] is not None
