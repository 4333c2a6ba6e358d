"""Training jobs on the runner: the calls every kind has, plus metrics and artifacts."""

from __future__ import annotations

import asyncio
from pathlib import Path

from ..errors import NotFound
from ..jobs.runner import JobRunner
from ..jobs.service import KindService
from .models import (
    Artifact,
    ArtifactList,
    MetricsReply,
    TrainingJob,
    TrainingJobCreate,
    TrainingJobPage,
    TrainingJobSummary,
)
from .training_kind import ARTIFACTS, TrainingKind

TRAINING = TrainingKind()


class TrainingService(KindService[TrainingJobCreate, TrainingJob, TrainingJobPage]):
    item = TrainingJob
    summary = TrainingJobSummary
    page_model = TrainingJobPage

    def __init__(self, runner: JobRunner) -> None:
        super().__init__(runner, TRAINING)

    async def metrics(self, owner: str, name: str, since_ms: int) -> MetricsReply:
        await self.stored(owner, name)
        return MetricsReply(metrics=await self.runner.repository.metrics(owner, name, since_ms))

    async def _artifact_dir(self, owner: str, name: str) -> Path:
        job = await self.stored(owner, name)
        return TRAINING.artifact_dir(self.runner, job, TRAINING.parse(job.spec))

    async def artifacts(self, owner: str, name: str) -> ArtifactList:
        out = await self._artifact_dir(owner, name)

        def sizes() -> list[Artifact]:
            return [
                Artifact(name=n, size=(out / n).stat().st_size)
                for n in ARTIFACTS
                if (out / n).is_file()
            ]

        return ArtifactList(items=await asyncio.to_thread(sizes))

    async def artifact_path(self, owner: str, name: str, artifact: str) -> Path:
        path = await self._artifact_dir(owner, name) / artifact
        if artifact not in ARTIFACTS or not await asyncio.to_thread(path.is_file):
            raise NotFound(f"Training job '{name}' has no artifact '{artifact}'.", field="artifact")
        return path
