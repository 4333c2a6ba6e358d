"""HTTP <-> processing job service; nothing else."""

from __future__ import annotations

from ..api.base import SMStudioHandler
from ..api.routes import Route, operation
from ..training.models import LogChunkModel, LogQuery
from .flows import FlowJobRequest, run_flow
from .models import ProcessingJob, ProcessingJobCreate, ProcessingJobPage, ProcessingJobQuery

TAG = "Processing jobs"


class ProcessingJobsHandler(SMStudioHandler):
    @operation(
        "List your processing jobs", tag=TAG, query=ProcessingJobQuery, response=ProcessingJobPage
    )
    async def get(self) -> None:
        query = self.query(ProcessingJobQuery)
        self.reply(await self.services.processing.list(self.username, query))

    @operation(
        "Create a processing job (CreateProcessingJob)",
        tag=TAG,
        request=ProcessingJobCreate,
        response=ProcessingJob,
        status=201,
        errors=(409,),
        description="Everything is validated before anything runs; the job starts at once or "
        "waits as Pending behind the same limits as training jobs.",
    )
    async def post(self) -> None:
        spec = self.body(ProcessingJobCreate)
        self.reply(await self.services.processing.create(self.username, spec), status=201)


class ProcessingJobHandler(SMStudioHandler):
    @operation("Describe a processing job", tag=TAG, response=ProcessingJob, errors=(404,))
    async def get(self, name: str) -> None:
        self.reply(await self.services.processing.get(self.username, name))


class ProcessingJobStopHandler(SMStudioHandler):
    @operation(
        "Stop a processing job (SIGTERM, then SIGKILL after the grace period)",
        tag=TAG,
        response=ProcessingJob,
        errors=(404, 422),
    )
    async def post(self, name: str) -> None:
        self.reply(await self.services.processing.stop(self.username, name))


class ProcessingJobLogsHandler(SMStudioHandler):
    @operation(
        "Read a processing job's log after a cursor",
        tag=TAG,
        query=LogQuery,
        response=LogChunkModel,
        errors=(404,),
        description="Pass next_cursor back to follow the log; finished says no more will come.",
    )
    async def get(self, name: str) -> None:
        q = self.query(LogQuery)
        self.reply(await self.services.processing.logs(self.username, name, q.cursor, q.max_bytes))


class FlowProcessingJobHandler(SMStudioHandler):
    @operation(
        "Run a Data Wrangler flow on its full data as a processing job",
        tag="Data Wrangler",
        request=FlowJobRequest,
        response=ProcessingJob,
        status=201,
        errors=(404, 409, 422),
        description="The flow's Polars code runs without the server; each named output of a "
        "split is its own output directory of Parquet or CSV files.",
    )
    async def post(self, name: str) -> None:
        request = self.body(FlowJobRequest)
        services = self.services
        job = await run_flow(services.processing, services.wrangler, self.username, name, request)
        self.reply(job, status=201)


_NAME = {"name": "Processing job name."}
ROUTES = [
    Route("/processing-jobs", ProcessingJobsHandler),
    Route("/processing-jobs/{name}", ProcessingJobHandler, _NAME),
    Route("/processing-jobs/{name}/stop", ProcessingJobStopHandler, _NAME),
    Route("/processing-jobs/{name}/logs", ProcessingJobLogsHandler, _NAME),
    Route(
        "/wrangler/flows/{name}/processing-jobs",
        FlowProcessingJobHandler,
        {"name": "Flow file path relative to your directory, URL-encoded (a%2Fb.flow)."},
    ),
]
