"""Rows of ``training_jobs`` / ``training_metrics`` <-> job models (every kind)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel, Field
from sqlalchemy import and_, insert, select, update
from sqlalchemy.exc import IntegrityError

from ..errors import Conflict
from ..store import Database
from ..store.paging import ListQuery, fetch_page
from ..timeutil import now_ms
from .models import (
    FinalMetric,
    JobSummary,
    MetricPoint,
    MetricSeries,
    Secondary,
    Status,
    Transition,
)
from .schema import training_jobs as jobs
from .schema import training_metrics as metrics

SUMMARY_COLUMNS = [
    jobs.c[n]
    for n in (
        "name",
        "status",
        "secondary_status",
        "instance_type",
        "instance_count",
        "backend",
        "created_ms",
        "modified_ms",
        "started_ms",
        "ended_ms",
        "failure_reason",
        "final_metrics",
    )
]
JSON_COLUMNS = ("spec", "transitions", "final_metrics", "run")
S = TypeVar("S", bound=JobSummary)


def _decode(row: Any) -> dict[str, Any]:
    data = dict(row._mapping)
    for key in JSON_COLUMNS:
        if key in data and data[key] is not None:
            data[key] = json.loads(data[key])
    return data


def _encode(values: dict[str, Any]) -> dict[str, Any]:
    out = dict(values)
    for key in JSON_COLUMNS:
        if key in out and out[key] is not None and not isinstance(out[key], str):
            out[key] = json.dumps(out[key])
    return out


class StoredJob(BaseModel):
    """A row: any kind of job, with the server-side fields the API does not show.

    ``spec`` stays JSON here; the job's kind parses it into its own request model.
    """

    owner: str
    name: str
    kind: str
    status: Status
    secondary_status: Secondary
    status_message: str = ""
    backend: str
    instance_type: str
    instance_count: int
    spec: dict[str, Any]
    transitions: list[Transition] = Field(default_factory=list)
    final_metrics: list[FinalMetric] = Field(default_factory=list)
    failure_reason: str | None = None
    run: dict[str, Any] | None = None
    metrics_cursor: int = 0
    created_ms: int
    modified_ms: int
    started_ms: int | None = None
    ended_ms: int | None = None


class JobRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def insert(self, job: StoredJob) -> None:
        row = _encode(job.model_dump(mode="json"))
        try:
            async with self.db.transaction() as conn:
                await conn.execute(insert(jobs).values(**row))
        except IntegrityError as err:
            raise Conflict(
                f"A job named '{job.name}' already exists (training, processing and "
                "transform jobs share names).",
                field="name",
            ) from err

    async def get(self, owner: str, name: str, kind: str | None = None) -> StoredJob | None:
        """The job named ``name``; with ``kind``, only if it is of that kind."""
        stmt = select(jobs).where(jobs.c.owner == owner, jobs.c.name == name)
        if kind is not None:
            stmt = stmt.where(jobs.c.kind == kind)
        async with self.db.transaction() as conn:
            row = (await conn.execute(stmt)).first()
        return StoredJob.model_validate(_decode(row)) if row else None

    async def page(
        self, owner: str, kind: str, query: ListQuery, status: Status | None, summary: type[S]
    ) -> tuple[list[S], str | None]:
        rows, token = await self._page(SUMMARY_COLUMNS, owner, kind, query, status)
        return [summary.model_validate(r) for r in rows], token

    async def page_rows(
        self, owner: str, kind: str, query: ListQuery, status: Status | None
    ) -> tuple[list[StoredJob], str | None]:
        """Whole rows, for a kind whose list shows whole jobs (batch transform)."""
        rows, token = await self._page(list(jobs.c), owner, kind, query, status)
        return [StoredJob.model_validate(r) for r in rows], token

    async def _page(
        self, columns: list[Any], owner: str, kind: str, query: ListQuery, status: Status | None
    ) -> tuple[list[dict[str, Any]], str | None]:
        stmt = select(*columns).where(jobs.c.owner == owner, jobs.c.kind == kind)
        if status is not None:
            stmt = stmt.where(jobs.c.status == status.value)
        async with self.db.transaction() as conn:
            rows, token = await fetch_page(conn, jobs, stmt, query)
        return [_decode(r) for r in rows], token

    async def with_status(self, statuses: Iterable[Status]) -> list[StoredJob]:
        """Jobs of every owner in these statuses, oldest first (scheduling, re-attach)."""
        stmt = (
            select(jobs)
            .where(jobs.c.status.in_([s.value for s in statuses]))
            .order_by(jobs.c.created_ms, jobs.c.name)
        )
        async with self.db.transaction() as conn:
            rows = (await conn.execute(stmt)).all()
        return [StoredJob.model_validate(_decode(r)) for r in rows]

    async def update(
        self, owner: str, name: str, *, expect: Sequence[Status] | None = None, **values: Any
    ) -> bool:
        """Change columns; with ``expect``, only while the job is in one of those statuses."""
        values = _encode({**values, "modified_ms": now_ms()})
        for key in ("status", "secondary_status"):
            if key in values and hasattr(values[key], "value"):
                values[key] = values[key].value
        cond = and_(jobs.c.owner == owner, jobs.c.name == name)
        if expect is not None:
            cond = and_(cond, jobs.c.status.in_([s.value for s in expect]))
        async with self.db.transaction() as conn:
            result = await conn.execute(update(jobs).where(cond).values(**values))
        return bool(result.rowcount)

    async def add_metrics(
        self, owner: str, name: str, points: list[tuple[str, int, int, float]], cursor: int
    ) -> None:
        """Record (metric, seq, time, value) points and how far the log was read, together."""
        async with self.db.transaction() as conn:
            if points:
                await conn.execute(
                    insert(metrics),
                    [
                        {
                            "owner": owner,
                            "job": name,
                            "name": m,
                            "seq": seq,
                            "timestamp_ms": ts,
                            "value": value,
                        }
                        for m, seq, ts, value in points
                    ],
                )
            await conn.execute(
                update(jobs)
                .where(jobs.c.owner == owner, jobs.c.name == name)
                .values(metrics_cursor=cursor)
            )

    async def metrics(self, owner: str, name: str, since_ms: int = 0) -> list[MetricSeries]:
        stmt = (
            select(metrics.c.name, metrics.c.timestamp_ms, metrics.c.value)
            .where(metrics.c.owner == owner, metrics.c.job == name)
            .where(metrics.c.timestamp_ms > since_ms)
            .order_by(metrics.c.name, metrics.c.seq)
        )
        async with self.db.transaction() as conn:
            rows = (await conn.execute(stmt)).all()
        series: dict[str, list[MetricPoint]] = {}
        for metric, ts, value in rows:
            series.setdefault(metric, []).append(MetricPoint(timestamp_ms=ts, value=value))
        return [MetricSeries(name=n, points=p) for n, p in series.items()]

    async def final_metrics(self, owner: str, name: str) -> list[FinalMetric]:
        return [
            FinalMetric(
                name=s.name, value=s.points[-1].value, timestamp_ms=s.points[-1].timestamp_ms
            )
            for s in await self.metrics(owner, name)
        ]


def new_job(
    owner: str,
    kind: str,
    spec: dict[str, Any],
    *,
    backend: str,
    instance_type: str,
    instance_count: int,
    status: Status,
    secondary: Transition,
) -> StoredJob:
    now = now_ms()
    return StoredJob(
        owner=owner,
        name=spec["name"],
        kind=kind,
        spec=spec,
        status=status,
        secondary_status=secondary.status,
        status_message=secondary.message,
        transitions=[secondary],
        backend=backend,
        instance_type=instance_type,
        instance_count=instance_count,
        created_ms=now,
        modified_ms=now,
    )
