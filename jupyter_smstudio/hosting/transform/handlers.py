"""HTTP <-> batch transform jobs."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from ...api.base import SMStudioHandler
from ...api.routes import Route, operation
from ..models import LogPage, TransformJob, TransformJobCreate, TransformJobPage, TransformJobQuery
from .service import TransformService

TAG = "Batch transform"


class CursorQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    cursor: int = Field(0, ge=0, description="Byte offset from the previous read.")


class TransformHandler(SMStudioHandler):
    @property
    def transforms(self) -> TransformService:
        return self.services.transforms


class TransformJobsHandler(TransformHandler):
    @operation(
        "List your batch transform jobs",
        tag=TAG,
        query=TransformJobQuery,
        response=TransformJobPage,
    )
    async def get(self) -> None:
        self.reply(await self.transforms.list(self.username, self.query(TransformJobQuery)))

    @operation(
        "Start a batch transform job",
        tag=TAG,
        request=TransformJobCreate,
        response=TransformJob,
        status=201,
        errors=(404, 409),
    )
    async def post(self) -> None:
        job = await self.transforms.create(self.username, self.body(TransformJobCreate))
        self.reply(job, 201)


class TransformJobHandler(TransformHandler):
    @operation("Describe a batch transform job", tag=TAG, response=TransformJob, errors=(404,))
    async def get(self, name: str) -> None:
        self.reply(await self.transforms.get(self.username, name))


class TransformStopHandler(TransformHandler):
    @operation("Stop a batch transform job", tag=TAG, response=TransformJob, errors=(404, 422))
    async def post(self, name: str) -> None:
        self.reply(await self.transforms.stop(self.username, name))


class TransformLogsHandler(TransformHandler):
    @operation(
        "Read a batch transform job's log from a cursor",
        tag=TAG,
        query=CursorQuery,
        response=LogPage,
        errors=(404,),
    )
    async def get(self, name: str) -> None:
        query = self.query(CursorQuery)
        self.reply(await self.transforms.logs(self.username, name, query.cursor))


_NAME = {"name": "Transform job name."}
ROUTES = [
    Route("/transform-jobs", TransformJobsHandler),
    Route("/transform-jobs/{name}", TransformJobHandler, _NAME),
    Route("/transform-jobs/{name}/stop", TransformStopHandler, _NAME),
    Route("/transform-jobs/{name}/logs", TransformLogsHandler, _NAME),
]
