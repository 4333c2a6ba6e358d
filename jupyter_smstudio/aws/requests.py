"""The original AWS requests of resources (``schema.requests``), read whole."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import delete, insert, select

from ..store import Database
from ..timeutil import now_ms
from .schema import requests as table


class RequestStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def put(self, owner: str, kind: str, name: str, request: dict[str, Any]) -> None:
        """Keep ``request``, replacing one left by an earlier resource of that name."""
        key = (table.c.owner == owner, table.c.kind == kind, table.c.name == name)
        async with self.db.transaction() as conn:
            await conn.execute(delete(table).where(*key))
            await conn.execute(
                insert(table).values(
                    owner=owner,
                    kind=kind,
                    name=name,
                    request=json.dumps(request),
                    created_ms=now_ms(),
                )
            )

    async def get(self, owner: str, kind: str, name: str) -> dict[str, Any] | None:
        async with self.db.transaction() as conn:
            row = (
                await conn.execute(
                    select(table.c.request).where(
                        table.c.owner == owner, table.c.kind == kind, table.c.name == name
                    )
                )
            ).first()
        return None if row is None else json.loads(row.request)

    async def many(self, owner: str, kind: str, names: list[str]) -> dict[str, dict[str, Any]]:
        if not names:
            return {}
        async with self.db.transaction() as conn:
            rows = (
                await conn.execute(
                    select(table.c.name, table.c.request).where(
                        table.c.owner == owner, table.c.kind == kind, table.c.name.in_(names)
                    )
                )
            ).all()
        return {r.name: json.loads(r.request) for r in rows}
