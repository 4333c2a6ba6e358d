"""Idle auto-shutdown with real kernels, terminals and spaces, and short timeouts."""

from __future__ import annotations

import asyncio
import json
import os
import stat
import time
from pathlib import Path
from typing import Any

import pytest
from jupyter_client.jsonutil import json_default
from jupyter_client.session import Session
from tornado.httpclient import HTTPClientError, HTTPRequest
from tornado.websocket import websocket_connect

from jupyter_smstudio.runtime.limits import MemoryCgroup

from .conftest import USERS, ApiCall
from .idle_helpers import (
    POLICY,
    TIMEOUT_S,
    kernel_alive,
    kernel_report,
    report,
    terminal_send,
)
from .kernels import execute
from .spaces_helpers import KernelClient, terminal_output, wait_status
from .waiting import eventually

SPIN_THREAD = """
import threading, time
stop = threading.Event()
def spin():
    while not stop.is_set():
        sum(range(10000))
threading.Thread(target=spin, daemon=True).start()
"""

LONG_SILENT_CELL = """
import time
end = time.monotonic() + {seconds}
while time.monotonic() < end:
    pass
"""


@pytest.fixture
def jp_server_config(jp_server_config: dict[str, Any], request: Any) -> dict[str, Any]:
    """Short timeouts; a test may change the policy with ``@pytest.mark.idle_policy(...)``."""
    config = dict(jp_server_config)
    config["ServerApp"] = {
        **config["ServerApp"],
        "jpserver_extensions": {"jupyter_smstudio": True, "jupyter_server_terminals": True},
    }
    marker = request.node.get_closest_marker("idle_policy")
    config["IdlePolicy"] = {**POLICY, **(marker.kwargs if marker else {})}
    return config


@pytest.fixture(autouse=True)
def idle_monitor(jp_serverapp: Any, jp_asyncio_loop: Any) -> Any:
    """pytest-jupyter does not run extensions' start hooks; start the monitor here."""
    svc = services(jp_serverapp)

    async def start() -> None:
        await svc.db.open()
        svc.start_idle_monitor()

    jp_asyncio_loop.run_until_complete(start())
    yield svc.idle
    jp_asyncio_loop.run_until_complete(svc.stop())


@pytest.fixture
def kernels(jp_fetch: Any, jp_http_port: int, jp_base_url: str) -> KernelClient:
    return KernelClient(jp_fetch, jp_http_port, jp_base_url)


def services(jp_serverapp: Any) -> Any:
    return jp_serverapp.web_app.settings["smstudio_services"]


async def test_culler_configured_from_policy(jp_serverapp: Any, api: ApiCall) -> None:
    km = jp_serverapp.kernel_manager
    assert km.cull_idle_timeout == TIMEOUT_S
    assert km.cull_interval == 1
    assert km.cull_connected is True  # an abandoned open tab does not keep a kernel alive
    body = await report(api)
    assert body["policy"]["enabled"] is True
    assert body["policy"]["warning_minutes"] == POLICY["warning_minutes"]


@pytest.mark.slow
async def test_idle_kernel_is_shut_down_after_its_timeout(
    jp_fetch: Any, api: ApiCall, kernels: KernelClient
) -> None:
    kid = await kernels.start("python3")
    await kernels.run(kid, "x = 1")
    started = time.monotonic()

    info = await eventually(lambda: kernel_report(api, kid), 10, "the kernel in /idle")
    assert info["activity"] == []
    pending = await eventually(
        lambda: _pending(api, "kernel", kid), 5, "a pending shutdown for the kernel"
    )
    assert pending["in_seconds"] <= TIMEOUT_S + 1

    await eventually(lambda: _not(kernel_alive(jp_fetch, kid)), 20, "the culler")
    assert time.monotonic() - started >= TIMEOUT_S - 1
    recent = await eventually(
        lambda: _recent(api, "kernel", kid), 5, "the shutdown in /idle recent"
    )
    assert "idle" in recent["message"]


