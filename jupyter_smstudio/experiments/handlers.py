"""HTTP <-> experiments service: a job's run, registering and approving models, lineage."""

from __future__ import annotations

from ..api.base import SMStudioHandler
from ..api.routes import Route, operation
from .lineage import LineageGraph, LineageQuery, lineage
from .models import (
    JobRun,
    ModelGroupPage,
    ModelVersion,
    ModelVersionPage,
    RegisterModel,
    RegistryQuery,
    UpdateApproval,
)
from .registry import ExperimentsService

TAG = "Experiments"


class _ExperimentsHandler(SMStudioHandler):
    @property
    def experiments(self) -> ExperimentsService:
        return self.services.experiments.service


class JobRunHandler(_ExperimentsHandler):
    @operation(
        "The MLflow run of a job, with its page in the MLflow UI",
        tag=TAG,
        response=JobRun,
        errors=(400, 404, 502, 503),
    )
    async def get(self, kind: str, name: str) -> None:
        self.reply(await self.experiments.job_run(self.username, kind, name))


class ModelsHandler(_ExperimentsHandler):
    @operation(
        "Register a completed job's model as a new version of a model",
        tag=TAG,
        request=RegisterModel,
        response=ModelVersion,
        status=201,
        errors=(400, 404, 422, 502, 503),
    )
    async def post(self) -> None:
        self.reply(await self.experiments.register(self.username, self.body(RegisterModel)), 201)

    @operation(
        "List your registered models, newest first",
        tag=TAG,
        query=RegistryQuery,
        response=ModelGroupPage,
        errors=(400, 502, 503),
    )
    async def get(self) -> None:
        q = self.query(RegistryQuery)
        items, token = await self.experiments.groups(
            self.username, q.name_contains, q.limit, q.next_token, "DESC"
        )
        self.reply(ModelGroupPage(items=items, next_token=token))


class ModelVersionsHandler(_ExperimentsHandler):
    @operation(
        "List a registered model's versions, newest first",
        tag=TAG,
        query=RegistryQuery,
        response=ModelVersionPage,
        errors=(400, 404, 502, 503),
    )
    async def get(self, model: str) -> None:
        q = self.query(RegistryQuery)
        await self.experiments.group(self.username, model)  # 404 naming the model
        items, token = await self.experiments.versions(
            self.username, model, q.approval_status, q.limit, q.next_token, "DESC"
        )
        self.reply(ModelVersionPage(items=items, next_token=token))


class ModelVersionHandler(_ExperimentsHandler):
    @operation(
        "A model version: its source, run, approval and tags",
        tag=TAG,
        response=ModelVersion,
        errors=(404, 502, 503),
    )
    async def get(self, model: str, version: str) -> None:
        self.reply(await self.experiments.version(self.username, model, version))

    @operation(
        "Approve or reject a model version",
        tag=TAG,
        request=UpdateApproval,
        response=ModelVersion,
        errors=(400, 404, 502, 503),
    )
    async def patch(self, model: str, version: str) -> None:
        req = self.body(UpdateApproval)
        self.reply(await self.experiments.set_approval(self.username, model, version, req))


class LineageHandler(_ExperimentsHandler):
    @operation(
        "What a resource was made from and what was made from it",
        tag=TAG,
        query=LineageQuery,
        response=LineageGraph,
        errors=(400, 404),
    )
    async def get(self) -> None:
        arn = self.query(LineageQuery).arn
        self.reply(await lineage(self.services, self.username, arn))


ROUTES = [
    Route(
        "/experiments/job-runs/{kind}/{name}",
        JobRunHandler,
        {"kind": "Job kind (training, processing, transform)", "name": "Job name"},
    ),
    Route("/experiments/models", ModelsHandler),
    Route(
        "/experiments/models/{model}/versions",
        ModelVersionsHandler,
        {"model": "Registered model name"},
    ),
    Route(
        "/experiments/models/{model}/versions/{version}",
        ModelVersionHandler,
        {"model": "Registered model name", "version": "Version number"},
    ),
    Route("/lineage", LineageHandler),
]
