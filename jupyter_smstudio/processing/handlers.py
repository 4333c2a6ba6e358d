"""HTTP <-> processing job service; nothing else."""

from __future__ import annotations

from ..api.base import SMStudioHandler
from ..api.routes import Route, operation
from ..jobs.routes import JobKindApi, job_routes
from .flows import FlowJobRequest, run_flow
from .models import ProcessingJob, ProcessingJobCreate, ProcessingJobPage, ProcessingJobQuery

TAG = "Processing jobs"


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
        job = await run_flow(
            services.processing, services.wrangler.service(), self.username, name, request
        )
        self.reply(job, status=201)


ROUTES = [
    *job_routes(
        JobKindApi(
            path="/processing-jobs",
            noun="processing job",
            tag=TAG,
            service=lambda services: services.processing,
            create=ProcessingJobCreate,
            item=ProcessingJob,
            page=ProcessingJobPage,
            query=ProcessingJobQuery,
            create_summary="Create a processing job (CreateProcessingJob)",
            queue_help="the same limits as training jobs",
        )
    ),
    Route(
        "/wrangler/flows/{name}/processing-jobs",
        FlowProcessingJobHandler,
        {"name": "Flow file path relative to your directory, URL-encoded (a%2Fb.flow)."},
    ),
]