@pytest.mark.slow
async def test_housekeeping_messages_do_not_keep_a_kernel(
    jp_fetch: Any, jp_serverapp: Any, kernels: KernelClient, jp_http_port: int, jp_base_url: str
) -> None:
    """A resource-usage panel or console polling the kernel is not the user."""
    km = jp_serverapp.kernel_manager
    assert {"usage_request", "history_request"} <= set(km.untracked_message_types)
    kid = await kernels.start("python3")
    await kernels.run(kid, "pass")
    url = f"ws://127.0.0.1:{jp_http_port}{jp_base_url}api/kernels/{kid}/channels"
    conn = await websocket_connect(
        HTTPRequest(url, headers={"Authorization": f"token {USERS['alice']}"})
    )
    deadline = time.monotonic() + 4 * TIMEOUT_S
    try:
        while time.monotonic() < deadline and await kernel_alive(jp_fetch, kid):
            for kind, channel in (("history_request", "shell"), ("kernel_info_request", "shell")):
                content = {"hist_access_type": "tail", "n": 1} if kind == "history_request" else {}
                msg = Session().msg(kind, content=content)
                msg["channel"] = channel
                conn.write_message(json.dumps(msg, default=json_default))
            await asyncio.sleep(1)
    finally:
        conn.close()
    assert not await kernel_alive(jp_fetch, kid), "housekeeping messages kept the kernel alive"


@pytest.mark.slow
async def test_silent_cpu_work_is_not_shut_down(
    jp_fetch: Any, api: ApiCall, kernels: KernelClient, jp_http_port: int, jp_base_url: str
) -> None:
    """A background thread spinning while the kernel is idle, and a long silent cell."""
    spinner = await kernels.start("python3")
    cell = await kernels.start("python3")
    await kernels.run(spinner, SPIN_THREAD)
    await kernels.run(cell, "pass")
    url = f"ws://127.0.0.1:{jp_http_port}{jp_base_url}api/kernels/{cell}/channels"
    headers = {"Authorization": f"token {USERS['alice']}"}
    long_cell = asyncio.ensure_future(
        execute(url, headers, LONG_SILENT_CELL.format(seconds=3 * TIMEOUT_S), 60)
    )

    async def spinner_seen_busy() -> bool:
        info = await kernel_report(api, spinner)
        return bool(info and any("CPU" in a for a in info["activity"]))

    await eventually(spinner_seen_busy, 10, "the spinning thread counted as CPU activity")
    await asyncio.sleep(2 * TIMEOUT_S)
    assert await kernel_alive(jp_fetch, spinner), "a kernel using CPU silently was culled"
    assert await kernel_alive(jp_fetch, cell), "a long silent cell was culled"
    info = await kernel_report(api, spinner)
    assert info is not None
    assert info["idle_seconds"] < 3
    assert info["shutdown_at_ms"] / 1000 > time.time()

    # When the work stops, the kernel idles out like any other.
    await kernels.run(spinner, "stop.set()")
    await eventually(lambda: _not(kernel_alive(jp_fetch, spinner)), 25, "culling after work")
    _out, error = await long_cell
    assert error is None
    assert await kernel_alive(jp_fetch, cell)


@pytest.mark.idle_policy(max_busy_minutes=TIMEOUT_S / 60)
@pytest.mark.slow
async def test_max_busy_time_lets_a_busy_kernel_go(
    jp_fetch: Any, jp_serverapp: Any, api: ApiCall, kernels: KernelClient
) -> None:
    """With a maximum busy time, a kernel busy for longer is culled like an idle one."""
    assert jp_serverapp.kernel_manager.cull_busy is True
    kid = await kernels.start("python3")
    await kernels.run(kid, SPIN_THREAD)
    started = time.monotonic()

    async def over_limit() -> bool:
        info = await kernel_report(api, kid)
        return bool(info and any("longer than" in a for a in info["activity"]))

    await eventually(over_limit, 4 * TIMEOUT_S, "the kernel reported busy for too long")
    await eventually(lambda: _not(kernel_alive(jp_fetch, kid)), 4 * TIMEOUT_S, "the culler")
    assert time.monotonic() - started >= 2 * TIMEOUT_S - 2


