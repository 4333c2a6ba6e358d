"""HTTP <-> training job service; nothing else."""

from __future__ import annotations

import asyncio

from ..api.base import SMStudioHandler
from ..api.routes import Route, operation
from .models import (
    ArtifactList,
    LogChunkModel,
    LogQuery,
    MetricsQuery,
    MetricsReply,
    TrainingJob,
    TrainingJobCreate,
    TrainingJobPage,
    TrainingJobQuery,
)

TAG = "Training jobs"
CHUNK = 1 << 20


class TrainingJobsHandler(SMStudioHandler):
    @operation("List your training jobs", tag=TAG, query=TrainingJobQuery, response=TrainingJobPage)
    async def get(self) -> None:
        query = self.query(TrainingJobQuery)
        self.reply(await self.services.training.list(self.username, query))

    @operation(
        "Create a training job (CreateTrainingJob)",
        tag=TAG,
        request=TrainingJobCreate,
        response=TrainingJob,
        status=201,
        errors=(409,),
        description="Everything is validated before anything runs; the job starts at once or "
        "waits as Pending behind the concurrency limits.",
    )
    async def post(self) -> None:
        spec = self.body(TrainingJobCreate)
        self.reply(await self.services.training.create(self.username, spec), status=201)


class TrainingJobHandler(SMStudioHandler):
    @operation("Describe a training job", tag=TAG, response=TrainingJob, errors=(404,))
    async def get(self, name: str) -> None:
        self.reply(await self.services.training.get(self.username, name))


class TrainingJobStopHandler(SMStudioHandler):
    @operation(
        "Stop a training job (SIGTERM, then SIGKILL after the grace period)",
        tag=TAG,
        response=TrainingJob,
        errors=(404, 422),
    )
    async def post(self, name: str) -> None:
        self.reply(await self.services.training.stop(self.username, name))


class TrainingJobLogsHandler(SMStudioHandler):
    @operation(
        "Read a training job's log after a cursor",
        tag=TAG,
        query=LogQuery,
        response=LogChunkModel,
        errors=(404,),
        description="Pass next_cursor back to follow the log; finished says no more will come.",
    )
    async def get(self, name: str) -> None:
        q = self.query(LogQuery)
        self.reply(await self.services.training.logs(self.username, name, q.cursor, q.max_bytes))


class TrainingJobMetricsHandler(SMStudioHandler):
    @operation(
        "Metric time series extracted from the log",
        tag=TAG,
        query=MetricsQuery,
        response=MetricsReply,
        errors=(404,),
    )
    async def get(self, name: str) -> None:
        q = self.query(MetricsQuery)
        self.reply(await self.services.training.metrics(self.username, name, q.since_ms))


class TrainingJobArtifactsHandler(SMStudioHandler):
    @operation("List a training job's artifacts", tag=TAG, response=ArtifactList, errors=(404,))
    async def get(self, name: str) -> None:
        self.reply(await self.services.training.artifacts(self.username, name))


class TrainingJobArtifactHandler(SMStudioHandler):
    @operation(
        "Download an artifact (model.tar.gz or output.tar.gz)",
        tag=TAG,
        errors=(404,),
        raw_response={
            "description": "The archive",
            "content": {"application/gzip": {"schema": {"type": "string", "format": "binary"}}},
        },
    )
    async def get(self, name: str, artifact: str) -> None:
        path = await self.services.training.artifact_path(self.username, name, artifact)
        self.set_header("Content-Type", "application/gzip")
        self.set_header("Content-Disposition", f'attachment; filename="{name}-{artifact}"')
        with path.open("rb") as f:
            while chunk := await asyncio.to_thread(f.read, CHUNK):
                self.write(chunk)
                await self.flush()
        self.finish()


ROUTES = [
    Route("/training-jobs", TrainingJobsHandler),
    Route("/training-jobs/{name}", TrainingJobHandler, {"name": "Training job name."}),
    Route("/training-jobs/{name}/stop", TrainingJobStopHandler, {"name": "Training job name."}),
    Route("/training-jobs/{name}/logs", TrainingJobLogsHandler, {"name": "Training job name."}),
    Route(
        "/training-jobs/{name}/metrics", TrainingJobMetricsHandler, {"name": "Training job name."}
    ),
    Route(
        "/training-jobs/{name}/artifacts",
        TrainingJobArtifactsHandler,
        {"name": "Training job name."},
    ),
    Route(
        "/training-jobs/{name}/artifacts/{artifact}",
        TrainingJobArtifactHandler,
        {"name": "Training job name.", "artifact": "model.tar.gz or output.tar.gz"},
    ),
]
