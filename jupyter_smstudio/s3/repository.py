"""Bucket owners (``s3_buckets``): claiming a name is one INSERT, so it is atomic."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError

from ..store import Database
from ..timeutil import now_ms
from .schema import s3_buckets as table


@dataclass(frozen=True)
class Bucket:
    name: str
    owner: str
    created_ms: int


class BucketRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def claim(self, name: str, owner: str) -> Bucket | None:
        """Record ``owner`` for ``name``; None if the name is taken (by anyone)."""
        bucket = Bucket(name, owner, now_ms())
        try:
            async with self.db.transaction() as conn:
                await conn.execute(
                    insert(table).values(name=name, owner=owner, created_ms=bucket.created_ms)
                )
        except IntegrityError:
            return None
        return bucket

    async def get(self, name: str) -> Bucket | None:
        async with self.db.transaction() as conn:
            row = (await conn.execute(select(table).where(table.c.name == name))).first()
        return Bucket(row.name, row.owner, row.created_ms) if row is not None else None

    async def of_owner(self, owner: str) -> list[Bucket]:
        async with self.db.transaction() as conn:
            rows = (
                await conn.execute(
                    select(table).where(table.c.owner == owner).order_by(table.c.name)
                )
            ).all()
        return [Bucket(r.name, r.owner, r.created_ms) for r in rows]

    async def release(self, name: str) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(delete(table).where(table.c.name == name))
