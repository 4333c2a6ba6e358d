"""Batch transform jobs on the job runner: check the request, then queue it as a job.

The request is checked completely here (the model, its code, paths, filters), the
model is prepared, and what the run needs is kept in the job's spec
(:class:`~.kind.TransformRequest`); the runner does the rest, under the same queue
and limits as training and processing jobs, on the local or the Docker backend.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from ...errors import InvalidInput, NotFound
from ...jobs.models import Status
from ...jobs.runner import JobRunner
from ...jobs.service import KindService
from ...paths import is_remote
from ..models import (
    LogPage,
    TransformJob,
    TransformJobCreate,
    TransformJobPage,
    TransformJobQuery,
)
from ..repository import DocumentRepository
from ..schema import transform_jobs
from .jsonpath import JsonPathError, compile_path
from .kind import MAX_RUNTIME, ModelRun, TransformKind, TransformRequest, input_files

if TYPE_CHECKING:
    from ..service import HostingService

KIND = TransformKind()


def _validate(spec: TransformJobCreate) -> None:
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


class TransformService(KindService[TransformRequest, TransformJob, TransformJobPage]):
    """CreateTransformJob and the rest, with the REST models the API always had."""

    item = TransformJob
    page_model = TransformJobPage

    def __init__(self, runner: JobRunner, hosting: HostingService) -> None:
        super().__init__(runner, KIND)
        self.hosting = hosting  # models, workspace, settings
        #: Jobs from before transforms ran on the runner whose names a training or
        #: processing job had taken (the others were migrated into the runner's table).
        self.legacy = DocumentRepository(
            hosting.models.db, transform_jobs, TransformJob, "transform job"
        )

    async def create(self, owner: str, spec: TransformJobCreate) -> TransformJob:  # type: ignore[override]
        """Checked completely, then queued (it starts at once if a slot is free)."""
        _validate(spec)
        hosting = self.hosting
        model = await hosting.get_model(owner, spec.model_name, "model_name")
        instance_type = spec.instance_type or model.instance_type
        hosting.compute.get(instance_type, field="instance_type")
        data, out = spec.transform_input.data_source, spec.transform_output.output_path
        if is_remote(data):  # fetched when the job starts (the runner checks it is theirs)
            source, inputs = None, []
        else:
            source = hosting.workspace.resolve(data, "transform_input.data_source")
            inputs = await asyncio.to_thread(input_files, source)
            if not inputs:
                raise InvalidInput("No input files found", field="transform_input.data_source")
        output = (
            self.runner.output_dir(owner, spec.name)  # the copy uploaded when it ends
            if is_remote(out)
            else hosting.workspace.resolve(out, "transform_output.output_path", must_exist=False)
        )
        prepared = await asyncio.to_thread(hosting.prepare_model, owner, model)
        request = TransformRequest(
            name=spec.name,
            image=model.image,
            instance_type=instance_type,
            environment=spec.environment,
            max_runtime_seconds=MAX_RUNTIME,
            transform=spec,
            model=ModelRun(
                model_dir=str(prepared.model_dir),
                code_dir=str(prepared.code_dir) if prepared.code_dir else None,
                program=prepared.program,
                environment=model.environment,
                requirements=str(prepared.requirements) if prepared.requirements else None,
            ),
            source=str(source or ""),
            output=str(output),
            files_total=len(inputs),
            startup_timeout=hosting.settings.startup_timeout,
        )
        await self.runner.submit(owner, KIND.name, request)
        return await self.get(owner, spec.name)

    async def get(self, owner: str, name: str) -> TransformJob:
        try:
            return await super().get(owner, name)
        except NotFound:
            legacy = await self.legacy.get(owner, name)
            if legacy is None:
                raise
            return legacy

    async def list(self, owner: str, query: TransformJobQuery) -> TransformJobPage:  # type: ignore[override]
        status = Status(query.status.value) if query.status else None
        items, token = await self.runner.page_described(owner, KIND.name, query, status)
        return TransformJobPage(items=items, next_token=token)

    async def logs(self, owner: str, name: str, cursor: int, max_bytes: int = 1 << 20) -> LogPage:  # type: ignore[override]
        chunk = await super().logs(owner, name, cursor, max_bytes)
        return LogPage(text=chunk.text, next_cursor=chunk.next_cursor, size=chunk.size)
