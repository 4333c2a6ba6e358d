"""Rows of ``spaces``/``space_events`` <-> models."""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from ..errors import Conflict
from ..sharing import Sharing
from ..store import Database
from ..store.paging import ListQuery, fetch_page
from ..store.rows import read_row, readable
from ..timeutil import now_ms
from .kernelspecs import kernel_name
from .models import Space, SpaceEvent, SpaceEventPage, SpacePage, SpaceQuery
from .schema import space_events, spaces

JSON_COLUMNS = ("members", "lifecycle_configs")


def _model(row: Any) -> Space:
    """The space in ``row``; a ValueError or TypeError if it does not read as one."""
    data = dict(row._mapping)
    for key in JSON_COLUMNS:
        data[key] = json.loads(data[key])
    data.pop("run_pid", None)
    data["kernel_name"] = kernel_name(data["name"])  # derived, not stored
    return Space.model_validate(data)


def _spaces(rows: Any) -> list[Space]:
    """The spaces in ``rows`` that read; damaged ones are logged and left out."""
    return readable(_model, rows, "space", lambda row: str(row.name))


def _members(text: str) -> list[str]:
    """A row's members; none when the column is damaged (the row is skipped elsewhere)."""
    try:
        members = json.loads(text)
    except (TypeError, ValueError):
        return []
    return members if isinstance(members, list) else []


def _row(space: Space) -> dict[str, Any]:
    data = space.model_dump(mode="json", exclude={"kernel_name"})
    for key in JSON_COLUMNS:
        data[key] = json.dumps(data[key])
    return data


def visible_to(user: str) -> Any:
    """Owners see their spaces; members see shared spaces they belong to."""
    member = spaces.c.members.like(f'%"{json.dumps(user)[1:-1]}"%')
    return or_(spaces.c.owner == user, (spaces.c.sharing == Sharing.SHARED.value) & member)


class SpaceRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def insert(self, space: Space) -> None:
        try:
            async with self.db.transaction() as conn:
                await conn.execute(insert(spaces).values(**_row(space)))
        except IntegrityError as err:
            raise Conflict(f"A space named '{space.name}' already exists.", field="name") from err

    async def get(self, name: str) -> Space | None:
        async with self.db.transaction() as conn:
            row = (await conn.execute(select(spaces).where(spaces.c.name == name))).first()
        return read_row(_model, row, "space", name) if row else None

    async def all(self) -> list[Space]:
        async with self.db.transaction() as conn:
            return _spaces(await conn.execute(select(spaces)))

    async def usable_by(self, user: str) -> list[str]:
        """Names of the spaces ``user`` owns or is a member of (shared ones)."""
        columns = (spaces.c.name, spaces.c.owner, spaces.c.members)
        async with self.db.transaction() as conn:
            rows = (await conn.execute(select(*columns).where(visible_to(user)))).all()
        # visible_to's LIKE may over-match (``_`` in a name); membership is decided here.
        return [r.name for r in rows if r.owner == user or user in _members(r.members)]

    async def list(self, user: str, query: SpaceQuery) -> SpacePage:
        stmt = select(spaces).where(visible_to(user))
        if query.status is not None:
            stmt = stmt.where(spaces.c.status == query.status.value)
        async with self.db.transaction() as conn:
            rows, token = await fetch_page(conn, spaces, stmt, query)
        return SpacePage(items=_spaces(rows), next_token=token)

    async def save(self, space: Space, **extra: Any) -> None:
        """Write every field of ``space`` (plus raw columns in ``extra``)."""
        values = {**_row(space), **extra}
        async with self.db.transaction() as conn:
            await conn.execute(update(spaces).where(spaces.c.name == space.name).values(**values))

    async def run_pid(self, name: str) -> int | None:
        async with self.db.transaction() as conn:
            row = (
                await conn.execute(select(spaces.c.run_pid).where(spaces.c.name == name))
            ).first()
        return int(row[0]) if row and row[0] else None

    async def delete(self, name: str) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(delete(space_events).where(space_events.c.space == name))
            await conn.execute(delete(spaces).where(spaces.c.name == name))

    async def add_event(self, space: str, kind: str, message: str) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                insert(space_events).values(
                    id=uuid.uuid4().hex, space=space, time_ms=now_ms(), kind=kind, message=message
                )
            )

    async def events(self, space: str, query: ListQuery) -> SpaceEventPage:
        stmt = select(space_events).where(space_events.c.space == space)
        async with self.db.transaction() as conn:
            rows, token = await fetch_page(
                conn, space_events, stmt, query, sort_column=space_events.c.time_ms
            )
        return SpaceEventPage(
            items=[SpaceEvent(time_ms=r.time_ms, kind=r.kind, message=r.message) for r in rows],
            next_token=token,
        )
