"""Rows of ``tuning_jobs`` <-> ``StoredTuningJob``."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from ..errors import Conflict
from ..store import Database
from ..store.paging import fetch_page
from ..timeutil import now_ms
from .models import TuningJobCreate, TuningJobQuery, TuningJobSummary, TuningStatus
from .schema import tuning_jobs as table


class StoredTuningJob(BaseModel):
    owner: str
    name: str
    status: TuningStatus
    strategy: str
    spec: TuningJobCreate
    failure_reason: str | None = None
    created_ms: int
    modified_ms: int
    ended_ms: int | None = None

    @property
    def study_name(self) -> str:
        """Unique in Optuna's storage even if the name is used again after a reset."""
        return f"{self.owner}/{self.name}/{self.created_ms}"


def _model(row: Any) -> StoredTuningJob:
    data = dict(row._mapping)
    data["spec"] = json.loads(data["spec"])
    return StoredTuningJob.model_validate(data)


class TuningRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def insert(self, job: StoredTuningJob) -> None:
        row = job.model_dump(mode="json")
        row["spec"] = json.dumps(row["spec"])
        try:
            async with self.db.transaction() as conn:
                await conn.execute(insert(table).values(**row))
        except IntegrityError as err:
            raise Conflict(
                f"A hyperparameter tuning job named '{job.name}' already exists.", field="name"
            ) from err

    async def get(self, owner: str, name: str) -> StoredTuningJob | None:
        stmt = select(table).where(table.c.owner == owner, table.c.name == name)
        async with self.db.transaction() as conn:
            row = (await conn.execute(stmt)).first()
        return _model(row) if row else None

    async def page(
        self, owner: str, query: TuningJobQuery
    ) -> tuple[list[TuningJobSummary], str | None]:
        columns = [table.c[n] for n in TuningJobSummary.model_fields]
        stmt = select(*columns).where(table.c.owner == owner)
        if query.status is not None:
            stmt = stmt.where(table.c.status == query.status.value)
        async with self.db.transaction() as conn:
            rows, token = await fetch_page(conn, table, stmt, query)
        return [TuningJobSummary.model_validate(dict(r._mapping)) for r in rows], token

    async def with_status(self, statuses: Iterable[TuningStatus]) -> list[StoredTuningJob]:
        stmt = select(table).where(table.c.status.in_([s.value for s in statuses]))
        async with self.db.transaction() as conn:
            rows = (await conn.execute(stmt.order_by(table.c.created_ms))).all()
        return [_model(r) for r in rows]

    async def update(self, owner: str, name: str, **values: Any) -> None:
        values["modified_ms"] = now_ms()
        if isinstance(values.get("status"), TuningStatus):
            values["status"] = values["status"].value
        async with self.db.transaction() as conn:
            await conn.execute(
                update(table).where(table.c.owner == owner, table.c.name == name).values(**values)
            )
