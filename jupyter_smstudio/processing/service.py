"""Processing jobs through the training runner: the API's view of the ``processing`` kind."""

from __future__ import annotations

from ..jobs.runner import TrainingService
from ..training.models import LogChunkModel
from .kind import ProcessingKind
from .models import (
    ProcessingJob,
    ProcessingJobCreate,
    ProcessingJobPage,
    ProcessingJobQuery,
    ProcessingJobSummary,
)

KIND = ProcessingKind()


class ProcessingService:
    def __init__(self, runner: TrainingService) -> None:
        self.runner = runner
        runner.register(KIND)

    async def create(self, owner: str, spec: ProcessingJobCreate) -> ProcessingJob:
        """CreateProcessingJob: checked completely, then queued with the training jobs."""
        await self.runner.submit(owner, KIND.name, spec)
        return await self.get(owner, spec.name)

    async def get(self, owner: str, name: str) -> ProcessingJob:
        job = await self.runner.describe(owner, name, KIND.name)
        assert isinstance(job, ProcessingJob)
        return job

    async def list(self, owner: str, query: ProcessingJobQuery) -> ProcessingJobPage:
        items, token = await self.runner.page(
            owner, KIND.name, query, query.status, ProcessingJobSummary
        )
        return ProcessingJobPage(items=items, next_token=token)

    async def stop(self, owner: str, name: str) -> ProcessingJob:
        """StopProcessingJob: SIGTERM, then SIGKILL after the grace period."""
        await self.runner.stop_job(owner, name, KIND.name)
        return await self.get(owner, name)

    async def logs(self, owner: str, name: str, cursor: int, max_bytes: int) -> LogChunkModel:
        return await self.runner.job_logs(owner, name, KIND.name, cursor, max_bytes)