@pytest.mark.slow
async def test_terminal_running_a_cpu_process_is_kept(
    jp_serverapp: Any,
    jp_fetch: Any,
    api: ApiCall,
    jp_http_port: int,
    jp_base_url: str,
    tmp_path: Path,
) -> None:
    """The terminal, and the space in whose files its busy process runs, are kept."""
    headers = {"Authorization": f"token {USERS['alice']}"}
    assert (await api("POST", "spaces", {"name": "shell"})).status == 201
    await wait_status(api, "shell", "InService")
    home = tmp_path / "smstudio" / "spaces" / "shell" / "home"
    tm = jp_serverapp.web_app.settings["terminal_manager"]
    assert tm.cull_inactive_timeout == TIMEOUT_S

    async def new_terminal() -> str:
        reply = await jp_fetch("api", "terminals", method="POST", body="{}", headers=headers)
        return json.loads(reply.body)["name"]  # type: ignore[no-any-return]

    busy, idle = await new_terminal(), await new_terminal()
    command = f"cd {home} && python3 -c 'while True: pass'\r"
    await terminal_send(jp_http_port, jp_base_url, busy, command)

    async def busy_seen() -> bool:
        terms = {t["name"]: t for t in (await report(api))["terminals"]}
        return any("CPU" in a for a in terms.get(busy, {}).get("activity", []))

    await eventually(busy_seen, 10, "the terminal's CPU process counted as activity")
    assert any(busy in a for a in services(jp_serverapp).idle.current_activity())
    assert jp_serverapp.extension_manager.any_activity()

    async def alive(name: str) -> bool:
        reply = await jp_fetch("api", "terminals", name, raise_error=False, headers=headers)
        return reply.code == 200  # type: ignore[no-any-return]

    await eventually(lambda: _not(alive(idle)), 4 * TIMEOUT_S, "the idle terminal culled")
    assert await alive(busy), "a terminal running a CPU-bound process was culled"
    space = (await api("GET", "spaces/shell")).json
    assert space["status"] == "InService", "a space with a busy terminal in its files stopped"
    spaces = {s["name"]: s for s in (await report(api))["spaces"]}
    assert any("terminal" in a for a in spaces["shell"]["activity"]), spaces["shell"]
    await terminal_send(jp_http_port, jp_base_url, busy, "\x03")  # Ctrl-C


@pytest.mark.slow
async def test_a_space_terminal_works_in_its_files_with_its_kernels_environment(
    jp_fetch: Any, api: ApiCall, jp_http_port: int, jp_base_url: str, tmp_path: Path
) -> None:
    """Opened from the space, in its files, with kernel.env; it keeps the space busy."""
    assert (await api("POST", "spaces", {"name": "term"})).status == 201
    home = tmp_path / "smstudio" / "spaces" / "term" / "home"
    (home / ".smstudio").mkdir(parents=True)
    (home / ".smstudio" / "kernel.env").write_text("SETUP_VAR=from-kernel-env\n")
    reply = await api("POST", "spaces/term/terminals")
    assert reply.status == 201, reply.json
    name = reply.json["name"]
    line = (
        "echo at:$(pwd):$SETUP_VAR:$HOME:$(grep -c terminal-term- /proc/self/cgroup)"
        ":$SMSTUDIO_SPACE:; python3 -c 'while True: pass'\r"
    )
    out = await terminal_output(jp_http_port, jp_base_url, name, line, ":term:")
    # Under the profile's limits as its kernels: a memory cgroup where the machine has one.
    probe = MemoryCgroup.create(f"probe-{os.getpid()}", 1 << 30)
    if probe is not None:
        probe.remove()
    assert f"at:{home}:from-kernel-env:{home}:{int(probe is not None)}:term:" in out

    async def space_busy() -> bool:
        spaces = {s["name"]: s for s in (await report(api))["spaces"]}
        return any("terminal" in a for a in spaces.get("term", {}).get("activity", []))

    await eventually(space_busy, 20, "the space's terminal counted as the space's activity")
    assert (await api("GET", "spaces/term")).json["terminals"] == [name]
    assert (await api("POST", "spaces/term/stop")).status == 200
    headers = {"Authorization": f"token {USERS['alice']}"}
    gone = await jp_fetch("api", "terminals", name, raise_error=False, headers=headers)
    assert gone.code == 404, "stopping a space ends its terminals"
    refused = await api("POST", "spaces/term/terminals")
    assert refused.status == 422
    assert "start it" in refused.error["message"]


async def test_another_users_space_terminal_is_not_found_in_jupyters_own_routes(
    jp_fetch: Any, api: ApiCall, jp_http_port: int, jp_base_url: str
) -> None:
    """jupyter_server's terminal routes know no spaces: bob must not list or attach alice's."""
    assert (await api("POST", "spaces", {"name": "private-term"})).status == 201
    reply = await api("POST", "spaces/private-term/terminals")
    assert reply.status == 201, reply.json
    name = reply.json["name"]

    async def call(user: str, *path: str, method: str = "GET") -> Any:
        headers = {"Authorization": f"token {USERS[user]}"}
        extra = {"allow_nonstandard_methods": True} if method == "DELETE" else {}
        return await jp_fetch("api", "terminals", *path, method=method, raise_error=False,
                              headers=headers, **extra)  # fmt: skip

    async def attach(user: str) -> int:
        url = f"ws://127.0.0.1:{jp_http_port}{jp_base_url}terminals/websocket/{name}"
        request = HTTPRequest(url, headers={"Authorization": f"token {USERS[user]}"})
        try:
            conn = await websocket_connect(request)
        except HTTPClientError as err:
            return err.code
        conn.close()
        return 101

    assert name not in [t["name"] for t in json.loads((await call("bob")).body)]
    assert (await call("bob", name)).code == 404
    assert (await call("bob", name, method="DELETE")).code == 404
    assert await attach("bob") == 404
    # Alice still has it, untouched.
    assert name in [t["name"] for t in json.loads((await call("alice")).body)]
    assert (await call("alice", name)).code == 200
    assert await attach("alice") == 101


