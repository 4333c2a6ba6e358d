"""HTTP <-> spaces service; nothing else."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from ..api.base import SMStudioHandler
from ..api.routes import Route, operation
from ..store.paging import ListQuery
from .models import (
    ComputeChange,
    KernelInfo,
    KernelProfileUpdate,
    Space,
    SpaceCreate,
    SpaceDetail,
    SpaceEventPage,
    SpacePage,
    SpaceQuery,
    SpaceTerminal,
    SpaceUpdate,
)

TAG = "Spaces"
NAME = {"name": "Space name."}


class LogQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    cursor: int = Field(0, ge=0, description="Byte offset from the previous read's next_cursor.")


class LogPage(BaseModel):
    text: str
    next_cursor: int
    size: int


class SpacesHandler(SMStudioHandler):
    @operation("List the spaces you own or share", tag=TAG, query=SpaceQuery, response=SpacePage)
    async def get(self) -> None:
        self.reply(await self.services.spaces.list_spaces(self.username, self.query(SpaceQuery)))

    @operation("Create (and by default start) a space", tag=TAG, request=SpaceCreate,
               response=Space, status=201, errors=(409,))  # fmt: skip
    async def post(self) -> None:
        space = await self.services.spaces.create(self.username, self.body(SpaceCreate))
        self.reply(space, status=201)


class SpaceHandler(SMStudioHandler):
    @operation("Describe a space, its storage use and kernels", tag=TAG, response=SpaceDetail,
               errors=(404,))  # fmt: skip
    async def get(self, name: str) -> None:
        self.reply(await self.services.spaces.get(self.username, name))

    @operation("Change a space; a new profile restarts its kernels on it", tag=TAG,
               request=SpaceUpdate, response=ComputeChange, errors=(404, 409))  # fmt: skip
    async def patch(self, name: str) -> None:
        patch = self.body(SpaceUpdate)
        self.reply(await self.services.spaces.update(self.username, name, patch))

    @operation("Delete a space and its volume", tag=TAG, status=204, errors=(404, 409))
    async def delete(self, name: str) -> None:
        await self.services.spaces.delete(self.username, name)
        self.no_content()


class SpaceStartHandler(SMStudioHandler):
    @operation("Start a space (runs its lifecycle configurations)", tag=TAG, response=Space,
               errors=(404, 409, 422))  # fmt: skip
    async def post(self, name: str) -> None:
        self.reply(await self.services.spaces.start(self.username, name))


class SpaceStopHandler(SMStudioHandler):
    @operation("Stop a space's compute; files are kept", tag=TAG, response=Space,
               errors=(404, 409))  # fmt: skip
    async def post(self, name: str) -> None:
        self.reply(await self.services.spaces.stop(self.username, name))


class SpaceEventsHandler(SMStudioHandler):
    @operation("A space's history", tag=TAG, query=ListQuery, response=SpaceEventPage,
               errors=(404,))  # fmt: skip
    async def get(self, name: str) -> None:
        query = self.query(ListQuery)
        self.reply(await self.services.spaces.events(self.username, name, query))


class SpaceLogHandler(SMStudioHandler):
    @operation("Lifecycle script output, from a cursor", tag=TAG, query=LogQuery,
               response=LogPage, errors=(404,))  # fmt: skip
    async def get(self, name: str) -> None:
        cursor = self.query(LogQuery).cursor
        chunk = await self.services.spaces.lifecycle_log(self.username, name, cursor)
        self.reply(LogPage(text=chunk.text, next_cursor=chunk.next_cursor, size=chunk.size))


class SpaceKernelHandler(SMStudioHandler):
    @operation("Move one kernel of the space to another profile (restarts it)", tag=TAG,
               request=KernelProfileUpdate, response=KernelInfo, errors=(404,))  # fmt: skip
    async def put(self, name: str, kernel_id: str) -> None:
        profile = self.body(KernelProfileUpdate).profile
        info = await self.services.spaces.set_kernel_profile(
            self.username, name, kernel_id, profile
        )
        self.reply(info)


class SpaceTerminalsHandler(SMStudioHandler):
    @operation("Open a terminal in the space's files, with its kernels' environment", tag=TAG,
               response=SpaceTerminal, status=201, errors=(404, 422, 503))  # fmt: skip
    async def post(self, name: str) -> None:
        self.reply(await self.services.spaces.start_terminal(self.username, name), status=201)


ROUTES = [
    Route("/spaces", SpacesHandler),
    Route("/spaces/{name}", SpaceHandler, NAME),
    Route("/spaces/{name}/start", SpaceStartHandler, NAME),
    Route("/spaces/{name}/stop", SpaceStopHandler, NAME),
    Route("/spaces/{name}/events", SpaceEventsHandler, NAME),
    Route("/spaces/{name}/lifecycle-log", SpaceLogHandler, NAME),
    Route("/spaces/{name}/terminals", SpaceTerminalsHandler, NAME),
    Route(
        "/spaces/{name}/kernels/{kernel_id}", SpaceKernelHandler, {**NAME, "kernel_id": "Kernel."}
    ),
]
