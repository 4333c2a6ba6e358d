"""Rows of ``lifecycle_configs`` <-> ``LifecycleConfig`` models."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError

from ..errors import Conflict
from ..store import Database
from ..store.paging import fetch_page
from .models import LifecycleConfig, LifecycleConfigPage, LifecycleConfigQuery
from .schema import lifecycle_configs as table


def _model(row: Any) -> LifecycleConfig:
    return LifecycleConfig.model_validate(dict(row._mapping))


class LifecycleConfigRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def insert(self, config: LifecycleConfig) -> None:
        try:
            async with self.db.transaction() as conn:
                await conn.execute(insert(table).values(**config.model_dump(mode="json")))
        except IntegrityError as err:
            raise Conflict(
                f"A lifecycle configuration named '{config.name}' already exists.", field="name"
            ) from err

    async def get(self, owner: str, name: str) -> LifecycleConfig | None:
        async with self.db.transaction() as conn:
            row = (
                await conn.execute(
                    select(table).where(table.c.owner == owner, table.c.name == name)
                )
            ).first()
        return _model(row) if row else None

    async def list(self, owner: str, query: LifecycleConfigQuery) -> LifecycleConfigPage:
        stmt = select(table).where(table.c.owner == owner)
        if query.type is not None:
            stmt = stmt.where(table.c.type == query.type.value)
        async with self.db.transaction() as conn:
            rows, token = await fetch_page(conn, table, stmt, query)
        return LifecycleConfigPage(items=[_model(r) for r in rows], next_token=token)

    async def delete(self, owner: str, name: str) -> bool:
        async with self.db.transaction() as conn:
            result = await conn.execute(
                delete(table).where(table.c.owner == owner, table.c.name == name)
            )
        return bool(result.rowcount)