@pytest.mark.slow
async def test_keep_alive_api_and_touch_file(
    jp_fetch: Any, api: ApiCall, kernels: KernelClient, tmp_path: Path
) -> None:
    kid = await kernels.start("python3")
    reply = await api("POST", "idle/keep-alive", {"kernel_id": kid, "minutes": 1})
    assert reply.status == 200, reply.json
    assert reply.json["kind"] == "kernel"
    assert reply.json["until_ms"] / 1000 > time.time() + 50

    for name in ("kept-api", "kept-touch", "let-go"):
        assert (await api("POST", "spaces", {"name": name})).status == 201
        await wait_status(api, name, "InService")
    assert (await api("POST", "idle/keep-alive", {"space": "kept-api", "minutes": 1})).status == 200
    home = tmp_path / "smstudio" / "spaces" / "kept-touch" / "home"
    touch = home / ".smstudio" / "keep-alive"
    touch.parent.mkdir(parents=True, exist_ok=True)
    touch.touch()
    future = time.time() + 60  # `touch -d '+1 min' ~/.smstudio/keep-alive`
    os.utime(touch, (future, future))

    await wait_status(api, "let-go", "Stopped", timeout=4 * TIMEOUT_S)
    await asyncio.sleep(TIMEOUT_S)
    assert await kernel_alive(jp_fetch, kid), "keep-alive ignored for the kernel"
    for name in ("kept-api", "kept-touch"):
        space = (await api("GET", f"spaces/{name}")).json
        assert space["status"] == "InService", f"keep-alive ignored for {name}"
    spaces = {s["name"]: s for s in (await report(api))["spaces"]}
    assert any("keep-alive" in a for a in spaces["kept-touch"]["activity"])
    assert spaces["kept-api"]["keep_alive_until_ms"] is not None

    bad = await api("POST", "idle/keep-alive", {"space": "nope", "minutes": 1})
    assert bad.status == 404
    both = await api("POST", "idle/keep-alive", {"space": "a", "kernel_id": "b"})
    assert both.status == 400
    assert (await api("POST", "idle/keep-alive", {"minutes": 1}, user="reader")).status == 403


async def test_space_timeout_bounds(api: ApiCall) -> None:
    too_long = await api("POST", "spaces", {"name": "s1", "idle_timeout_minutes": 500})
    assert too_long.status == 400
    assert too_long.error["field"] == "idle_timeout_minutes"
    assert "between 1 and 120 minutes" in too_long.error["message"]
    off = await api("POST", "spaces", {"name": "s1", "idle_timeout_minutes": 0})
    assert off.status == 403
    assert "does not allow" in off.error["message"]
    ok = await api("POST", "spaces", {"name": "s1", "idle_timeout_minutes": 30, "start": False})
    assert ok.status == 201
    assert ok.json["idle_timeout_minutes"] == 30
    assert (await api("PATCH", "spaces/s1", {"idle_timeout_minutes": 121})).status == 400
    assert (await api("PATCH", "spaces/s1", {"idle_timeout_minutes": 0})).status == 403
    patched = await api("PATCH", "spaces/s1", {"idle_timeout_minutes": 90})
    assert patched.status == 200
    assert patched.json["space"]["idle_timeout_minutes"] == 90


