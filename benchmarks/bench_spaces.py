"""Spaces: create + start a space until its kernel answers ``1+1``, and change compute.

Baseline: a bare ``jupyter_client`` kernel start to its first ``1+1`` reply, in the
same run. Each round times, in turn: bare, local space, Docker space (when an engine
is there), and a compute change of a live local space's kernel. Each space path goes
through a real server process: REST create (which starts the space), REST kernel
start, websocket execute; the space is deleted afterwards, untimed.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests
from jupyter_client.manager import start_new_async_kernel

from tests.docker_helpers import docker_unavailable, entry_point_path, remove_all
from tests.kernels import execute
from tests.servers import ServerProcess

from .harness import Result, Series, check_rounds, end_round

DESCRIPTION = "space create+start to a kernel's first 1+1, and compute change (real servers)"
PROFILES = {"ml.small": {"cpus": 1, "memory_gib": 1}, "ml.large": {"cpus": 2, "memory_gib": 2}}
DOCKER_BACKEND = "jupyter_smstudio.spaces.backends.docker.DockerSpaceBackend"


class SpaceServer(ServerProcess):
    """A server with a spaces configuration, able to load the Docker provisioner."""

    def __init__(self, workdir: Path, config: dict[str, Any], extra_path: str | None) -> None:
        super().__init__(workdir)
        self.config = config
        self.extra_path = extra_path

    def env(self) -> dict[str, str]:
        env = super().env()
        (self.workdir / "config" / "jupyter_server_config.json").write_text(json.dumps(self.config))
        if self.extra_path:
            env["PYTHONPATH"] = self.extra_path + ":" + env["PYTHONPATH"]
        return env

    def api(self, method: str, path: str, body: Any = None) -> Any:
        reply = requests.request(method, self.url + path, json=body, headers=self.headers,
                                 timeout=60)  # fmt: skip
        reply.raise_for_status()
        return reply.json() if reply.content else None

    async def answer(self, kernel_id: str) -> None:
        ws = self.url.replace("http", "ws", 1) + f"api/kernels/{kernel_id}/channels"
        deadline = time.monotonic() + 60
        while True:  # a kernel that was just (re)started may refuse for a moment
            try:
                out, error = await execute(ws, self.headers, "print(1 + 1)", timeout=60)
                break
            except (ConnectionError, OSError):
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.05)
        if error is not None or out.strip() != "2":
            raise RuntimeError(f"kernel {kernel_id} answered {out!r}, error {error}")

    async def space_to_answer(self, name: str) -> None:
        """The timed path: create (starts the space), start a kernel, run 1+1."""
        space = await asyncio.to_thread(self.api, "POST", "smstudio/api/spaces", {"name": name})
        kernel = await asyncio.to_thread(self.api, "POST", "api/kernels",
                                         {"name": space["kernel_name"]})  # fmt: skip
        await self.answer(kernel["id"])


def config(backend: str | None, prefix: str) -> dict[str, Any]:
    spaces: dict[str, Any] = {"lifecycle_timeout_seconds": 60}
    cfg: dict[str, Any] = {
        "ComputeCatalog": {"profiles": PROFILES, "default_profile": "ml.small"},
        "SpaceService": spaces,
    }
    if backend:
        spaces["backend_class"] = backend
        cfg["DockerSpaceBackend"] = {"volume_prefix": prefix}
    return cfg


async def bare_kernel(kernels: list[Any]) -> None:
    """Start a kernel as jupyter_client does and run 1+1; ``kernels`` keeps it for
    shutting down after the clock stops."""
    km, kc = await start_new_async_kernel(kernel_name="python3", stdout=subprocess.DEVNULL,
                                          stderr=subprocess.DEVNULL)  # fmt: skip
    kernels.append((km, kc))
    reply = await kc.execute_interactive("print(1 + 1)", timeout=60, output_hook=lambda m: None)
    if reply["content"]["status"] != "ok":
        raise RuntimeError(f"bare kernel failed: {reply['content']}")


async def shutdown(kernels: list[Any]) -> None:
    while kernels:
        km, kc = kernels.pop()
        kc.stop_channels()
        await km.shutdown_kernel(now=True)


def run(rounds: int = 10) -> Result:
    check_rounds(rounds)
    bare = Series("bare jupyter_client kernel -> 1+1")
    local = Series("local space create+start -> kernel 1+1", baseline=bare.name)
    dock = Series("docker space create+start -> kernel 1+1", baseline=bare.name)
    change = Series("local change compute -> kernel 1+1 again", baseline=bare.name)
    targets = {local.name: "<= 1.5 s, <= 1.3x bare", dock.name: "<= 3 s", change.name: "<= 3 s"}
    no_docker = docker_unavailable()
    prefix = f"smstudio-bench-{uuid.uuid4().hex[:8]}-"
    loop = asyncio.new_event_loop()
    bare_kernels: list[Any] = []
    timed = lambda series, make: series.time(lambda: loop.run_until_complete(make()))  # noqa: E731
    with tempfile.TemporaryDirectory() as tmp:
        servers = {"local": SpaceServer(Path(tmp, "local"), config(None, prefix), None).start()}
        if not no_docker:
            docker_cfg = config(DOCKER_BACKEND, prefix)
            servers["docker"] = SpaceServer(Path(tmp, "docker"), docker_cfg,
                                            entry_point_path()).start()  # fmt: skip
        try:
            subjects: list[tuple[Series, Callable[[str], Any]]] = [
                (bare, lambda name: bare_kernel(bare_kernels)),
                *[(local if key == "local" else dock, server.space_to_answer)
                  for key, server in servers.items()],
            ]  # fmt: skip
            live = servers["local"]
            loop.run_until_complete(live.space_to_answer("resident"))
            kernel = live.api("GET", "smstudio/api/spaces/resident")["kernels"][0]["id"]
            flips = itertools.cycle(["ml.large", "ml.small"])

            async def change_compute(name: str) -> None:
                body = {"profile": next(flips)}
                await asyncio.to_thread(live.api, "PATCH", "smstudio/api/spaces/resident", body)
                await live.answer(kernel)

            subjects.append((change, change_compute))
            names = ["warm-up", *(f"bench-{i}" for i in range(rounds))]  # warm-up is not kept
            for name in names:
                for series, make in subjects:
                    if name == "warm-up":
                        loop.run_until_complete(make(name))
                    else:
                        timed(series, lambda m=make, n=name: m(n))
                end_round(*(series for series, _ in subjects))
                loop.run_until_complete(shutdown(bare_kernels))  # untimed, as are the deletes
                for server in servers.values():
                    server.api("DELETE", f"smstudio/api/spaces/{name}")
        finally:
            for server in servers.values():
                server.stop()
            loop.close()
            if not no_docker:
                remove_all(prefix)
    series = [bare, local, *([dock] if dock.samples else []), change]
    description = DESCRIPTION + (f"; Docker skipped: {no_docker}" if no_docker else "")
    return Result("spaces", description, series, targets)
