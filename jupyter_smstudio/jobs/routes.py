"""The REST routes every kind of job run by the runner has: list, create, describe,
stop and read the log. One definition, so the kinds cannot drift apart."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from pydantic import BaseModel

from ..api.base import SMStudioHandler
from ..api.routes import Route, operation
from .models import LogChunkModel, LogQuery


class JobService(Protocol):
    async def list(self, owner: str, query: Any) -> Any: ...
    async def create(self, owner: str, spec: Any) -> Any: ...
    async def get(self, owner: str, name: str) -> Any: ...
    async def stop(self, owner: str, name: str) -> Any: ...
    async def logs(self, owner: str, name: str, cursor: int, max_bytes: int) -> Any: ...


@dataclass(frozen=True)
class JobKindApi:
    path: str  # "/training-jobs"
    noun: str  # "training job"
    tag: str
    #: The kind's service, from the server's ``Services`` (typed loosely: they sit above).
    service: Callable[[Any], JobService]
    create: type[BaseModel]
    item: type[BaseModel]
    page: type[BaseModel]
    query: type[BaseModel]
    create_summary: str  # the SageMaker API it mirrors: "Create a training job (...)"
    queue_help: str  # what a job waits behind

    @property
    def class_prefix(self) -> str:
        return "".join(word.title() for word in self.noun.split())


def job_routes(api: JobKindApi) -> list[Route]:
    """Routes (and their handler classes) of one kind of job."""

    class Jobs(SMStudioHandler):
        @operation(f"List your {api.noun}s", tag=api.tag, query=api.query, response=api.page)
        async def get(self) -> None:
            query = self.query(api.query)
            self.reply(await api.service(self.services).list(self.username, query))

        @operation(
            api.create_summary,
            tag=api.tag,
            request=api.create,
            response=api.item,
            status=201,
            errors=(409,),
            description="Everything is validated before anything runs; the job starts at once "
            f"or waits as Pending behind {api.queue_help}.",
        )
        async def post(self) -> None:
            spec = self.body(api.create)
            self.reply(await api.service(self.services).create(self.username, spec), status=201)

    class Job(SMStudioHandler):
        @operation(f"Describe a {api.noun}", tag=api.tag, response=api.item, errors=(404,))
        async def get(self, name: str) -> None:
            self.reply(await api.service(self.services).get(self.username, name))

    class Stop(SMStudioHandler):
        @operation(
            f"Stop a {api.noun} (SIGTERM, then SIGKILL after the grace period)",
            tag=api.tag,
            response=api.item,
            errors=(404, 422),
        )
        async def post(self, name: str) -> None:
            self.reply(await api.service(self.services).stop(self.username, name))

    class Logs(SMStudioHandler):
        @operation(
            f"Read a {api.noun}'s log after a cursor",
            tag=api.tag,
            query=LogQuery,
            response=LogChunkModel,
            errors=(404,),
            description="Pass next_cursor back to follow the log; finished says no more will come.",
        )
        async def get(self, name: str) -> None:
            q = self.query(LogQuery)
            service = api.service(self.services)
            self.reply(await service.logs(self.username, name, q.cursor, q.max_bytes))

    for cls, suffix in ((Jobs, "sHandler"), (Job, "Handler"), (Stop, "StopHandler"),
                        (Logs, "LogsHandler")):  # fmt: skip
        cls.__name__ = cls.__qualname__ = f"{api.class_prefix}{suffix}"
    name = {"name": f"{api.noun.capitalize()} name."}
    return [
        Route(api.path, Jobs),
        Route(f"{api.path}/{{name}}", Job, name),
        Route(f"{api.path}/{{name}}/stop", Stop, name),
        Route(f"{api.path}/{{name}}/logs", Logs, name),
    ]
