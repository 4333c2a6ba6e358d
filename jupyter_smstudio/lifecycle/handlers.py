"""HTTP <-> lifecycle configuration service; nothing else."""

from __future__ import annotations

import asyncio

from ..api.base import SMStudioHandler
from ..api.routes import Route, operation
from .models import (
    LifecycleConfig,
    LifecycleConfigCreate,
    LifecycleConfigPage,
    LifecycleConfigQuery,
)
from .templates import LifecycleTemplatePage, read_templates

TAG = "Lifecycle configurations"


class LifecycleConfigsHandler(SMStudioHandler):
    @operation(
        "List your lifecycle configurations",
        tag=TAG,
        query=LifecycleConfigQuery,
        response=LifecycleConfigPage,
    )
    async def get(self) -> None:
        query = self.query(LifecycleConfigQuery)
        self.reply(await self.services.lifecycle_configs.list(self.username, query))

    @operation(
        "Create a lifecycle configuration",
        tag=TAG,
        request=LifecycleConfigCreate,
        response=LifecycleConfig,
        status=201,
        errors=(409, 413),
    )
    async def post(self) -> None:
        spec = self.body(LifecycleConfigCreate)
        config = await self.services.lifecycle_configs.create(self.username, spec)
        self.reply(config, status=201)


class LifecycleConfigHandler(SMStudioHandler):
    @operation(
        "Describe a lifecycle configuration", tag=TAG, response=LifecycleConfig, errors=(404,)
    )
    async def get(self, name: str) -> None:
        self.reply(await self.services.lifecycle_configs.get(self.username, name))

    @operation("Delete a lifecycle configuration", tag=TAG, status=204, errors=(404, 409))
    async def delete(self, name: str) -> None:
        await self.services.lifecycle_configs.delete(self.username, name)
        self.no_content()


class LifecycleTemplatesHandler(SMStudioHandler):
    @operation("The ready lifecycle scripts, to start a configuration from", tag=TAG,
               response=LifecycleTemplatePage)  # fmt: skip
    async def get(self) -> None:
        self.reply(LifecycleTemplatePage(items=await asyncio.to_thread(read_templates)))


ROUTES = [
    Route("/lifecycle-templates", LifecycleTemplatesHandler),
    Route("/lifecycle-configs", LifecycleConfigsHandler),
    Route("/lifecycle-configs/{name}", LifecycleConfigHandler, {"name": "Configuration name."}),
]
