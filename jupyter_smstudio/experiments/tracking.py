"""The MLflow behind ``/smstudio/mlflow/``: an embedded child per user, or the admin's.

The embedded server is the real ``mlflow server`` (tracking, model registry, UI),
started on first use with one uvicorn worker and no job-execution runner, a SQLite
store and artifacts in the user's data dir. It listens on a **Unix socket in a fresh
0700 directory**, not on a TCP port: nobody but this OS user can connect to it (a
127.0.0.1 port would be open to every local user, and MLflow has no authentication of
its own without its basic-auth app), so the only way in is the Jupyter server's
authenticated proxy. Each user of a multi-user server gets their own process and
store, so one user's runs are unreachable by another's requests whatever MLflow
route they call (filtering MLflow's many routes in the proxy could not promise that).
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import hashlib
import importlib.util
import json
import logging
import os
import re
import shlex
import shutil
import signal
import socket
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest
from tornado.netutil import Resolver
from tornado.simple_httpclient import SimpleAsyncHTTPClient

from ..errors import SMStudioError, Unavailable
from ..runtime.files import private_dir
from .config import Experiments

log = logging.getLogger(__name__)

INSTALL = "pip install 'jupyter_smstudio[experiments]'"
#: Bodies MLflow may answer through the proxy (artifact downloads): large, never buffered.
MAX_BODY = 64 << 30
#: The host name requests carry: MLflow's security middleware accepts localhost.
LOCAL_BASE = "http://localhost"


def mlflow_installed() -> bool:
    """Whether the ``experiments`` extra is there (looked up, not imported: it is heavy)."""
    try:
        return importlib.util.find_spec("mlflow") is not None
    except (ImportError, ValueError):  # blocked (sys.modules["mlflow"] is None) or broken
        return False


def not_installed() -> Unavailable:
    return Unavailable(
        "Experiment tracking needs MLflow, which is not installed on this server. "
        f"An administrator can add it with: {INSTALL} "
        "(or point c.Experiments.tracking_uri at an existing MLflow)."
    )


class MlflowError(SMStudioError):
    """MLflow refused a call the server made to it (502: the fault is not the user's)."""

    status = 502
    code = "TrackingServerError"


class _UnixSocketResolver(Resolver):
    """Resolves every host to one Unix socket (tornado's client then connects to it)."""

    def initialize(self, path: str) -> None:
        self.path = path

    async def resolve(
        self, host: str, port: int, family: socket.AddressFamily = socket.AF_UNSPEC
    ) -> list[tuple[int, Any]]:
        return [(socket.AF_UNIX, self.path)]


@dataclass
class Backend:
    """How to reach one MLflow: its base URL and the HTTP client that gets there."""

    base_url: str
    client: AsyncHTTPClient

    def url(self, path: str, query: dict[str, Any] | None = None) -> str:
        url = self.base_url.rstrip("/") + "/" + path.lstrip("/")
        return url + ("?" + urlencode(query, doseq=True) if query else "")

    async def call(
        self, method: str, path: str, body: dict[str, Any] | None = None, **query: Any
    ) -> dict[str, Any]:
        """One MLflow REST call (``api/2.0/mlflow/...``), its JSON answer or MlflowError."""
        request = HTTPRequest(
            self.url(f"api/2.0/mlflow/{path}", query or None),
            method=method,
            body=json.dumps(body) if body is not None else None,
            headers={"Content-Type": "application/json"},
            request_timeout=60,
            allow_nonstandard_methods=True,  # MLflow's DELETE calls take a JSON body
        )
        try:
            response = await self.client.fetch(request)
        except HTTPClientError as err:
            text = err.response.body.decode("utf-8", "replace") if err.response else str(err)
            raise MlflowError(f"MLflow answered {err.code} to {method} {path}: {text}") from err
        return json.loads(response.body or b"{}")  # type: ignore[no-any-return]

    async def upload(self, artifact_uri: str, file: Path) -> bool:
        """Put ``file`` at ``artifact_uri`` if MLflow serves it (``mlflow-artifacts:/``),
        streamed in chunks; False for stores the client writes itself (s3://...)."""
        prefix = "mlflow-artifacts:/"
        if not artifact_uri.startswith(prefix):
            return False
        where = artifact_uri[len(prefix) :].lstrip("/")
        size = (await asyncio.to_thread(file.stat)).st_size

        async def produce(write: Any) -> None:
            with file.open("rb") as f:
                while chunk := await asyncio.to_thread(f.read, 1 << 20):
                    await write(chunk)

        request = HTTPRequest(
            self.url(f"api/2.0/mlflow-artifacts/artifacts/{where}"),
            method="PUT",
            body_producer=produce,  # type: ignore[arg-type]  # tornado takes a coroutine
            headers={
                "Content-Type": "application/octet-stream",
                "Content-Length": str(size),
            },
            request_timeout=3600,
        )
        try:
            await self.client.fetch(request)
        except HTTPClientError as err:
            raise MlflowError(f"MLflow refused the artifact {artifact_uri}: {err}") from err
        return True


def _die_with_parent() -> None:
    """In the child: get SIGTERM if the Jupyter server dies without stopping us (Linux).

    ``mlflow server`` forwards SIGTERM to its uvicorn worker, so the whole tree ends.
    """
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def owner_dir_name(owner: str) -> str:
    """A directory name for an owner: readable, and distinct even for odd names."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", owner)[:64] or "_"
    return f"{safe}-{hashlib.sha256(owner.encode()).hexdigest()[:8]}"


class EmbeddedMlflow:
    """One ``mlflow server`` child: started on demand, its whole process group stopped."""

    def __init__(self, home: Path, start_timeout: float) -> None:
        self.home = home
        self.start_timeout = start_timeout
        self.last_used = time.monotonic()
        self.start_seconds: float | None = None
        self._proc: asyncio.subprocess.Process | None = None
        self._socket_dir: str | None = None
        self._backend: Backend | None = None
        self._ready = False  # answering its health check (callers wait on the lock till then)
        self._lock = asyncio.Lock()

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.returncode is None

    @property
    def ready(self) -> bool:
        return self._ready and self.running and self._backend is not None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self.running and self._proc else None

    async def backend(self) -> Backend:
        """The running server (started now, or again if it died)."""
        self.last_used = time.monotonic()
        if not self.ready:
            async with self._lock:
                if not self.ready:
                    await self._start()
        assert self._backend is not None
        return self._backend

    async def died(self) -> bool:
        """After a failed connection: has the process ended (waiting a moment to see)?"""
        proc = self._proc
        if proc is None:
            return True
        try:
            await asyncio.wait_for(proc.wait(), 2)
        except TimeoutError:
            return False
        log.warning(
            "SM Studio: MLflow of %s exited (%s); restarting", self.home.name, proc.returncode
        )
        return True

    def command(self, socket_path: str) -> list[str]:
        return [
            sys.executable, "-m", "mlflow", "server",
            "--backend-store-uri", f"sqlite:///{self.home / 'mlflow.db'}",
            "--artifacts-destination", str(self.home / "artifacts"),
            "--workers", "1",
            "--host", "127.0.0.1", "--port", "0",  # uvicorn binds the socket instead
            "--uvicorn-opts", f"--uds {shlex.quote(socket_path)}",
        ]  # fmt: skip

    async def _start(self) -> None:
        await self.stop()  # what a dead one left
        private_dir(self.home)
        # A fresh 0700 directory of this OS user's: nobody else can reach the socket.
        self._socket_dir = tempfile.mkdtemp(prefix="smstudio-mlflow-")
        socket_path = os.path.join(self._socket_dir, "mlflow.sock")
        env = {k: v for k, v in os.environ.items() if not k.startswith("MLFLOW_")}
        env["MLFLOW_SERVER_ENABLE_JOB_EXECUTION"] = "false"  # no huey runner process
        started = time.monotonic()
        with (self.home / "mlflow.log").open("ab") as log_file:
            self._proc = await asyncio.create_subprocess_exec(
                *self.command(socket_path),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log_file,
                stderr=asyncio.subprocess.STDOUT,
                env=env,
                cwd=self.home,
                start_new_session=True,  # its own process group: stopped as a whole
                preexec_fn=_die_with_parent,
            )
        client = SimpleAsyncHTTPClient(
            force_instance=True,
            resolver=_UnixSocketResolver(socket_path),
            max_clients=32,
            max_body_size=MAX_BODY,
        )
        self._backend = Backend(LOCAL_BASE, client)
        try:
            await self._wait_ready(socket_path)
        except BaseException:
            await self.stop()
            raise
        self._ready = True
        self.start_seconds = time.monotonic() - started
        log.info(
            "SM Studio: MLflow for %s ready in %.1f s (pid %s)",
            self.home.name,
            self.start_seconds,
            self.pid,
        )

    async def _wait_ready(self, socket_path: str) -> None:
        assert self._proc is not None
        assert self._backend is not None
        deadline = time.monotonic() + self.start_timeout
        while True:
            if self._proc.returncode is not None:
                raise Unavailable(
                    f"MLflow exited with status {self._proc.returncode} while starting; "
                    f"its log is {self.home / 'mlflow.log'}."
                )
            if Path(socket_path).exists():  # noqa: ASYNC240 - one stat, no I/O wait
                try:
                    request = HTTPRequest(self._backend.url("health"), request_timeout=5)
                    if (await self._backend.client.fetch(request, raise_error=False)).code == 200:
                        return
                except OSError:
                    pass
            if time.monotonic() > deadline:
                raise Unavailable(
                    f"MLflow did not start within {self.start_timeout:g} s; "
                    f"its log is {self.home / 'mlflow.log'}."
                )
            await asyncio.sleep(0.2)  # polling a child's readiness, not synchronising tests

    async def stop(self) -> None:
        """End the whole process group (the CLI and its uvicorn worker)."""
        proc, self._proc, self._ready = self._proc, None, False
        if self._backend is not None:
            self._backend.client.close()
            self._backend = None
        if proc is not None:
            if proc.returncode is None:
                _signal_group(proc.pid, signal.SIGTERM)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(proc.wait(), 15)
            _signal_group(proc.pid, signal.SIGKILL)  # a worker the CLI left behind
            await proc.wait()
        if self._socket_dir is not None:
            shutil.rmtree(self._socket_dir, ignore_errors=True)
            self._socket_dir = None


def _signal_group(group: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(group, sig)


class TrackingServers:
    """Each owner's MLflow (embedded), or the one the admin named (``tracking_uri``)."""

    def __init__(self, settings: Experiments, data_dir: Path) -> None:
        self.settings = settings
        self.root = data_dir / "mlflow"
        self._servers: dict[str, EmbeddedMlflow] = {}
        self._external: Backend | None = None

    @property
    def external(self) -> bool:
        return bool(self.settings.tracking_uri)

    @property
    def available(self) -> bool:
        return self.external or mlflow_installed()

    async def backend(self, owner: str) -> Backend:
        """The owner's MLflow, started if needed (503 naming the extra if not installed)."""
        if self.external:
            if self._external is None:
                client = SimpleAsyncHTTPClient(force_instance=True, max_body_size=MAX_BODY)
                self._external = Backend(self.settings.tracking_uri, client)
            return self._external
        if not mlflow_installed():
            raise not_installed()
        server = self._servers.get(owner)
        if server is None:
            server = EmbeddedMlflow(self.root / owner_dir_name(owner), self.settings.start_timeout)
            self._servers[owner] = server
        return await server.backend()

    async def recover(self, owner: str) -> bool:
        """After a call failed to connect: whether the owner's MLflow had died, so that
        the call may be retried (``backend`` then starts a new one)."""
        server = self._servers.get(owner)
        return server is not None and await server.died()

    def embedded(self, owner: str) -> EmbeddedMlflow | None:
        return self._servers.get(owner)

    async def stop_idle(self) -> list[str]:
        """Stop embedded servers unused for ``idle_timeout``; the owners stopped."""
        timeout = self.settings.idle_timeout
        if timeout <= 0:
            return []
        now = time.monotonic()
        idle = [o for o, s in self._servers.items() if s.running and now - s.last_used > timeout]
        for owner in idle:
            log.info("SM Studio: stopping %s's idle MLflow", owner)
            await self._servers[owner].stop()
        return idle

    async def watch_idle(self) -> None:
        """Check for idle servers for as long as the Jupyter server runs."""
        if self.settings.idle_timeout <= 0:
            return
        interval = min(60.0, max(0.5, self.settings.idle_timeout / 4))
        while True:
            await asyncio.sleep(interval)
            await self.stop_idle()

    async def close(self) -> None:
        """Stop every embedded MLflow (the Jupyter server stops)."""
        await asyncio.gather(*(s.stop() for s in self._servers.values()))
        if self._external is not None:
            self._external.client.close()
            self._external = None
