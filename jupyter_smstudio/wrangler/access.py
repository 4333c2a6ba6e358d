"""Who owns each flow file: rows of ``wrangler_flows`` <-> ``FlowAccess``.

A flow is a file in a directory several users may share, so its owner cannot live
in the file (a copy in a colleague's clone of the repository would still be
yours). The Data Wrangler records the owner of each flow it creates, by the
file's path relative to the root. A file it did not create (from a version that
recorded no owners, copied, or written by hand) has no record: every user of the
server may use it, as before, until one sets its sharing and so becomes its owner.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import delete, insert, select

from ..sharing import Sharing
from ..store import Database
from ..timeutil import now_ms
from .schema import flows


class FlowAccess(BaseModel):
    owner: str
    sharing: Sharing = Sharing.PRIVATE
    members: list[str] = Field(default_factory=list)


#: How the API shows a flow without an owner: shared with every user of the server.
UNOWNED: dict[str, Any] = {"owner": None, "sharing": Sharing.SHARED, "members": []}


def shown(access: FlowAccess | None) -> dict[str, Any]:
    """The ``owner``, ``sharing`` and ``members`` fields of a flow in the API."""
    return dict(UNOWNED) if access is None else access.model_dump()


def _id(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


def _access(row: Any) -> FlowAccess:
    return FlowAccess(owner=row.owner, sharing=row.sharing, members=json.loads(row.members))


class FlowAccessRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, name: str) -> FlowAccess | None:
        async with self.db.transaction() as conn:
            row = (await conn.execute(select(flows).where(flows.c.id == _id(name)))).first()
        return _access(row) if row else None

    async def all(self) -> dict[str, FlowAccess]:
        """Every recorded flow by name (listing compares them with the files found)."""
        async with self.db.transaction() as conn:
            return {row.name: _access(row) for row in await conn.execute(select(flows))}

    async def put(self, name: str, access: FlowAccess) -> None:
        """Record ``access`` for ``name``, replacing a record left by a file deleted by hand."""
        async with self.db.transaction() as conn:
            await conn.execute(delete(flows).where(flows.c.id == _id(name)))
            await conn.execute(
                insert(flows).values(
                    id=_id(name),
                    name=name,
                    owner=access.owner,
                    sharing=access.sharing.value,
                    members=json.dumps(access.members),
                    recorded_ms=now_ms(),
                )
            )

    async def delete(self, name: str) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(delete(flows).where(flows.c.id == _id(name)))
