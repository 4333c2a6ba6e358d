"""Rules for spaces: validation, sharing, the status machine, compute changes.

Starting a space runs its lifecycle configurations detached (``runtime``) and a
monitor task records the outcome, so a server restart re-attaches instead of
losing the run. Kernels are jupyter_server's own, started through the space's
kernelspec and provisioner; this service only stops or restarts them, and removes
kernel containers no kernel of this server owns (at start and at a space's stop).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sys
import uuid
from collections import defaultdict
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import psutil
from traitlets import Float, Int, TraitError, Unicode, validate
from traitlets.config import LoggingConfigurable

from ..compute import ComputeCatalog, ComputeProfile
from ..errors import AccessDenied, Conflict, InvalidInput, InvalidState, NotFound, Unavailable
from ..lifecycle.models import LifecycleConfigType
from ..lifecycle.service import LifecycleConfigService
from ..paths import SpaceRoot, keep_spaces_private
from ..runtime import Run, read_log
from ..runtime.backends import BackendType
from ..runtime.files import atomic_write_bytes, read_json
from ..runtime.logs import LogChunk, tail_lines
from ..sharing import can_use
from ..store.paging import ListQuery
from ..timeutil import now_ms
from .backends.base import SpaceBackend
from .backends.local import LocalSpaceBackend
from .files import SpaceFolders, check_folder
from .kernelspecs import kernel_name, remove_kernelspec, write_kernelspec, write_space_state
from .models import (
    BUSY,
    ComputeChange,
    KernelInfo,
    Space,
    SpaceCreate,
    SpaceDetail,
    SpaceEventPage,
    SpacePage,
    SpaceQuery,
    SpaceStatus,
    SpaceTerminal,
    SpaceUpdate,
)
from .repository import SpaceRepository

GB = 1_000_000_000
#: How long a stopping space's lifecycle run may take to end (its grace is 5 s) before
#: it, and what its scripts left in the background, are killed.
STOP_SECONDS = 10


class SpaceService(LoggingConfigurable):
    """Spaces of every user on this server. Configure as ``c.SpaceService.<option>``."""

    backend_class = BackendType(
        LocalSpaceBackend, klass=SpaceBackend, area="spaces", config=True,
        help="Where volumes and compute live: 'local' (LocalSpaceBackend), 'docker' "
        "(DockerSpaceBackend), another installed one by its entry-point name, or an import path.",
    )  # fmt: skip
    default_storage_gb = Int(5, config=True, help="Volume size when the user gives none (GB).")
    max_storage_gb = Int(100, config=True, help="Largest volume a user may ask for (GB).")
    lifecycle_timeout_seconds = Float(
        300, config=True, help="Time limit for a space's lifecycle scripts at start."
    )
    builtin_lifecycle_script = Unicode(
        "", config=True, help="Script every space runs first at each start (admin's own setup)."
    )

    files_folder = Unicode(
        "spaces", config=True,
        help="Folder of the server's root directory where each space's files appear, one "
        "subfolder per space (a link to its volume). Empty: spaces are not in the file browser.",
    )  # fmt: skip

    @validate("files_folder")
    def _check_files_folder(self, proposal: Any) -> str:
        try:
            return check_folder(proposal["value"])
        except ValueError as err:
            raise TraitError(f"SpaceService.files_folder: {err}") from None

    def __init__(
        self,
        repository: SpaceRepository,
        compute: ComputeCatalog,
        lifecycle_configs: LifecycleConfigService,
        data_dir: Path,
        kernel_manager: Any,
        *,
        spawn: Callable[[Coroutine[Any, Any, Any]], Any] | None = None,
        check_idle_timeout: Callable[[int | None], None] | None = None,
        root_dir: Path | None = None,
        terminal_manager: Callable[[], Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.repository = repository
        self.compute = compute
        self.lifecycle_configs = lifecycle_configs
        self.kernel_manager = kernel_manager
        self.kernels_dir = data_dir / "kernels"
        self.backend: SpaceBackend = self.backend_class(data_dir / "spaces", parent=self)
        keep_spaces_private(self.backend.spaces_dir)  # roots holding it don't open every space
        self.folders = SpaceFolders(root_dir, self.files_folder)
        #: jupyter_server's terminal manager (None without jupyter_server_terminals).
        self.terminal_manager: Callable[[], Any] = terminal_manager or (lambda: None)
        self._terminals: defaultdict[str, set[str]] = defaultdict(set)  # space -> names
        self._containers: dict[str, str] = {}  # terminal -> its container (Docker)
        self._container_pids: dict[str, int] = {}  # container -> host pid, once running
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._monitors: dict[str, asyncio.Task[None]] = {}
        self.spawn: Callable[[Coroutine[Any, Any, Any]], Any] = spawn or asyncio.ensure_future
        #: Checks a user's idle_timeout_minutes (the idle area's policy; 400/403 on a bad one).
        self.check_idle_timeout: Callable[[int | None], None] = check_idle_timeout or (
            lambda minutes: None
        )

    # ---- reading -------------------------------------------------------------
    async def _visible(self, user: str, name: str) -> Space:
        space = await self.repository.get(name)
        if space is None or not can_use(space, user):
            raise NotFound(f"No space named '{name}'.", field="name")
        return space

    async def _owned(self, user: str, name: str, action: str) -> Space:
        space = await self._visible(user, name)
        if space.owner != user:
            raise AccessDenied(f"Only the owner of space '{name}' may {action} it.")
        return space

    async def get(self, user: str, name: str) -> SpaceDetail:
        space = await self._visible(user, name)
        await self._ingest_kernel_events(space.name)
        return SpaceDetail(
            **space.model_dump(),
            storage_used_bytes=await self.backend.volume_usage(space.name),
            kernels=self._kernels(space),
            folder=self.folders.api_path(space.name),
            terminals=self._live_terminals(space.name),
        )

    async def list_spaces(self, user: str, query: SpaceQuery) -> SpacePage:
        return await self.repository.list(user, query)

    async def roots_for(self, user: str) -> list[SpaceRoot]:
        """The files of every space ``user`` may use: paths there are theirs to name."""
        return [SpaceRoot(n, self.backend.files(n)) for n in await self.repository.usable_by(user)]

    async def names(self) -> frozenset[str]:
        return frozenset(s.name for s in await self.repository.all())

    async def folder_access(self, user: str) -> tuple[frozenset[str], frozenset[str]]:
        """Names of the spaces ``user`` may use, and of those they may not (hidden from them)."""
        spaces = await self.repository.all()
        usable = frozenset(s.name for s in spaces if can_use(s, user))
        return usable, frozenset(s.name for s in spaces) - usable

    async def usable_kernel_names(self, user: str) -> frozenset[str]:
        """Kernelspec names of the spaces ``user`` may run kernels in."""
        return frozenset(kernel_name(name) for name in await self.repository.usable_by(user))

    async def events(self, user: str, name: str, query: ListQuery) -> SpaceEventPage:
        space = await self._visible(user, name)
        await self._ingest_kernel_events(space.name)
        return await self.repository.events(space.name, query)

    async def lifecycle_log(self, user: str, name: str, cursor: int) -> LogChunk:
        space = await self._visible(user, name)
        return await asyncio.to_thread(
            read_log, self.backend.space_dir(space.name) / "lifecycle.log", cursor
        )

    # ---- creating and changing -------------------------------------------------
    async def create(self, user: str, spec: SpaceCreate) -> Space:
        profile = self.compute.get(spec.profile, field="profile")
        storage = self._check_storage(spec.storage_gb or self.default_storage_gb)
        self.check_idle_timeout(spec.idle_timeout_minutes)
        await self._check_lifecycle_configs(user, spec.lifecycle_configs)
        if spec.image:
            await self.backend.check_image(spec.image)
        now = now_ms()
        space = Space(
            name=spec.name, owner=user, sharing=spec.sharing,
            members=sorted(set(spec.members) - {user}), storage_gb=storage,
            profile=profile.name, image=spec.image, lifecycle_configs=spec.lifecycle_configs,
            idle_timeout_minutes=spec.idle_timeout_minutes, backend=self.backend.name,
            status=SpaceStatus.STOPPED, kernel_name=kernel_name(spec.name),
            created_ms=now, modified_ms=now,
        )  # fmt: skip
        await self.repository.insert(space)
        try:
            await self.backend.create_volume(space.name)
        except Exception:
            await self.repository.delete(space.name)  # nothing half-created
            raise
        await self._show_files(space.name)
        await self.repository.add_event(space.name, "created", f"Created by {user}.")
        if spec.start:
            return await self.start(user, space.name)
        return space

    async def update(self, user: str, name: str, patch: SpaceUpdate) -> ComputeChange:
        async with self._locks[name]:
            space = await self._visible(user, name)
            changes = patch.model_dump(exclude_unset=True)
            if {"sharing", "members"} & changes.keys() and space.owner != user:
                raise AccessDenied(f"Only the owner of space '{name}' may change its sharing.")
            if space.status in BUSY:
                raise Conflict(
                    f"Space '{name}' is {space.status.value}; try again when it settles."
                )
            if "profile" in changes:
                changes["profile"] = self.compute.get(patch.profile, field="profile").name
            if "storage_gb" in changes:
                changes["storage_gb"] = self._check_storage(
                    patch.storage_gb or self.default_storage_gb
                )
            if patch.lifecycle_configs is not None:
                await self._check_lifecycle_configs(user, patch.lifecycle_configs)
            if patch.image:
                await self.backend.check_image(patch.image)
            if "idle_timeout_minutes" in changes:
                self.check_idle_timeout(patch.idle_timeout_minutes)
            if patch.members is not None:
                changes["members"] = sorted(set(patch.members) - {space.owner})
            new_profile = "profile" in changes and changes["profile"] != space.profile
            space = space.model_copy(update={**changes, "modified_ms": now_ms()})
            moved: list[str] = []
            if new_profile and space.status == SpaceStatus.IN_SERVICE:
                moved = await self._move_kernels(space)
            await self.repository.save(space)
            if new_profile:
                await self.repository.add_event(
                    name, "compute-changed", f"Compute changed to {space.profile} by {user}."
                )
            return ComputeChange(space=space, moved_kernels=moved)

    async def _move_kernels(self, space: Space) -> list[str]:
        """Restart the space's kernels on its new profile (files stay, memory goes)."""
        kernels = [k.id for k in self._kernels(space)]
        space.status = SpaceStatus.UPDATING
        await self._publish(space, kernel_profiles={})
        for kernel_id in kernels:
            await self.kernel_manager.restart_kernel(kernel_id)
        space.status = SpaceStatus.IN_SERVICE
        await self._publish(space, kernel_profiles={})
        await self._write_kernelspec(space)  # the picker shows the new profile
        return kernels

    async def set_kernel_profile(
        self, user: str, name: str, kernel_id: str, profile: str
    ) -> KernelInfo:
        """Move one notebook's kernel to another profile (restarts that kernel)."""
        space = await self._visible(user, name)
        chosen = self.compute.get(profile, field="profile")
        if kernel_id not in {k.id for k in self._kernels(space)}:
            raise NotFound(f"No kernel {kernel_id} runs in space '{name}'.", field="kernel_id")
        state = self._state(space)
        state.setdefault("kernel_profiles", {})[kernel_id] = chosen.model_dump()
        await asyncio.to_thread(write_space_state, self.backend.space_dir(name), state)
        await self.kernel_manager.restart_kernel(kernel_id)
        await self.repository.add_event(
            name, "kernel-compute-changed", f"Kernel {kernel_id[:8]} moved to {chosen.name}."
        )
        return KernelInfo(id=kernel_id, profile=chosen.name)

    async def delete(self, user: str, name: str) -> None:
        async with self._locks[name]:
            space = await self._owned(user, name, "delete")
            if space.status in (SpaceStatus.PENDING, SpaceStatus.UPDATING, SpaceStatus.DELETING):
                raise Conflict(f"Space '{name}' is {space.status.value}; stop it first.")
            await self._set_status(space, SpaceStatus.DELETING)
            await self._stop_compute(space)
            await asyncio.to_thread(remove_kernelspec, self.kernels_dir, name)
            await asyncio.to_thread(self.folders.unlink, name)
            await self.backend.delete_volume(name)
            await asyncio.to_thread(shutil.rmtree, self.backend.space_dir(name), True)
            await self.repository.delete(name)
        self._locks.pop(name, None)

    async def start_terminal(self, user: str, name: str) -> SpaceTerminal:
        """A terminal in the space's files with its kernels' environment (jupyter_server's
        own terminal, so the Lab opens it as any other; the space's stop ends it)."""
        space = await self._visible(user, name)
        if space.status != SpaceStatus.IN_SERVICE:
            raise InvalidState(
                f"Space '{name}' is {space.status.value}; start it to open a terminal.",
                field="name",
            )
        manager = self.terminal_manager()
        if manager is None:
            raise Unavailable("Terminals are not enabled on this server.")
        profile = self.compute.get(space.profile)
        shell = list(getattr(manager, "shell_command", None) or [os.environ.get("SHELL", "sh")])
        spec = await self.backend.terminal(name, profile, space.image, shell)
        options: dict[str, Any] = {"cwd": str(spec.cwd), "extra_env": spec.env}
        if spec.argv is not None:
            options["shell_command"] = spec.argv
        model = manager.create(**options)
        self._terminals[name].add(model["name"])
        if spec.container is not None:
            self._containers[model["name"]] = spec.container
        await self.repository.add_event(
            name, "terminal-started", f"Terminal {model['name']} opened by {user}."
        )
        return SpaceTerminal(name=model["name"], space=name, cwd=self.backend.home(name))

    async def terminal_roots(self) -> dict[str, tuple[str, int]]:
        """Terminals whose shell runs in a container, not under their pty: terminal ->
        (space, host pid of the container's first process), for the idle monitor."""
        found: dict[str, tuple[str, int]] = {}
        for space in list(self._terminals):
            for term in self._live_terminals(space):
                container = self._containers.get(term)
                if container is None:
                    continue
                pid = self._container_pids.get(container)
                if pid is None or not psutil.pid_exists(pid):
                    pid = await self.backend.container_pid(container)
                if pid is not None:
                    self._container_pids[container] = pid
                    found[term] = (space, pid)
        return found

    async def terminals_hidden_from(self, user: str) -> frozenset[str]:
        """Terminals of spaces ``user`` may not use (jupyter_server's routes hide them)."""
        usable = await self.visible_to(user)
        return frozenset(
            term
            for space, terms in self._terminals.items()
            if space not in usable
            for term in terms
        )

    def _live_terminals(self, name: str) -> list[str]:
        """The space's terminals that still run (one may have been exited or culled)."""
        manager = self.terminal_manager()
        running = getattr(manager, "terminals", {}) if manager is not None else {}
        self._terminals[name] &= set(running)
        return sorted(self._terminals[name])

    async def _stop_terminals(self, name: str) -> None:
        manager = self.terminal_manager()
        for term in self._terminals.pop(name, set()):
            if manager is not None and term in manager.terminals:
                await manager.terminate(term, force=True)
        await self.backend.remove_terminals(name)

    # ---- start and stop ----------------------------------------------------------
    async def start(self, user: str, name: str) -> Space:
        async with self._locks[name]:
            space = await self._visible(user, name)
            if space.status == SpaceStatus.IN_SERVICE or space.status == SpaceStatus.PENDING:
                return space
            if space.status in BUSY:
                raise Conflict(
                    f"Space '{name}' is {space.status.value}; try again when it settles."
                )
            used = await self.backend.volume_usage(name)
            if used > space.storage_gb * GB:
                raise InvalidState(
                    f"Space '{name}' uses {used / GB:.1f} GB of its {space.storage_gb} GB, so it "
                    "cannot start. Raise its storage size or delete files.",
                    field="storage_gb",
                )
            profile = self.compute.get(space.profile)
            space.failure_reason = None
            space.started_ms = now_ms()
            await self._set_status(space, SpaceStatus.PENDING)
            await self.backend.create_volume(name)
            plan = await self._lifecycle_plan(space)
            if not plan:
                await self._in_service(space, profile)
                return space
            run_id = uuid.uuid4().hex[:12]
            run_dir = await asyncio.to_thread(self._prepare_run, space, run_id, plan)
            argv = [sys.executable, "-m", "jupyter_smstudio.lifecycle.runner", str(run_dir)]
            spec = self.backend.script_spec(name, run_id, argv, profile, space.image,
                                            self.lifecycle_timeout_seconds)  # fmt: skip
            run = await self.backend.runs.start(spec, run_dir)
            await self.repository.save(space, run_pid=run.supervisor_pid)
            await self.repository.add_event(
                name, "lifecycle-started", f"Running {len(plan)} lifecycle configuration(s)."
            )
            self._watch(space.name, run_dir, run.supervisor_pid)
            return space

    async def stop(self, user: str, name: str, reason: str | None = None) -> Space:
        async with self._locks[name]:
            space = await self._visible(user, name)
            if space.status == SpaceStatus.STOPPED:
                return space
            if space.status in (SpaceStatus.UPDATING, SpaceStatus.DELETING):
                raise Conflict(
                    f"Space '{name}' is {space.status.value}; try again when it settles."
                )
            await self._set_status(space, SpaceStatus.STOPPING)
            await self._stop_compute(space)
            await self._set_status(space, SpaceStatus.STOPPED)
            await self.repository.add_event(
                name, "idle-stopped" if reason else "stopped",
                reason or f"Stopped by {user}; files kept.",
            )  # fmt: skip
            return space

    # ---- what the idle monitor asks (idle.monitor.IdleSpaces) ----------------------------
    async def idle_candidates(self) -> list[Space]:
        """Every space; the monitor looks at those that run compute."""
        return await self.repository.all()

    async def visible(self, user: str, name: str) -> bool:
        space = await self.repository.get(name)
        return space is not None and can_use(space, user)

    async def visible_to(self, user: str) -> set[str]:
        return {s.name for s in await self.repository.all() if can_use(s, user)}

    def volume(self, name: str) -> str:
        """The directory holding the space's files (its touch file, its terminals' work)."""
        return str(self.backend.files(name))

    async def _adopt(self, space: Space) -> None:
        """At server start, spaces older than this version: files in place, and a folder."""
        if space.backend == self.backend.name:
            try:  # idempotent; Docker moves files still in a named volume
                await self.backend.create_volume(space.name)
            except Exception:  # an engine that is down: the space's next start tries again
                self.log.warning("Could not prepare space %s's files", space.name, exc_info=True)
        await self._show_files(space.name)

    async def _show_files(self, name: str) -> None:
        """The space's folder in the server's contents (see ``files``)."""
        await asyncio.to_thread(self.folders.link, name, self.backend.files(name))

    async def stop_idle(self, owner: str, name: str, reason: str) -> None:
        await self.stop(owner, name, reason=reason)

    async def record_event(self, space: str, kind: str, message: str) -> None:
        await self.repository.add_event(space, kind, message)

    async def _stop_compute(self, space: Space) -> None:
        monitor = self._monitors.pop(space.name, None)
        if monitor is not None:
            monitor.cancel()
        run_dir = self._current_run(space.name)
        if run_dir is not None:  # with what its scripts left running in the background
            run = Run(run_dir, await self.repository.run_pid(space.name))
            await self.backend.runs.terminate(run, STOP_SECONDS)
        for kernel in self._kernels(space):
            await self.kernel_manager.shutdown_kernel(kernel.id)
        await self._stop_terminals(space.name)
        await self._remove_stray_kernels([space.name])
        # The kernelspec stays while stopped: notebooks keep their kernel name, and the
        # Lab restarts their kernels when the space is started again (see delete).

    async def _in_service(self, space: Space, profile: ComputeProfile) -> None:
        space.initialized_ms = space.initialized_ms or now_ms()
        # The kernelspec first: whoever sees InService may start a kernel at once.
        await self._write_kernelspec(space)
        await self._set_status(space, SpaceStatus.IN_SERVICE)
        await self.repository.add_event(space.name, "in-service", f"Ready on {profile.name}.")

    async def _write_kernelspec(self, space: Space) -> None:
        await asyncio.to_thread(
            write_kernelspec, self.kernels_dir, space.name, space.profile,
            self.backend.provisioner, self.backend.space_dir(space.name),
        )  # fmt: skip

    async def _fail(self, space: Space, reason: str) -> None:
        space.failure_reason = reason
        await self._set_status(space, SpaceStatus.FAILED)
        await self.repository.add_event(space.name, "failed", reason)

    async def _set_status(self, space: Space, status: SpaceStatus) -> None:
        space.status = status
        space.modified_ms = now_ms()
        await self.repository.save(space)
        await self._publish(space)

    async def _publish(self, space: Space, **extra: Any) -> None:
        """Write space.json, what the kernel provisioners read."""
        state = {**self._state(space), **extra}
        await asyncio.to_thread(write_space_state, self.backend.space_dir(space.name), state)

    def _state(self, space: Space) -> dict[str, Any]:
        old = read_json(self.backend.space_dir(space.name) / "space.json") or {}
        return {
            "name": space.name,
            "owner": space.owner,
            "status": space.status.value,
            "home": self.backend.home(space.name),
            "files": str(self.backend.files(space.name)),
            "profile": self.compute.get(space.profile).model_dump(),
            "image": space.image,
            "backend": space.backend,
            "kernel_profiles": old.get("kernel_profiles", {}),
        }

    # ---- lifecycle runs ---------------------------------------------------------
    async def _lifecycle_plan(self, space: Space) -> list[dict[str, str]]:
        plan: list[dict[str, str]] = []
        if self.builtin_lifecycle_script:
            plan.append({"name": "built-in", "type": "built-in",
                         "content": self.builtin_lifecycle_script})  # fmt: skip
        configs = [
            await self.lifecycle_configs.get(space.owner, n) for n in space.lifecycle_configs
        ]
        first_start = space.initialized_ms is None
        for kind in (LifecycleConfigType.ON_CREATE, LifecycleConfigType.ON_START):
            if kind == LifecycleConfigType.ON_CREATE and not first_start:
                continue
            plan += [{"name": c.name, "type": c.type.value, "content": c.content}
                     for c in configs if c.type == kind]  # fmt: skip
        return plan

    def _prepare_run(self, space: Space, run_id: str, plan: list[dict[str, str]]) -> Path:
        runs = self.backend.space_dir(space.name) / "lifecycle"
        run_dir = runs / run_id
        steps = []
        for i, step in enumerate(plan):
            file = f"{i:02d}-{step['name']}.sh"
            atomic_write_bytes(run_dir / file, step["content"].encode())
            steps.append({"name": step["name"], "type": step["type"], "file": file})
        atomic_write_bytes(run_dir / "plan.json", json.dumps(steps).encode())
        atomic_write_bytes(runs / "current", run_id.encode())
        log = self.backend.space_dir(space.name) / "lifecycle.log"
        with log.open("ab") as f:
            f.write(f"\n==> Space '{space.name}' starting on {space.profile}\n".encode())
        return run_dir

    def _current_run(self, name: str) -> Path | None:
        runs = self.backend.space_dir(name) / "lifecycle"
        try:
            return runs / (runs / "current").read_text().strip()
        except FileNotFoundError:
            return None

    def _watch(self, name: str, run_dir: Path, pid: int | None) -> None:
        self._monitors[name] = self.spawn(self._follow_run(name, run_dir, pid))

    async def _follow_run(self, name: str, run_dir: Path, pid: int | None) -> None:
        """Wait for the lifecycle run to end, then record InService or Failed."""
        state = await self.backend.runs.wait(Run(run_dir, pid))
        async with self._locks[name]:
            self._monitors.pop(name, None)
            space = await self.repository.get(name)
            if space is None or space.status != SpaceStatus.PENDING:
                return
            await self.repository.save(space, run_pid=None)
            result = read_json(run_dir / "result.json") or {}
            log = self.backend.space_dir(name) / "lifecycle.log"
            last = "\n".join(await asyncio.to_thread(tail_lines, log, 10))
            if state.status == "exited" and state.exit_code == 0 and state.reason is None:
                await self._in_service(space, self.compute.get(space.profile))
                return
            await self.backend.runs.cleanup(Run(run_dir))  # a failed start leaves nothing running
            if state.reason == "timeout":
                limit = f"{self.lifecycle_timeout_seconds:g}"
                await self._fail(space, f"Lifecycle configurations did not finish within {limit} s."
                                        f"\n{last}")  # fmt: skip
            elif state.status == "vanished":
                await self._fail(space, "The lifecycle run stopped unexpectedly (its process "
                                        f"vanished).\n{last}")  # fmt: skip
            else:
                failed = result.get("failed") or "lifecycle"
                code = result.get("exit_code", state.exit_code)
                await self._fail(space, f"Lifecycle configuration '{failed}' failed with exit "
                                        f"code {code}.\n{last}")  # fmt: skip

    async def recover(self) -> None:
        """After a server restart: re-attach to lifecycle runs, settle interrupted changes."""
        spaces = await self.repository.all()
        for space in spaces:
            await self._adopt(space)
            if space.status == SpaceStatus.PENDING:
                run_dir = self._current_run(space.name)
                if run_dir is None:
                    await self._fail(space, "The server restarted before the space started.")
                else:
                    self._watch(space.name, run_dir, await self.repository.run_pid(space.name))
            elif space.status in (SpaceStatus.STOPPING, SpaceStatus.DELETING):
                run_dir = self._current_run(space.name)
                if run_dir is not None:
                    await self.backend.runs.cleanup(Run(run_dir))
                await self._set_status(space, SpaceStatus.STOPPED)
                await self.repository.add_event(space.name, "stopped", "Stopped during a restart.")
            elif space.status == SpaceStatus.UPDATING:
                await self._set_status(space, SpaceStatus.IN_SERVICE)
        await self._remove_stray_kernels([s.name for s in spaces if s.backend == self.backend.name])

    async def _remove_stray_kernels(self, names: list[str]) -> None:
        """Remove kernels that run without this server knowing them: a server that crashed
        started them. They are not adopted: jupyter_server cannot take over a running kernel
        (its manager tracks only kernels it starts, and the sessions that used it are gone),
        so nobody can reach one again, while it holds memory, CPUs and published ports."""
        if not names:
            return
        live = set(self.kernel_manager.list_kernel_ids())
        try:
            removed = await self.backend.remove_stray_kernels(names, live)
        except Exception:  # never fatal to a start or a stop; the next one tries again
            self.log.warning("Could not remove stray kernels of %s", names, exc_info=True)
            return
        for name, kernels in removed.items():
            for kernel_id in kernels:
                self.log.warning(
                    "Removed kernel %s of space %s: no kernel of this server owns it "
                    "(a server that stopped without shutting it down started it).",
                    kernel_id, name,
                )  # fmt: skip
                await self.repository.add_event(
                    name, "kernel-removed",
                    f"Kernel {kernel_id[:8]} was removed: it outlived the server that started "
                    "it, so no notebook could reach it again.",
                )  # fmt: skip

    async def close(self) -> None:
        for task in list(self._monitors.values()):
            task.cancel()

    # ---- helpers ----------------------------------------------------------------
    def _kernels(self, space: Space) -> list[KernelInfo]:
        state = read_json(self.backend.space_dir(space.name) / "space.json") or {}
        overrides = state.get("kernel_profiles", {})
        found = []
        for kernel_id in list(self.kernel_manager.list_kernel_ids()):
            kernel = self.kernel_manager.get_kernel(kernel_id)
            if kernel.kernel_name == space.kernel_name:
                profile = overrides.get(kernel_id, {}).get("name", space.profile)
                state_now = getattr(kernel, "execution_state", None)
                found.append(KernelInfo(id=kernel_id, profile=profile, execution_state=state_now))
        return found

    def _check_storage(self, storage_gb: int) -> int:
        if storage_gb > self.max_storage_gb:
            raise InvalidInput(
                f"storage_gb {storage_gb} is above the administrator's maximum of "
                f"{self.max_storage_gb} GB.",
                field="storage_gb",
            )
        return storage_gb

    async def _check_lifecycle_configs(self, user: str, names: list[str]) -> None:
        for name in names:
            try:
                await self.lifecycle_configs.get(user, name)
            except NotFound as err:
                raise InvalidInput(
                    f"lifecycle_configs: no lifecycle configuration named '{name}'.",
                    field="lifecycle_configs",
                ) from err

    async def _ingest_kernel_events(self, name: str) -> None:
        """Move events the provisioners wrote (e.g. out of memory) into the history."""
        path = self.backend.space_dir(name) / "kernel-events.jsonl"
        taken = path.with_suffix(".taking")
        try:
            await asyncio.to_thread(path.rename, taken)
        except FileNotFoundError:
            return
        for line in (await asyncio.to_thread(taken.read_text)).splitlines():
            event = json.loads(line)
            await self.repository.add_event(name, event["kind"], event["message"])
        await asyncio.to_thread(taken.unlink)