@pytest.mark.slow
async def test_idle_space_is_stopped_with_the_reason(
    api: ApiCall, kernels: KernelClient, jp_fetch: Any
) -> None:
    assert (await api("POST", "spaces", {"name": "lab"})).status == 201
    await wait_status(api, "lab", "InService")
    kid = await kernels.start("smstudio-lab")
    await kernels.run(kid, "y = 2")

    spaces = {s["name"]: s for s in (await eventually(lambda: _spaces(api), 5, "report"))}
    assert spaces["lab"]["timeout_minutes"] == pytest.approx(TIMEOUT_S / 60)
    assert spaces["lab"]["shutdown_at_ms"] is not None
    other = await report(api, user="bob")
    assert other["spaces"] == []
    assert all(k["space"] != "lab" for k in other["kernels"])

    await wait_status(api, "lab", "Stopped", timeout=5 * TIMEOUT_S)
    assert not await kernel_alive(jp_fetch, kid)
    events = (await api("GET", "spaces/lab/events")).json["items"]
    stopped = [e for e in events if e["kind"] == "idle-stopped"]
    assert stopped, events
    message = stopped[0]["message"]
    assert message.startswith("Stopped after 0.1 min idle at ")
    assert "no kernel activity since" in message or "no kernel running" in message
    assert "no UI activity" in message


@pytest.mark.slow
async def test_ui_activity_counts_for_the_kernel(
    api: ApiCall, kernels: KernelClient, jp_serverapp: Any
) -> None:
    kid = await kernels.start("python3")
    before = jp_serverapp.web_app.last_activity()
    await asyncio.sleep(TIMEOUT_S - 2)
    reply = await api("POST", "activity", {"kernel_id": kid})
    assert reply.status == 204
    info = await eventually(lambda: kernel_report(api, kid), 5, "kernel report")
    assert info["idle_seconds"] < 3
    settings = jp_serverapp.web_app.settings
    assert settings["smstudio_last_activity"] > before
    assert (await api("POST", "activity", {"nope": 1})).status == 400
    assert (await api("POST", "activity", {"space": "not-mine"})).status == 404


@pytest.mark.slow
async def test_busy_gpu_keeps_a_kernel(
    jp_serverapp: Any, jp_fetch: Any, api: ApiCall, kernels: KernelClient, tmp_path: Path
) -> None:
    """nvidia-smi says the kernel holds a busy GPU (a stand-in binary on this machine)."""
    kid = await kernels.start("python3")
    pid = jp_serverapp.kernel_manager.get_kernel(kid).provisioner.pid
    fake = tmp_path / "nvidia-smi"
    fake.write_text(
        "#!/bin/sh\n"
        'case "$1" in --query-gpu*) echo "GPU-fake, 0, 87";;\n'
        f'  --query-compute-apps*) echo "{pid}, GPU-fake, 1024";; esac\n'
    )
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    services(jp_serverapp).idle.nvidia_smi = str(fake)

    async def gpu_seen() -> bool:
        info = await kernel_report(api, kid)
        return bool(info and any("GPU 0 87% busy" in a for a in info["activity"]))

    await eventually(gpu_seen, 10, "the busy GPU counted as activity")
    await asyncio.sleep(TIMEOUT_S + 2)
    assert await kernel_alive(jp_fetch, kid)


async def _pending(api: ApiCall, kind: str, ident: str) -> dict[str, Any] | None:
    for p in (await report(api))["pending"]:
        if p["kind"] == kind and p["id"] == ident:
            return p  # type: ignore[no-any-return]
    return None


async def _recent(api: ApiCall, kind: str, ident: str) -> dict[str, Any] | None:
    for r in (await report(api))["recent"]:
        if r["kind"] == kind and r["id"] == ident:
            return r  # type: ignore[no-any-return]
    return None


async def _spaces(api: ApiCall) -> list[dict[str, Any]]:
    return (await report(api))["spaces"]  # type: ignore[no-any-return]


async def _not(awaitable: Any) -> bool:
    return not await awaitable


@pytest.mark.slow
async def test_a_running_training_job_keeps_the_server_alive(
    api: ApiCall, jp_serverapp: Any, jp_root_dir: Path
) -> None:
    services = jp_serverapp.web_app.settings["smstudio_services"]
    services.start_idle_monitor()
    (jp_root_dir / "job").mkdir()
    (jp_root_dir / "job" / "train.py").write_text("import time\nprint('working')\ntime.sleep(60)\n")
    body = {
        "name": "long",
        "entry_point": "train.py",
        "source_dir": "job",
        "instance_type": "local",
    }
    assert (await api("POST", "training-jobs", body)).status == 201

    async def job_counts() -> bool:
        server = (await report(api))["server"]
        return any("training job long is running" in a for a in server["activity"])

    await eventually(job_counts, 30, "the job to show as server activity")
    assert "training job long is running" in services.idle.current_activity()
    assert (await api("POST", "training-jobs/long/stop")).status == 200

    async def job_gone() -> bool:
        return not any("training job" in a for a in (await report(api))["server"]["activity"])

    await eventually(job_gone, 60, "the stopped job to stop counting")
