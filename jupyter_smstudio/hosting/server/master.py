"""Pre-fork master: one listening socket, N workers, each loading the model once.

The master binds the socket (port 0 = any free port, reported in the info file),
forks the workers and supervises them: a worker that dies after it was ready is
replaced; one that dies while loading the model fails the whole server (so the
endpoint fails with the model's error instead of flapping). Every request is answered:
SIGALRM stops Python code at the invocation timeout (504); a worker whose handler does
not return to Python (blocked in C code) is answered by its guard thread shortly after
and exits, so the master replaces it; a watchdog in the master kills a worker stuck
well past the timeout (C code holding the GIL). SIGTERM drains: workers stop
accepting, finish what they have, and exit; the master waits for them.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import mmap
import os
import select
import signal
import socket
import struct
import sys
import threading
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

from .app import ModelApp, internal_error, timed_out
from .handler import handler_from_env
from .http import HttpProtocol, Request, render

SLOT = struct.Struct("d")
#: Waiting for returning clients costs at most this share of a batch, and this long.
LINGER_FRACTION = 0.25
MAX_LINGER = 0.002
MIN_LINGER = 0.0002  # below this the wait is not worth a timer
WATCHDOG_GRACE = 10.0
#: A worker's guard answers a batch this long after the timeout when SIGALRM could not.
STUCK_GRACE = 1.0


@dataclass(frozen=True)
class Config:
    host: str
    port: int
    workers: int
    timeout: float
    max_payload: int
    info_path: Path | None
    drain_seconds: float
    batching: bool

    @classmethod
    def from_env(cls) -> Config:
        env = os.environ
        cpus = len(os.sched_getaffinity(0))
        return cls(
            host=env.get("SMSTUDIO_BIND_HOST", "0.0.0.0"),  # noqa: S104 - container default
            port=int(env.get("SAGEMAKER_BIND_TO_PORT", "8080")),
            workers=max(1, int(env.get("SAGEMAKER_MODEL_SERVER_WORKERS") or cpus)),
            timeout=float(env.get("SAGEMAKER_MODEL_SERVER_TIMEOUT", "60")),
            max_payload=int(env.get("SMSTUDIO_MAX_PAYLOAD_BYTES", str(6 * 1024 * 1024))),
            info_path=Path(env["SMSTUDIO_SERVER_INFO"])
            if env.get("SMSTUDIO_SERVER_INFO")
            else None,
            drain_seconds=float(env.get("SMSTUDIO_DRAIN_SECONDS", "30")),
            batching=env.get("SMSTUDIO_ADAPTIVE_BATCHING", "true").lower() != "false",
        )


def _write_info(path: Path | None, payload: dict[str, object]) -> None:
    if path is None:
        return
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(payload))
    os.replace(tmp, path)


class Worker:
    """Runs in a forked child: load the model, then serve until told to stop."""

    def __init__(self, config: Config, sock: socket.socket, slot: int, board: mmap.mmap) -> None:
        self.config = config
        self.sock = sock
        self.slot = slot
        self.board = board
        self.connections: set[HttpProtocol] = set()
        self.tasks: set[asyncio.Task[object]] = set()
        self.queue: list[tuple[HttpProtocol, Request, bool]] = []
        self.timer: asyncio.Handle | None = None
        #: Connections answered in the last batch that have not sent their next request.
        self.returning: set[HttpProtocol] = set()
        self.batch_seconds = 0.0  # moving average of one batch's duration
        self.batchable = False
        self.app: ModelApp | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        #: The batch being answered and when it started (0: none), shared with the guard.
        self.guarded = threading.Condition()
        self.inflight: list[tuple[HttpProtocol, Request, bool]] = []
        self.started = 0.0

    def busy(self, flag: bool) -> None:
        SLOT.pack_into(self.board, self.slot * SLOT.size, time.monotonic() if flag else 0.0)

    def submit(self, protocol: HttpProtocol, request: Request, keep: bool) -> None:
        """Queue a parsed request and decide when the queue is answered.

        Requests queued together are answered together (one ``predict`` when the
        handler can batch). Clients answered in the last batch usually send their next
        request within a fraction of a millisecond; starting the next batch before they
        do would make them wait a whole extra ``predict``. So when batching pays, the
        worker waits for them, at most a quarter of a recent batch's duration.
        """
        self.queue.append((protocol, request, keep))
        self.returning.discard(protocol)
        if self.timer is not None:
            if not self.returning:
                self.timer.cancel()
                self._schedule(0.0)
            return
        if len(self.queue) == 1:
            linger = min(MAX_LINGER, LINGER_FRACTION * self.batch_seconds)
            self._schedule(linger if self.batchable and self.returning else 0.0)

    def _schedule(self, delay: float) -> None:
        assert self.loop is not None
        self.timer = (
            self.loop.call_later(delay, self.answer)
            if delay >= MIN_LINGER
            else self.loop.call_soon(self.answer)
        )

    def answer(self) -> None:
        self.timer = None
        batch, self.queue = self.queue, []
        assert self.app is not None
        self.busy(True)
        with self.guarded:
            self.inflight, self.started = batch, time.monotonic()
            self.guarded.notify()
        start = time.perf_counter()
        try:
            replies = self.app.handle_many([request for _, request, _ in batch])
        except BaseException as err:  # whatever escaped (even SystemExit): still answer
            replies = [internal_error(err)] * len(batch)
        finally:
            with self.guarded:
                self.inflight, self.started = [], 0.0
            self.busy(False)
        self.batch_seconds = 0.8 * self.batch_seconds + 0.2 * (time.perf_counter() - start)
        self.returning = set()
        for (protocol, _, keep), reply in zip(batch, replies, strict=True):
            protocol.respond(reply, keep)
            if keep:
                self.returning.add(protocol)

    def guard(self) -> None:
        """Thread: answer a batch still running ``STUCK_GRACE`` after the timeout, then exit.

        SIGALRM only interrupts Python code; a handler blocked in C code that releases
        the GIL (a sleep, I/O, a native library's wait) would hold its clients until
        the master's watchdog, and the kill would drop them unanswered. The event loop
        is blocked in that batch, so writing the replies from here cannot interleave.
        """
        assert self.app is not None
        limit = self.config.timeout + STUCK_GRACE
        with self.guarded:
            while True:
                if not self.started:
                    self.guarded.wait()
                    continue
                remaining = self.started + limit - time.monotonic()
                if remaining > 0:
                    self.guarded.wait(remaining)
                    continue
                reply = render(timed_out(self.config.timeout), False)
                for protocol, _, _ in self.inflight:
                    transport = protocol.transport
                    sock = transport.get_extra_info("socket") if transport else None
                    if sock is not None:
                        with contextlib.suppress(OSError):
                            os.write(sock.fileno(), reply)
                print(
                    f"Worker {self.slot} stuck in one request past the {self.config.timeout:g} s "
                    "timeout; answered it and exiting to be replaced",
                    flush=True,
                )
                os._exit(4)

    def closed(self, protocol: HttpProtocol) -> None:
        self.connections.discard(protocol)
        self.returning.discard(protocol)
        if self.timer is not None and not self.returning:
            self.timer.cancel()
            self._schedule(0.0)

    def run(self, ready_fd: int) -> None:
        handler = handler_from_env()
        self.app = ModelApp(
            handler,
            timeout=self.config.timeout,
            workers=self.config.workers,
            batching=self.config.batching,
        )
        self.batchable = self.config.batching and handler.batchable
        threading.Thread(target=self.guard, name="guard", daemon=True).start()
        os.write(ready_fd, bytes([self.slot]))
        os.close(ready_fd)
        self.loop = loop = asyncio.new_event_loop()
        stopping = asyncio.Event()
        loop.add_signal_handler(signal.SIGTERM, stopping.set)
        loop.add_signal_handler(signal.SIGINT, stopping.set)

        def factory() -> HttpProtocol:
            protocol = HttpProtocol(self.submit, self.config.max_payload, self.closed)
            self.connections.add(protocol)
            return protocol

        def accept() -> None:
            # One connection per wake-up, so idle workers share new connections.
            try:
                conn, _ = self.sock.accept()
            except (BlockingIOError, InterruptedError):
                return
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            task = loop.create_task(loop.connect_accepted_socket(factory, conn))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

        self.sock.setblocking(False)
        loop.add_reader(self.sock.fileno(), accept)
        loop.run_until_complete(self._until_drained(loop, stopping))

    async def _until_drained(
        self, loop: asyncio.AbstractEventLoop, stopping: asyncio.Event
    ) -> None:
        await stopping.wait()
        loop.remove_reader(self.sock.fileno())
        deadline = time.monotonic() + self.config.drain_seconds
        while time.monotonic() < deadline:
            for protocol in list(self.connections):
                if protocol.transport is None:
                    self.connections.discard(protocol)
                elif not protocol.buffer and protocol.pending is None and not self.queue:
                    protocol.transport.close()  # idle keep-alive connection
            if not self.connections:
                return
            await asyncio.sleep(0.05)


class Master:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((config.host, config.port))
        self.sock.listen(2048)
        self.board = mmap.mmap(-1, SLOT.size * config.workers)
        self.pids: dict[int, int] = {}  # pid -> slot
        self.ready: set[int] = set()
        self.stopping = False
        self.ready_r, self.ready_w = os.pipe()
        self.wake_r, self.wake_w = os.pipe()

    @property
    def port(self) -> int:
        return int(self.sock.getsockname()[1])

    def spawn(self, slot: int) -> None:
        SLOT.pack_into(self.board, slot * SLOT.size, 0.0)
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                signal.set_wakeup_fd(-1)
                for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGCHLD):
                    signal.signal(sig, signal.SIG_DFL)
                os.close(self.ready_r)
                os.close(self.wake_r)
                os.close(self.wake_w)
                Worker(self.config, self.sock, slot, self.board).run(self.ready_w)
            except BaseException:
                traceback.print_exc()
                code = 3
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        self.pids[pid] = slot

    def run(self) -> int:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._on_stop)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        os.set_blocking(self.wake_w, False)
        signal.set_wakeup_fd(self.wake_w)
        _write_info(self.config.info_path, {"port": self.port, "pid": os.getpid(), "ready": False})
        print(
            f"Model server listening on {self.config.host}:{self.port}; "
            f"starting {self.config.workers} workers",
            flush=True,
        )
        for slot in range(self.config.workers):
            self.spawn(slot)
        while True:
            with contextlib.suppress(InterruptedError):
                readable, _, _ = select.select([self.ready_r, self.wake_r], [], [], 1.0)
                if self.wake_r in readable:
                    os.read(self.wake_r, 512)
                if self.ready_r in readable:
                    self._on_ready(os.read(self.ready_r, 512))
            failed = self._reap()
            if failed is not None:
                self._terminate_all()
                return failed
            if self.stopping:
                self._terminate_all()
                return 0
            self._watchdog()

    def _on_ready(self, data: bytes) -> None:
        self.ready.update(data)
        if len(self.ready) == self.config.workers:
            _write_info(
                self.config.info_path, {"port": self.port, "pid": os.getpid(), "ready": True}
            )
            print("Model server ready: every worker loaded the model", flush=True)

    def _on_stop(self, *_: object) -> None:
        self.stopping = True

    def _reap(self) -> int | None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return None
            if pid == 0:
                return None
            slot = self.pids.pop(pid, None)
            if slot is None or self.stopping:
                continue
            if slot not in self.ready:
                print(f"Worker {slot} failed while loading the model; stopping", flush=True)
                return 1
            print(f"Worker {slot} (pid {pid}) exited with status {status}; restarting", flush=True)
            self.ready.discard(slot)
            self.spawn(slot)

    def _watchdog(self) -> None:
        limit = self.config.timeout + WATCHDOG_GRACE
        now = time.monotonic()
        for pid, slot in list(self.pids.items()):
            (since,) = SLOT.unpack_from(self.board, slot * SLOT.size)
            if since and now - since > limit:
                print(
                    f"Worker {slot} stuck in one request for {now - since:.0f} s; killing it",
                    flush=True,
                )
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)

    def _terminate_all(self) -> None:
        for pid in self.pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + self.config.drain_seconds + 5
        while self.pids and time.monotonic() < deadline:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid:
                self.pids.pop(pid, None)
            else:
                time.sleep(0.05)
        for pid in self.pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            os.waitpid(-1, 0)


def main() -> int:
    try:
        master = Master(Config.from_env())
    except OSError as err:
        print(f"Model server could not listen: {err}", flush=True)
        return 1 if err.errno != errno.EADDRINUSE else 98
    return master.run()
