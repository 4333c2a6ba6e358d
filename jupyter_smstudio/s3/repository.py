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
    """Owners are cached once read (every S3 request asks): a bucket changes owner only
    by being deleted and claimed again, and both go through ``release`` here."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._owners: dict[str, Bucket] = {}

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
        found = self._owners.get(name)
        if found is not None:
            return found
        async with self.db.transaction() as conn:
            row = (await conn.execute(select(table).where(table.c.name == name))).first()
        if row is None:
            return None
        found = self._owners[name] = Bucket(row.name, row.owner, row.created_ms)
        return found

    async def of_owner(self, owner: str) -> list[Bucket]:
        async with self.db.transaction() as conn:
            rows = (
                await conn.execute(
                    select(table).where(table.c.owner == owner).order_by(table.c.name)
                )
            ).all()
        return [Bucket(r.name, r.owner, r.created_ms) for r in rows]

    async def release(self, name: str) -> None:
        self._owners.pop(name, None)
        async with self.db.transaction() as conn:
            await conn.execute(delete(table).where(table.c.name == name))
