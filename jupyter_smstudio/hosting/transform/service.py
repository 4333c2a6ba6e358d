"""Rules of batch transform jobs: validate, prepare, launch detached, report status.

The job's truth is on disk (the supervisor's state, ``progress.json``, ``failure``),
so status is read from there and a server restart loses nothing.
"""

from __future__ import annotations

import asyncio
import builtins
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ...errors import Conflict, InvalidInput, InvalidState, NotFound
from ...runtime import (
    ProcessSpec,
    atomic_write_json,
    end_tree,
    launch,
    read_json,
    read_log,
    read_state,
)
from ...runtime import stop as stop_run
from ...runtime.logs import tail_lines
from ...timeutil import now_ms
from ...training.jobfiles import envcache
from ..artifacts import owner_key
from ..backends.local import PACKAGE_PARENT
from ..models import (
    LogPage,
    TransformJob,
    TransformJobCreate,
    TransformJobPage,
    TransformJobQuery,
    TransformJobStatus,
    TransformProgress,
)
from ..repository import DocumentRepository
from ..schema import transform_jobs
from .jsonpath import JsonPathError, compile_path

if TYPE_CHECKING:
    from ..service import HostingService

T = TransformJobStatus
DEFAULT_ACCEPT = "application/json"


class TransformService:
    def __init__(self, hosting: HostingService) -> None:
        self.hosting = hosting  # models, workspace, compute profiles, settings
        self.jobs = DocumentRepository(
            hosting.models.db, transform_jobs, TransformJob, "transform job"
        )

    def _validate(self, spec: TransformJobCreate) -> None:
        if spec.batch_strategy == "MultiRecord" and spec.transform_input.split_type == "None":
            raise InvalidInput(
                "MultiRecord needs transform_input.split_type Line", field="batch_strategy"
            )
        if spec.max_concurrent_transforms * spec.max_payload_in_mb > 100:
            raise InvalidInput(
                "max_concurrent_transforms x max_payload_in_mb must be at most 100",
                field="max_concurrent_transforms",
            )
        processing = spec.data_processing
        for name in ("input_filter", "output_filter"):
            path = getattr(processing, name) if processing else None
            if path:
                try:
                    compile_path(path)
                except JsonPathError as err:
                    raise InvalidInput(str(err), field=f"data_processing.{name}") from None

    def _inputs(self, source: Path) -> list[dict[str, str]]:
        if source.is_file():
            return [{"path": str(source), "relative": source.name}]
        files = sorted(p for p in source.rglob("*") if p.is_file() and not p.name.startswith("."))
        return [{"path": str(p), "relative": str(p.relative_to(source))} for p in files]

    async def create(self, owner: str, spec: TransformJobCreate) -> TransformJob:
        self._validate(spec)
        hosting = self.hosting
        model = await hosting.get_model(owner, spec.model_name, "model_name")
        profile = hosting.compute.get(
            spec.instance_type or model.instance_type, field="instance_type"
        )
        source = hosting.workspace.resolve(
            spec.transform_input.data_source, "transform_input.data_source"
        )
        output = hosting.workspace.resolve(
            spec.transform_output.output_path, "transform_output.output_path", must_exist=False
        )
        inputs = await asyncio.to_thread(self._inputs, source)
        if not inputs:
            raise InvalidInput("No input files found", field="transform_input.data_source")
        if await self.jobs.get(owner, spec.name) is not None:
            raise Conflict(f"A transform job named '{spec.name}' already exists.", field="name")
        prepared = await asyncio.to_thread(hosting.prepare_model, owner, model)
        venv = None
        if prepared.requirements is not None:  # the runner serves the model on this machine
            key = await asyncio.to_thread(envcache.requirements_key, prepared.requirements)
            venv = str(hosting.venv_root / "local" / key)
        job_dir = hosting.data_dir / "transforms" / owner_key(owner) / spec.name
        now = now_ms()
        job = TransformJob(
            **spec.model_dump(),
            owner=owner,
            status=T.IN_PROGRESS,
            created_ms=now,
            modified_ms=now,
            started_ms=now,
            job_dir=str(job_dir),
            progress=TransformProgress(files_total=len(inputs)),
        )
        await self.jobs.insert(job)
        runner_spec = {
            "name": spec.name,
            "model": {
                "model_dir": str(prepared.model_dir),
                "code_dir": str(prepared.code_dir) if prepared.code_dir else None,
                "program": prepared.program,
                "environment": {**model.environment, **spec.environment},
                "venv": venv,
            },
            "inputs": inputs,
            "output_dir": str(output),
            "content_type": spec.transform_input.content_type,
            "split_type": spec.transform_input.split_type,
            "batch_strategy": spec.batch_strategy or "SingleRecord",
            "max_payload_in_mb": spec.max_payload_in_mb,
            "max_concurrent_transforms": spec.max_concurrent_transforms,
            "accept": spec.transform_output.accept or DEFAULT_ACCEPT,
            "assemble_with": spec.transform_output.assemble_with,
            "data_processing": spec.data_processing.model_dump() if spec.data_processing else None,
            "invocation_timeout": 600,
            "startup_timeout": hosting.settings.startup_timeout,
        }
        await asyncio.to_thread(atomic_write_json, job_dir / "job.json", runner_spec)
        await launch(
            ProcessSpec(
                id=f"transform-{owner_key(owner)}-{spec.name}",
                argv=[
                    sys.executable,
                    "-m",
                    "jupyter_smstudio.hosting.transform.runner",
                    str(job_dir),
                ],
                cwd=job_dir,
                env={
                    "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                    "HOME": os.environ.get("HOME", "/tmp"),  # noqa: S108 - fallback only
                    "PYTHONPATH": PACKAGE_PARENT,
                    "PYTHONUNBUFFERED": "1",
                },
                log_path=job_dir / "output.log",
                limits=profile.limits(),
                grace_seconds=30,
            ),
            job_dir,
        )
        return job

    @staticmethod
    def _observe(job: TransformJob) -> TransformJob:
        """The job as its files say it is now (blocking reads: run in a thread)."""
        job = job.model_copy(deep=True)
        job_dir = Path(job.job_dir)
        progress = read_json(job_dir / "progress.json")
        if progress:
            job.progress = TransformProgress.model_validate(progress)
        state = read_state(job_dir)
        if not state.finished:
            return job
        if state.status == "vanished":  # its supervisor was killed: what it ran goes too
            end_tree(job_dir)
        job.ended_ms = state.ended_ms or now_ms()
        failure = job_dir / "failure"
        if state.reason == "stopped":
            job.status = T.STOPPED
        elif state.exit_code == 0:
            job.status = T.COMPLETED
        else:
            job.status = T.FAILED
            if failure.exists():
                job.failure_reason = failure.read_text()[:1024]
            elif state.reason == "oom":
                job.failure_reason = "Out of memory: choose a larger instance type."
            elif state.reason == "processes":
                job.failure_reason = f"The job was stopped: {state.message}."
            else:
                tail = "\n".join(tail_lines(job_dir / "output.log", 10))
                job.failure_reason = f"Exited with {state.exit_code}: {tail}"[:1024]
        return job

    async def _refresh(self, job: TransformJob) -> TransformJob:
        """Bring a running job's row up to date; saved only when something changed."""
        if job.status not in (T.IN_PROGRESS, T.STOPPING):
            return job
        current = await asyncio.to_thread(self._observe, job)
        if current != job:
            current.modified_ms = now_ms()
            await self.jobs.save(current)
        return current

    async def get(self, owner: str, name: str) -> TransformJob:
        job = await self.jobs.get(owner, name)
        if job is None:
            raise NotFound(f"No transform job named '{name}'.", field="name")
        return await self._refresh(job)

    async def list(self, owner: str, query: TransformJobQuery) -> TransformJobPage:
        items, token = await self.jobs.page(
            owner, query, query.status.value if query.status else None
        )
        return TransformJobPage(items=[await self._refresh(j) for j in items], next_token=token)

    async def stop(self, owner: str, name: str) -> TransformJob:
        job = await self.get(owner, name)
        if job.status != T.IN_PROGRESS:
            raise InvalidState(f"Transform job '{name}' is {job.status.value}.", field="name")
        stop_run(Path(job.job_dir))
        job.status = T.STOPPING
        job.modified_ms = now_ms()
        await self.jobs.save(job)
        return job

    async def current_work(self) -> builtins.list[str]:
        """Transforms that run keep the server up (the idle monitor asks)."""
        running = await self.jobs.all_with_status([T.IN_PROGRESS.value, T.STOPPING.value])
        return [f"batch transform {job.name} is running" for job in running]

    async def logs(self, owner: str, name: str, cursor: int) -> LogPage:
        job = await self.get(owner, name)
        chunk = read_log(Path(job.job_dir) / "output.log", cursor)
        return LogPage(text=chunk.text, next_cursor=chunk.next_cursor, size=chunk.size)
