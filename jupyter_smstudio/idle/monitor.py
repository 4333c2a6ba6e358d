"""The idle monitor: one background task that feeds jupyter_server better signals.

It never shuts a kernel down itself: jupyter_server's kernel culler does, from
``kernel.last_activity``, which this monitor moves forward while the kernel's
processes use CPU or a busy GPU, the user works in its notebook, or a keep-alive
holds. Spaces have no culler in jupyter_server, so idle spaces are stopped here
(``stop_idle``, with the evidence recorded). At server level it feeds
``settings["smstudio_last_activity"]`` (part of ``web_app.last_activity()``, what
JupyterHub's single-user server reports to the hub) and ``current_activity()``
(which blocks ``shutdown_no_activity``).

It sees other areas only through the small protocols below (``IdleSpaces``,
``WorkSource``), which they implement: never their repositories or backends.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Protocol

import psutil

from ..errors import NotFound
from ..runtime.files import atomic_write_json, read_json
from ..spaces.kernelspecs import space_of
from ..spaces.models import Space, SpaceStatus
from .models import (
    IdleReport,
    KeepAliveResult,
    KernelIdle,
    PendingShutdown,
    PolicyInfo,
    RecentShutdown,
    ServerIdle,
    ShutdownKind,
    SpaceIdle,
    TerminalIdle,
)
from .policy import IdlePolicy
from .signals import CpuSampler, gpu_processes, kernel_pid, nvidia_smi_path, touch_file_mtime

log = logging.getLogger(__name__)

SERVER = ""
#: Kernel messages that do not count as activity, beyond jupyter_server's own list.
HOUSEKEEPING = ("usage_request", "usage_reply", "history_request", "history_reply")
#: Space statuses in which a space runs compute (and may idle).
RUNNING = (SpaceStatus.IN_SERVICE, SpaceStatus.PENDING, SpaceStatus.UPDATING)


def utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, tz=timezone.utc)


def ms(ts: float) -> int:
    return int(ts * 1000)


def clock(ts: float) -> str:
    return time.strftime("%H:%M", time.localtime(ts))


def configured(config: Any, obj: Any, name: str) -> bool:
    """Whether the admin set ``name`` for ``obj``'s class (or a parent class) in config."""
    for cls in type(obj).mro():
        section = cls.__name__
        if section in config and name in config[section]:
            return True
    return False


class IdleSpaces(Protocol):
    """What the spaces area tells and does for the monitor."""

    async def idle_candidates(self) -> list[Space]:
        """Every space (the monitor looks at those in a running status)."""

    async def visible(self, user: str, name: str) -> bool:
        """Whether ``user`` may see (and keep alive) the space."""

    async def visible_to(self, user: str) -> set[str]:
        """The names of the spaces ``user`` may see."""

    def volume(self, name: str) -> str:
        """The directory of the space's files."""

    async def stop_idle(self, owner: str, name: str, reason: str) -> None:
        """Stop an idle space, recording ``reason``."""

    async def record_event(self, space: str, kind: str, message: str) -> None:
        """Add an event to the space's history."""

    async def terminal_roots(self) -> dict[str, tuple[str, int]]:
        """Terminals whose shell is not under their pty (a container): name -> (space, pid)."""


class WorkSource(Protocol):
    """An area whose detached work keeps the server up while it runs."""

    async def current_work(self) -> list[str]:
        """One line per piece of work running now (e.g. "training job x is running")."""


@dataclass
class KernelTrack:
    busy_since: float | None = None
    report: KernelIdle | None = None
    space: str | None = None


@dataclass
class Snapshot:
    kernels: dict[str, KernelIdle] = field(default_factory=dict)
    terminals: list[TerminalIdle] = field(default_factory=list)
    spaces: dict[str, SpaceIdle] = field(default_factory=dict)
    server: ServerIdle | None = None
    terminal_spaces: dict[str, list[str]] = field(default_factory=dict)  # space -> terminals
    work: list[str] = field(default_factory=list)  # running jobs, transforms, endpoints
    checked: float | None = None
    check_ms: float | None = None


