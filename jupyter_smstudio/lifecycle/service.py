"""Rules for lifecycle configurations: validation, ownership, immutability."""

from __future__ import annotations

from ..errors import NotFound, PayloadTooLarge
from ..timeutil import now_ms
from .models import (
    MAX_CONTENT_CHARS,
    LifecycleConfig,
    LifecycleConfigCreate,
    LifecycleConfigPage,
    LifecycleConfigQuery,
)
from .repository import LifecycleConfigRepository


class LifecycleConfigService:
    def __init__(self, repository: LifecycleConfigRepository) -> None:
        self.repository = repository

    async def create(self, owner: str, spec: LifecycleConfigCreate) -> LifecycleConfig:
        if len(spec.content) > MAX_CONTENT_CHARS:
            raise PayloadTooLarge(
                f"content has {len(spec.content)} characters; the limit is {MAX_CONTENT_CHARS}.",
                field="content",
            )
        now = now_ms()
        config = LifecycleConfig(**spec.model_dump(), owner=owner, created_ms=now, modified_ms=now)
        await self.repository.insert(config)
        return config

    async def get(self, owner: str, name: str) -> LifecycleConfig:
        config = await self.repository.get(owner, name)
        if config is None:
            raise NotFound(f"No lifecycle configuration named '{name}'.", field="name")
        return config

    async def list(self, owner: str, query: LifecycleConfigQuery) -> LifecycleConfigPage:
        return await self.repository.list(owner, query)

    async def delete(self, owner: str, name: str) -> None:
        if not await self.repository.delete(owner, name):
            raise NotFound(f"No lifecycle configuration named '{name}'.", field="name")
