"""Hosting documents <-> rows: one small generic repository for every resource kind."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy import Table, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from ..errors import Conflict, NotFound
from ..store import Database
from ..store.paging import ListQuery, fetch_page
from ..store.rows import read_row, readable

D = TypeVar("D", bound=BaseModel)


class DocumentRepository(Generic[D]):
    """Rows keyed by (owner, name) holding a model as JSON plus its status column."""

    def __init__(self, db: Database, table: Table, model: type[D], noun: str) -> None:
        self.db = db
        self.table = table
        self.model = model
        self.noun = noun

    def _row(self, doc: D) -> dict[str, Any]:
        data = doc.model_dump(mode="json")
        return {
            "owner": data["owner"],
            "name": data["name"],
            "status": str(data.get("status", "")),
            "doc": doc.model_dump_json(),
            "created_ms": data["created_ms"],
            "modified_ms": data["modified_ms"],
        }

    def _doc(self, row: Any) -> D:
        return self.model.model_validate_json(row.doc)

    def _docs(self, rows: Sequence[Any]) -> list[D]:
        """The documents that read; damaged rows are logged and left out."""
        return readable(self._doc, rows, self.noun, lambda row: f"{row.owner}/{row.name}")

    async def insert(self, doc: D) -> None:
        try:
            async with self.db.transaction() as conn:
                await conn.execute(insert(self.table).values(**self._row(doc)))
        except IntegrityError as err:
            name = getattr(doc, "name", "")
            raise Conflict(f"A {self.noun} named '{name}' already exists.", field="name") from err

    async def save(self, doc: D) -> None:
        row = self._row(doc)
        t = self.table
        async with self.db.transaction() as conn:
            await conn.execute(
                update(t).where(t.c.owner == row["owner"], t.c.name == row["name"]).values(**row)
            )

    async def get(self, owner: str, name: str) -> D | None:
        t = self.table
        async with self.db.transaction() as conn:
            row = (
                await conn.execute(select(t).where(t.c.owner == owner, t.c.name == name))
            ).first()
        return read_row(self._doc, row, self.noun, name) if row else None

    async def require(self, owner: str, name: str, field: str = "name") -> D:
        """The document, or the 404 naming ``field`` every service would otherwise write."""
        doc = await self.get(owner, name)
        if doc is None:
            raise NotFound(f"No {self.noun} named '{name}'.", field=field)
        return doc

    async def page(
        self, owner: str, query: ListQuery, status: str | None = None
    ) -> tuple[list[D], str | None]:
        t = self.table
        stmt = select(t).where(t.c.owner == owner)
        if status is not None:
            stmt = stmt.where(t.c.status == status)
        async with self.db.transaction() as conn:
            rows, token = await fetch_page(conn, t, stmt, query)
        return self._docs(rows), token

    async def all_with_status(self, statuses: Sequence[str]) -> list[D]:
        t = self.table
        async with self.db.transaction() as conn:
            rows = (await conn.execute(select(t).where(t.c.status.in_(statuses)))).all()
        return self._docs(rows)

    async def delete(self, owner: str, name: str) -> bool:
        t = self.table
        async with self.db.transaction() as conn:
            result = await conn.execute(delete(t).where(t.c.owner == owner, t.c.name == name))
        return bool(result.rowcount)

    async def remove(self, owner: str, name: str) -> None:
        """Delete the document; a 404 when there was none."""
        if not await self.delete(owner, name):
            raise NotFound(f"No {self.noun} named '{name}'.", field="name")
