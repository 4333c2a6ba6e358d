"""HTTP <-> Data Wrangler service; nothing else.

A flow is named by its path relative to the user's directory, URL-encoded as one
path segment (``dir%2Fsales.flow``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..api.base import SMStudioHandler
from ..api.routes import Route, operation
from ..store.paging import ListQuery
from .models import (
    ExportQuery,
    ExportResult,
    FitRequest,
    Flow,
    FlowCreate,
    FlowPage,
    FlowUpdate,
    OperatorList,
    Preview,
    PreviewQuery,
    ReportRequest,
    SourceLocations,
    SourcePreviewRequest,
    StepCreate,
    StepUpdate,
    VersionQuery,
)
from .report_models import Report

if TYPE_CHECKING:
    from .service import WranglerService

TAG = "Data Wrangler"


class WranglerHandler(SMStudioHandler):
    @property
    def wrangler(self) -> WranglerService:
        """The service, loaded on the first Data Wrangler call (503 if not installed)."""
        return self.services.wrangler.service()


class OperatorsHandler(WranglerHandler):
    @operation(
        "Transform operators with their parameter JSON schemas", tag=TAG, response=OperatorList
    )
    async def get(self) -> None:
        self.reply(self.wrangler.operators())


class SourcePreviewHandler(WranglerHandler):
    @operation(
        "Preview a data source before creating a flow",
        tag=TAG,
        request=SourcePreviewRequest,
        response=Preview,
    )
    async def post(self) -> None:
        self.reply(await self.wrangler.preview_source(self.body(SourcePreviewRequest)))


class SourceLocationsHandler(WranglerHandler):
    @operation(
        "Where file sources may come from: data roots and URL protocols the administrator allows",
        tag=TAG,
        response=SourceLocations,
    )
    async def get(self) -> None:
        self.reply(self.wrangler.source_locations())


class FlowsHandler(WranglerHandler):
    @operation(
        "List the .flow files in your directory", tag=TAG, query=ListQuery, response=FlowPage
    )
    async def get(self) -> None:
        self.reply(await self.wrangler.list_flows(self.username, self.query(ListQuery)))

    @operation(
        "Create a flow (.flow file)",
        tag=TAG,
        request=FlowCreate,
        response=Flow,
        status=201,
        errors=(409,),
    )
    async def post(self) -> None:
        self.reply(await self.wrangler.create(self.username, self.body(FlowCreate)), status=201)


class FlowHandler(WranglerHandler):
    @operation("Read a flow", tag=TAG, response=Flow, errors=(404, 422))
    async def get(self, name: str) -> None:
        self.reply(await self.wrangler.get(self.username, name))

    @operation(
        "Change a flow's source, sampling or target (version-checked)",
        tag=TAG,
        request=FlowUpdate,
        response=Flow,
        errors=(404, 409, 422),
    )
    async def patch(self, name: str) -> None:
        self.reply(await self.wrangler.update(self.username, name, self.body(FlowUpdate)))

    @operation("Delete a flow file", tag=TAG, status=204, errors=(404,))
    async def delete(self, name: str) -> None:
        await self.wrangler.delete(self.username, name)
        self.no_content()


class StepsHandler(WranglerHandler):
    @operation(
        "Add a step (version-checked); fitting steps learn on the sample",
        tag=TAG,
        request=StepCreate,
        response=Flow,
        status=201,
        errors=(404, 409, 422),
    )
    async def post(self, name: str) -> None:
        self.reply(
            await self.wrangler.add_step(self.username, name, self.body(StepCreate)), status=201
        )


class StepHandler(WranglerHandler):
    @operation(
        "Edit or move a step (version-checked); what follows is replayed",
        tag=TAG,
        request=StepUpdate,
        response=Flow,
        errors=(404, 409, 422),
    )
    async def patch(self, name: str, step_id: str) -> None:
        self.reply(
            await self.wrangler.update_step(self.username, name, step_id, self.body(StepUpdate))
        )

    @operation(
        "Delete a step (version-checked)",
        tag=TAG,
        query=VersionQuery,
        response=Flow,
        errors=(404, 409, 422),
    )
    async def delete(self, name: str, step_id: str) -> None:
        query = self.query(VersionQuery)
        self.reply(await self.wrangler.delete_step(self.username, name, step_id, query.version))


class FitHandler(WranglerHandler):
    @operation(
        "Refit every step on the sample or on the full data",
        tag=TAG,
        request=FitRequest,
        response=Flow,
        errors=(404, 409, 422),
    )
    async def post(self, name: str) -> None:
        self.reply(await self.wrangler.fit(self.username, name, self.body(FitRequest)))


class PreviewHandler(WranglerHandler):
    @operation(
        "Rows of a step's output (paged; sample or full data), its diff and per-step errors",
        tag=TAG,
        query=PreviewQuery,
        response=Preview,
        errors=(404, 422),
    )
    async def get(self, name: str) -> None:
        self.reply(await self.wrangler.preview(self.username, name, self.query(PreviewQuery)))


class ReportHandler(WranglerHandler):
    @operation(
        "Data quality and insights report of a step's output (full data)",
        tag=TAG,
        request=ReportRequest,
        response=Report,
        errors=(404, 422),
    )
    async def post(self, name: str) -> None:
        body = self.body(ReportRequest)
        self.reply(
            await self.wrangler.report(
                self.username, name, body.step, body.target, body.sample_rows
            )
        )


class ExportHandler(WranglerHandler):
    @operation(
        "The flow as a pandas or Polars script, or a notebook",
        tag=TAG,
        query=ExportQuery,
        response=ExportResult,
        errors=(404, 422),
    )
    async def get(self, name: str) -> None:
        self.reply(await self.wrangler.export(self.username, name, self.query(ExportQuery)))


FLOW = {"name": "Flow file path relative to your directory, URL-encoded (a%2Fb.flow)."}
ROUTES = [
    Route("/wrangler/operators", OperatorsHandler),
    Route("/wrangler/sources/preview", SourcePreviewHandler),
    Route("/wrangler/sources/locations", SourceLocationsHandler),
    Route("/wrangler/flows", FlowsHandler),
    Route("/wrangler/flows/{name}", FlowHandler, FLOW),
    Route("/wrangler/flows/{name}/steps", StepsHandler, FLOW),
    Route("/wrangler/flows/{name}/steps/{step_id}", StepHandler, {**FLOW, "step_id": "Step id."}),
    Route("/wrangler/flows/{name}/fit", FitHandler, FLOW),
    Route("/wrangler/flows/{name}/preview", PreviewHandler, FLOW),
    Route("/wrangler/flows/{name}/report", ReportHandler, FLOW),
    Route("/wrangler/flows/{name}/export", ExportHandler, FLOW),
]