class IdleMonitor:
    """Samples signals every ``check_interval_seconds``; see the module docstring."""

    def __init__(
        self,
        policy: IdlePolicy,
        serverapp: Any,
        spaces: IdleSpaces,
        work: Sequence[WorkSource] = (),
        endpoints: Sequence[WorkSource] = (),
        keep_alive_file: Path | None = None,
    ) -> None:
        self.policy = policy
        self.server = serverapp
        self.spaces = spaces
        #: Jobs and transforms: they always keep the server up.
        self.work = list(work)
        #: Endpoints in service: they keep it up when the policy says so.
        self.endpoints = list(endpoints)
        self.cpu = CpuSampler()
        self.nvidia_smi = nvidia_smi_path()
        self.kernels: dict[str, KernelTrack] = {}
        #: Keep-alives a user asked for outlive a server restart: they are in this file.
        self.keep_alive_file = keep_alive_file
        self.keep_alive = self._load_keep_alives()  # (kind, id) -> until (epoch s)
        self.ui: dict[tuple[str, str], float] = {}  # (kind, id) -> last UI activity
        self.snapshot = Snapshot()
        self.recent: list[RecentShutdown] = []
        self.last_signal = time.time()
        self._wake = asyncio.Event()
        self.running = False
        #: Seconds before each check over which "busy now" is measured.
        self.recent_window = min(1.0, policy.check_interval_seconds / 2)

    # ---- configuration -------------------------------------------------------------
    def configure_culling(self) -> None:
        """Point jupyter_server's own kernel culler at the policy, unless configured."""
        if not self.policy.on:
            return
        km, config = self.server.kernel_manager, self.server.config
        wanted = {
            "cull_idle_timeout": max(1, round(self.policy.default_timeout_minutes * 60)),
            "cull_interval": max(1, round(self.policy.check_interval_seconds)),
            "cull_connected": not self.policy.connections_keep_alive,
            # The monitor keeps busy kernels alive by moving last_activity; with a
            # maximum busy time, a kernel busy for longer must become cullable.
            "cull_busy": self.policy.max_busy_minutes > 0,
        }
        for name, value in wanted.items():
            if not configured(config, km, name):
                setattr(km, name, value)
        if not configured(config, km, "untracked_message_types"):
            # Housekeeping that frontends and extensions send on their own (resource
            # usage panels, console history) is not a user's activity.
            extra = [m for m in HOUSEKEEPING if m not in km.untracked_message_types]
            km.untracked_message_types = [*km.untracked_message_types, *extra]

    def configure_terminals(self) -> None:
        tm = self.server.web_app.settings.get("terminal_manager")
        if tm is None or not self.policy.on:
            return
        config = self.server.config
        if not configured(config, tm, "cull_inactive_timeout"):
            tm.cull_inactive_timeout = max(1, round(self.policy.default_timeout_minutes * 60))
        if not configured(config, tm, "cull_interval"):
            tm.cull_interval = max(1, round(self.policy.check_interval_seconds))

    # ---- the loop ------------------------------------------------------------------
    async def run(self) -> None:
        self.server.web_app.settings["smstudio_last_activity"] = utc(self.last_signal)
        self.configure_terminals()
        while True:
            try:
                await self.check()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("SM Studio idle check failed")
            self._wake.clear()
            interval = self.policy.check_interval_seconds
            window = self.recent_window
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), interval - window)
            if not self._wake.is_set():
                await asyncio.to_thread(self.cpu.presample)
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), window)

    def _sample(self, roots: list[int]) -> tuple[dict[int, Any], dict[int, Any]]:
        return self.cpu.sample(roots), gpu_processes(self.nvidia_smi)

    async def check(self) -> None:
        started = time.perf_counter()
        now = time.time()
        km = self.server.kernel_manager
        kernels = {kid: km.get_kernel(kid) for kid in list(km.list_kernel_ids())}
        terminals = self._terminals()
        roots = {kid: kernel_pid(k) for kid, k in kernels.items()}
        term_roots = {
            name: getattr(getattr(t, "ptyproc", None), "pid", None) for name, t in terminals.items()
        }
        # A Docker terminal's pty runs the docker client; its shell is the container's.
        in_containers = await self.spaces.terminal_roots()
        for name, (_, container_pid) in in_containers.items():
            if name in term_roots:
                term_roots[name] = container_pid
        all_roots = [p for p in [*roots.values(), *term_roots.values()] if p is not None]
        usage, gpus = await asyncio.to_thread(self._sample, all_roots)
        spaces = {s.name: s for s in await self.spaces.idle_candidates()}
        touch = await asyncio.to_thread(self._touch_files, spaces)
        snap = Snapshot(checked=now)
        signal = False

        # Kernels that vanished since the last check: record the culler's shutdowns.
        for kid in set(self.kernels) - set(kernels):
            await self._kernel_gone(kid, self.kernels.pop(kid), now)

        for kid, kernel in kernels.items():
            track = self.kernels.setdefault(kid, KernelTrack())
            track.space = space_of(getattr(kernel, "kernel_name", "") or "")
            pid = roots[kid]
            tree = usage.get(pid) if pid is not None else None
            cpu = tree.now_percent if tree is not None else None
            average = tree.cpu_percent if tree is not None else None
            state = getattr(kernel, "execution_state", None)
            busy: list[str] = []
            if state == "busy":
                busy.append("running code")
            if cpu is not None and cpu >= self.policy.cpu_busy_percent:
                busy.append(f"its processes use {cpu:.0f}% CPU")
            elif average is not None and average >= self.policy.cpu_busy_percent:
                # Busy earlier in the interval, not now: credit the work, report idle.
                credit = utc(now - self.recent_window)
                kernel.last_activity = max(kernel.last_activity, credit)
            gpu = None
            for p in tree.pids if tree is not None else ():
                if p in gpus:
                    gpu = gpus[p].gpu
                    if gpus[p].utilization >= self.policy.gpu_busy_percent:
                        busy.append(f"GPU {gpu} {gpus[p].utilization:.0f}% busy")
                        break
            track.busy_since = (track.busy_since or now) if busy else None
            activity = list(busy)
            limit = self.policy.max_busy_minutes * 60
            if busy and limit and track.busy_since is not None and now - track.busy_since > limit:
                activity = [
                    f"busy for {(now - track.busy_since) / 60:.0f} min, longer than "
                    f"the {self.policy.max_busy_minutes:g} min allowed"
                ]
                busy = []
            until = max(
                self.keep_alive.get(("kernel", kid), 0),
                self.keep_alive.get(("space", track.space or ""), 0),
                touch.get(track.space or "", 0),
            )
            kept = until > now
            if kept:
                activity.append(f"keep-alive until {clock(until)}")
            ui = self.ui.get(("kernel", kid), 0)
            connections = int(getattr(km, "_kernel_connections", {}).get(kid, 0))
            if connections and self.policy.connections_keep_alive:
                activity.append(f"{connections} open connection(s)")
            if busy or kept:
                kernel.last_activity = utc(now)
                km.last_kernel_activity = utc(now)
                signal = True
            last = max(kernel.last_activity.timestamp(), ui, touch_at(touch, track.space, now))
            if last > kernel.last_activity.timestamp():
                kernel.last_activity = utc(last)
            if now - ui < self.policy.check_interval_seconds + 1:
                activity.append("you worked in its notebook")
            report = KernelIdle(
                id=kid,
                name=kernel.kernel_name,
                space=track.space,
                execution_state=state,
                connections=connections,
                idle_seconds=max(0.0, now - last),
                last_activity_ms=ms(last),
                cpu_percent=cpu,
                gpu=gpu,
                activity=activity,
                keep_alive_until_ms=ms(until) if kept else None,
                shutdown_at_ms=self._cull_at(km, kernel, state, connections, last),
            )
            track.report = report
            snap.kernels[kid] = report

        for name, term in terminals.items():
            pid = term_roots[name]
            tree = usage.get(pid) if pid is not None else None
            cpu = tree.now_percent if tree is not None else None
            activity = []
            if cpu is not None and cpu >= self.policy.cpu_busy_percent:
                activity.append(f"its processes use {cpu:.0f}% CPU")
                term.last_activity = utc(now)
                signal = True
                # Busy in a space's files (its working directory): the space is busy too.
                busy_in = self._spaces_of(tree.pids if tree else [], spaces)
                if name in in_containers:  # its cwd is the container's, not the volume
                    busy_in.add(in_containers[name][0])
                for space_name in busy_in:
                    snap.terminal_spaces.setdefault(space_name, []).append(name)
            last = getattr(term, "last_activity", None)
            idle = now - last.timestamp() if last is not None else 0.0
            snap.terminals.append(
                TerminalIdle(
                    name=name, idle_seconds=max(0.0, idle), cpu_percent=cpu, activity=activity
                )
            )

        for space in spaces.values():
            if space.status not in RUNNING:
                continue
            space_report = self._space(space, snap, touch, now)
            snap.spaces[space.name] = space_report
            if space_report.activity:
                signal = True
            if (
                self.policy.on
                and space_report.shutdown_at_ms is not None
                and space_report.shutdown_at_ms <= ms(now)
                and space.status == SpaceStatus.IN_SERVICE
            ):
                await self._stop_space(space, space_report, snap, now)

        snap.work = await self._work()
        server_until = self.keep_alive.get(("server", SERVER), 0)
        if server_until > now or snap.work:
            signal = True
        if signal:
            self.last_signal = now
        ui_last = max(self.ui.values(), default=0)
        self.server.web_app.settings["smstudio_last_activity"] = utc(max(self.last_signal, ui_last))
        snap.server = self._server_report(now, snap, server_until)
        snap.check_ms = (time.perf_counter() - started) * 1000
        self.snapshot = snap
        if self.policy.on and self.server.shutdown_no_activity_timeout > 0:
            # jupyter_server's own check (it runs it every 60 s; we add our interval).
            self.server.shutdown_no_activity()

    # ---- pieces ----------------------------------------------------------------------
    def _terminals(self) -> dict[str, Any]:
        tm = self.server.web_app.settings.get("terminal_manager")
        return dict(getattr(tm, "terminals", {}) or {}) if tm is not None else {}

    def _touch_files(self, spaces: dict[str, Any]) -> dict[str, float]:
        out = {}
        for space in spaces.values():
            if space.status not in RUNNING:
                continue
            mtime = touch_file_mtime(self._volume(space.name))
            if mtime is not None:
                out[space.name] = mtime
        return out

    def _volume(self, name: str) -> str:
        return self.spaces.volume(name)

    def _spaces_of(self, pids: list[int], spaces: dict[str, Any]) -> set[str]:
        """Spaces whose volume holds the working directory of one of ``pids``."""
        volumes = {n: self._volume(n) + os.sep for n, s in spaces.items() if s.status in RUNNING}
        found = set()
        for pid in pids:
            try:
                cwd = psutil.Process(pid).cwd() + os.sep
            except (psutil.Error, OSError):
                continue
            found |= {n for n, v in volumes.items() if cwd.startswith(v)}
        return found

    def _cull_at(
        self, km: Any, kernel: Any, state: str | None, connections: int, last: float
    ) -> int | None:
        timeout = getattr(km, "cull_idle_timeout", 0)
        spec = getattr(kernel, "kernel_spec", None)
        metadata = getattr(spec, "metadata", None) or {}
        timeout = metadata.get("cull_idle_timeout", timeout)
        if not timeout or timeout <= 0:
            return None
        if state == "busy" and not km.cull_busy:
            return None
        if connections and not km.cull_connected:
            return None
        return ms(last + timeout)

    def _space(self, space: Any, snap: Snapshot, touch: dict[str, float], now: float) -> SpaceIdle:
        activity: list[str] = []
        last = (space.started_ms or space.modified_ms) / 1000
        if space.status != SpaceStatus.IN_SERVICE:
            activity.append(f"space is {space.status.value} (lifecycle scripts running)")
            last = now
        kernels = [k for k in snap.kernels.values() if k.space == space.name]
        for k in kernels:
            last = max(last, k.last_activity_ms / 1000)
            activity += [f"kernel {k.id[:8]}: {a}" for a in k.activity]
        for term in snap.terminal_spaces.get(space.name, []):
            activity.append(f"terminal {term} runs a busy process in the space's files")
            last = now
        ui = self.ui.get(("space", space.name), 0)
        if now - ui < self.policy.check_interval_seconds + 1:
            activity.append("you worked in the space")
        last = max(last, ui, touch_at(touch, space.name, now))
        until = max(self.keep_alive.get(("space", space.name), 0), touch.get(space.name, 0))
        if until > now:
            if not any("keep-alive" in a for a in activity):
                activity.append(f"keep-alive until {clock(until)}")
            last = max(last, now)
        timeout = self.policy.space_timeout_seconds(space.idle_timeout_minutes)
        return SpaceIdle(
            name=space.name,
            status=space.status.value,
            timeout_minutes=timeout / 60 if timeout is not None else None,
            idle_seconds=max(0.0, now - last),
            last_activity_ms=ms(last),
            activity=activity,
            keep_alive_until_ms=ms(until) if until > now else None,
            shutdown_at_ms=ms(last + timeout) if timeout is not None and self.policy.on else None,
        )

    async def _stop_space(self, space: Any, report: SpaceIdle, snap: Snapshot, now: float) -> None:
        kernels = [k for k in snap.kernels.values() if k.space == space.name]
        minutes = report.timeout_minutes or 0
        parts = []
        if kernels:
            latest = max(k.last_activity_ms for k in kernels) / 1000
            parts.append(f"no kernel activity since {clock(latest)} ({len(kernels)} kernel(s))")
        else:
            parts.append("no kernel running")
        ui = self.ui.get(("space", space.name))
        parts.append(f"no UI activity since {clock(ui)}" if ui else "no UI activity")
        parts.append("no busy terminal in its files, no lifecycle run, no keep-alive")
        message = f"Stopped after {minutes:g} min idle at {clock(now)}: {', '.join(parts)}."
        log.info("SM Studio: space %s: %s", space.name, message)
        try:
            await self.spaces.stop_idle(space.owner, space.name, message)
        except Exception:
            log.exception("SM Studio: could not stop idle space %s", space.name)
            return
        for k in kernels:
            self.kernels.pop(k.id, None)
        self._remember(
            RecentShutdown(
                kind="space", id=space.name, space=space.name, time_ms=ms(now), message=message
            )
        )
        snap.spaces.pop(space.name, None)

    async def _kernel_gone(self, kid: str, track: KernelTrack, now: float) -> None:
        report = track.report
        if report is None or report.shutdown_at_ms is None or report.shutdown_at_ms > ms(now):
            return  # shut down by the user, not by the culler
        minutes = report.idle_seconds / 60
        message = (
            f"Kernel {kid[:8]} shut down after {minutes:.0f} min idle at {clock(now)}: "
            f"no activity since {clock(report.last_activity_ms / 1000)}."
        )
        self._remember(
            RecentShutdown(
                kind="kernel", id=kid, space=track.space, time_ms=ms(now), message=message
            )
        )
        if track.space:
            try:
                await self.spaces.record_event(track.space, "kernel-idle-shutdown", message)
            except Exception:
                log.debug("space %s gone; kernel event not recorded", track.space)

    def _remember(self, item: RecentShutdown) -> None:
        self.recent = [item, *self.recent][:50]

    def _server_report(self, now: float, snap: Snapshot, until: float) -> ServerIdle:
        activity = self.current_activity()
        last = self.server.web_app.last_activity().timestamp()
        at = None
        timeout = self.server.shutdown_no_activity_timeout
        if self.policy.on and timeout > 0 and not snap.kernels and not activity:
            at = ms(last + timeout)
        return ServerIdle(
            idle_seconds=max(0.0, now - last),
            last_activity_ms=ms(last),
            activity=activity,
            shutdown_at_ms=at,
        )

    # ---- what other parts ask --------------------------------------------------------
    def current_activity(self) -> list[str]:
        """Activity that must keep the server up (``ExtensionApp.current_activity``)."""
        now = time.time()
        snap = self.snapshot
        out = [f"terminal {t.name}: {a}" for t in snap.terminals for a in t.activity]
        out += [
            f"space {s.name}: {a}"
            for s in snap.spaces.values()
            for a in s.activity
            if "kernel " not in a
        ]
        out += snap.work
        if self.keep_alive.get(("server", SERVER), 0) > now:
            out.append(f"keep-alive until {clock(self.keep_alive[('server', SERVER)])}")
        return out

    async def _work(self) -> list[str]:
        """Detached work that keeps the server up: jobs and batch transforms that run,
        and endpoints in service when the admin says they count."""
        sources = self.work + (self.endpoints if self.policy.endpoints_keep_alive else [])
        work: list[str] = []
        for source in sources:
            work += await source.current_work()
        return work

    async def ui_activity(self, user: str, kernel_id: str | None, space: str | None) -> None:
        if space and not await self.spaces.visible(user, space):
            raise NotFound(f"No space named '{space}'.", field="space")
        now = time.time()
        self.ui[("server", SERVER)] = now
        km = self.server.kernel_manager
        if kernel_id and kernel_id in km:
            kernel = km.get_kernel(kernel_id)
            kernel.last_activity = utc(now)
            self.ui[("kernel", kernel_id)] = now
            space = space or space_of(kernel.kernel_name or "")
        if space:
            self.ui[("space", space)] = now
        self.server.web_app.settings["smstudio_last_activity"] = utc(now)

    async def keep_alive_for(
        self, user: str, space: str | None, kernel_id: str | None, minutes: float
    ) -> KeepAliveResult:
        now = time.time()
        until = now + minutes * 60
        km = self.server.kernel_manager
        if kernel_id:
            if kernel_id not in km:
                raise NotFound(f"No kernel {kernel_id}.", field="kernel_id")
            kernel = km.get_kernel(kernel_id)
            kernel.last_activity = utc(now)
            key = ("kernel", kernel_id)
        elif space:
            if not await self.spaces.visible(user, space):
                raise NotFound(f"No space named '{space}'.", field="space")
            for kid in list(km.list_kernel_ids()):
                kernel = km.get_kernel(kid)
                if space_of(kernel.kernel_name or "") == space:
                    kernel.last_activity = utc(now)
            self.ui[("space", space)] = now
            key = ("space", space)
        else:
            key = ("server", SERVER)
        self.keep_alive[key] = max(self.keep_alive.get(key, 0), until)
        await asyncio.to_thread(self._save_keep_alives)
        self.last_signal = now
        self.server.web_app.settings["smstudio_last_activity"] = utc(now)
        self._wake.set()  # re-check now so the report shows the new deadline
        kind: Any = key[0]
        return KeepAliveResult(kind=kind, id=key[1], until_ms=ms(self.keep_alive[key]))

    def _load_keep_alives(self) -> dict[tuple[str, str], float]:
        if self.keep_alive_file is None:
            return {}
        try:
            saved = read_json(self.keep_alive_file) or []
            now = time.time()
            return {(kind, id_): float(until) for kind, id_, until in saved if until > now}
        except (OSError, ValueError, TypeError):
            log.warning("Ignoring unreadable keep-alives in %s", self.keep_alive_file)
            return {}

    def _save_keep_alives(self) -> None:
        if self.keep_alive_file is not None:
            now = time.time()
            saved = [[k, i, until] for (k, i), until in self.keep_alive.items() if until > now]
            atomic_write_json(self.keep_alive_file, sorted(saved))

    async def report(self, user: str) -> IdleReport:
        snap = self.snapshot
        now = time.time()
        visible = await self.spaces.visible_to(user)
        kernels = [k for k in snap.kernels.values() if k.space is None or k.space in visible]
        spaces = [s for s in snap.spaces.values() if s.name in visible]

        def due(kind: ShutdownKind, id: str, space: str | None, at_ms: int) -> PendingShutdown:
            return PendingShutdown(
                kind=kind, id=id, space=space, at_ms=at_ms, in_seconds=at_ms / 1000 - now
            )

        pending = [
            due("kernel", k.id, k.space, k.shutdown_at_ms)
            for k in kernels
            if k.shutdown_at_ms is not None and self.policy.on
        ] + [
            due("space", s.name, s.name, s.shutdown_at_ms)
            for s in spaces
            if s.shutdown_at_ms is not None
        ]
        server = snap.server or self._server_report(now, snap, 0)
        if server.shutdown_at_ms is not None:
            pending.append(due("server", "server", None, server.shutdown_at_ms))
        pending.sort(key=lambda p: p.at_ms)
        # The report shows the policy's settings under their own names.
        shown = {f: getattr(self.policy, f) for f in PolicyInfo.model_fields if f != "enabled"}
        return IdleReport(
            policy=PolicyInfo(enabled=self.policy.on, **shown),
            checked_ms=ms(snap.checked) if snap.checked else None,
            check_ms=snap.check_ms,
            server=server,
            kernels=kernels,
            terminals=snap.terminals,
            spaces=spaces,
            pending=pending,
            recent=[r for r in self.recent if r.space is None or r.space in visible],
        )


def touch_at(touch: dict[str, float], space: str | None, now: float) -> float:
    """The touch file counts as activity when it was touched (a future time: now)."""
    if not space or space not in touch:
        return 0.0
    return min(touch[space], now)
