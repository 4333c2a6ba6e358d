"""HTTP <-> training job service; nothing else."""

from __future__ import annotations

import asyncio

from .. import algorithms
from ..api.base import SMStudioHandler
from ..api.routes import Route, operation
from ..errors import NotFound
from ..jobs.routes import JobKindApi, job_routes
from .models import (
    Algorithm,
    AlgorithmList,
    ArtifactList,
    MetricsQuery,
    MetricsReply,
    TrainingJob,
    TrainingJobCreate,
    TrainingJobPage,
    TrainingJobQuery,
)

TAG = "Training jobs"
CHUNK = 1 << 20


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


ALGORITHMS_TAG = "Built-in algorithms"


class AlgorithmsHandler(SMStudioHandler):
    @operation(
        "List the built-in algorithms, with their hyperparameters, formats and metrics",
        tag=ALGORITHMS_TAG,
        response=AlgorithmList,
    )
    async def get(self) -> None:
        found = algorithms.available()
        self.reply(
            AlgorithmList(
                items=[Algorithm.model_validate(a.SPEC.to_json()) for a in found.values()]
            )
        )


class AlgorithmHandler(SMStudioHandler):
    @operation(
        "Describe one built-in algorithm", tag=ALGORITHMS_TAG, response=Algorithm, errors=(404,)
    )
    async def get(self, name: str) -> None:
        found = algorithms.available().get(name)
        if found is None:
            raise NotFound(f"There is no built-in algorithm '{name}'.", field="name")
        self.reply(Algorithm.model_validate(found.SPEC.to_json()))


ROUTES = [
    Route("/algorithms", AlgorithmsHandler),
    Route("/algorithms/{name}", AlgorithmHandler, {"name": "Algorithm name, e.g. xgboost."}),
    *job_routes(
        JobKindApi(
            path="/training-jobs",
            noun="training job",
            tag=TAG,
            service=lambda services: services.training,
            create=TrainingJobCreate,
            item=TrainingJob,
            page=TrainingJobPage,
            query=TrainingJobQuery,
            create_summary="Create a training job (CreateTrainingJob)",
            queue_help="the concurrency limits",
        )
    ),
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
