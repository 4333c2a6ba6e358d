"""One kind's service: the API's create, describe, list, stop and log calls on the runner.

Each kind (training, processing) subclasses it with its models, so the calls every
kind has are written once; a kind adds its own (a training job's metrics and
artifacts) on its subclass.
"""

from __future__ import annotations

from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel

from .kind import JobKind
from .models import JobQuery, JobRequest, JobSummary, LogChunkModel
from .repository import StoredJob
from .runner import JobRunner

C = TypeVar("C", bound=JobRequest)
J = TypeVar("J", bound=BaseModel)
P = TypeVar("P", bound=BaseModel)


class KindService(Generic[C, J, P]):
    """The runner as one kind of job sees it; ``C`` creates, ``J`` describes, ``P`` lists."""

    item: ClassVar[type[BaseModel]]
    summary: ClassVar[type[JobSummary]]
    page_model: ClassVar[type[BaseModel]]

    def __init__(self, runner: JobRunner, kind: JobKind[C, Any]) -> None:
        self.runner = runner
        self.kind = kind
        runner.register(kind)

    async def create(self, owner: str, spec: C) -> J:
        """Checked completely, then queued (it starts at once if a slot is free)."""
        await self.runner.submit(owner, self.kind.name, spec)
        return await self.get(owner, spec.name)

    async def check(self, owner: str, spec: C) -> None:
        """Everything ``create`` checks for ``owner``, without creating the job."""
        await self.runner.check(self.kind.name, spec, owner)

    async def get(self, owner: str, name: str) -> J:
        job = await self.runner.describe(owner, name, self.kind.name)
        assert isinstance(job, self.item)
        return job  # type: ignore[return-value]  # the kind describes with ``item``

    async def list(self, owner: str, query: JobQuery) -> P:
        items, token = await self.runner.page(
            owner, self.kind.name, query, query.status, self.summary
        )
        return self.page_model(items=items, next_token=token)  # type: ignore[return-value]

    async def stop(self, owner: str, name: str) -> J:
        """SIGTERM, then SIGKILL after the grace period; a queued job stops at once."""
        await self.runner.stop_job(owner, name, self.kind.name)
        return await self.get(owner, name)

    async def logs(self, owner: str, name: str, cursor: int, max_bytes: int) -> LogChunkModel:
        return await self.runner.job_logs(owner, name, self.kind.name, cursor, max_bytes)

    async def stored(self, owner: str, name: str) -> StoredJob:
        return await self.runner.stored(owner, name, self.kind.name)
