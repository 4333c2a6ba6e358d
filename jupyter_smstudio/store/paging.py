"""One way to page, filter and sort every list endpoint.

Lists take ``limit``, ``next_token``, ``name_contains``, ``sort_by`` and
``sort_order`` (SageMaker's MaxResults/NextToken/NameContains/SortBy/SortOrder)
and answer ``{"items": [...], "next_token": ...}``. The token is opaque to
clients; it carries the offset and a fingerprint of the filters, so a token
reused with other filters is refused instead of silently skipping rows.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Sequence
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import ColumnElement, Select, Table, asc, desc
from sqlalchemy.ext.asyncio import AsyncConnection

from ..errors import InvalidInput

T = TypeVar("T")

SORT_COLUMNS = {"name": "name", "created": "created_ms", "modified": "modified_ms"}


class ListQuery(BaseModel):
    """Query parameters common to every list endpoint."""

    model_config = ConfigDict(extra="forbid")

    limit: int = Field(50, ge=1, le=1000, description="Page size.")
    next_token: str | None = Field(None, description="Token from the previous page.")
    name_contains: str | None = Field(
        None, max_length=256, description="Only items whose name contains this text."
    )
    sort_by: Literal["name", "created", "modified"] = "created"
    sort_order: Literal["asc", "desc"] = "desc"

    def fingerprint(self) -> str:
        filters = self.model_dump(exclude={"limit", "next_token"})
        return hashlib.sha256(json.dumps(filters, sort_keys=True).encode()).hexdigest()[:16]


class Page(BaseModel, Generic[T]):
    """One page of a list."""

    items: list[T]
    next_token: str | None = None


def encode_token(offset: int, query: ListQuery) -> str:
    raw = json.dumps({"o": offset, "f": query.fingerprint()}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(query: ListQuery) -> int:
    if not query.next_token:
        return 0
    try:
        padded = query.next_token + "=" * (-len(query.next_token) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded))
        offset = int(data["o"])
        fingerprint = str(data["f"])
    except (ValueError, KeyError, TypeError) as err:
        raise InvalidInput(
            "next_token is not a token this server issued.", field="next_token"
        ) from err
    if offset < 0 or fingerprint != query.fingerprint():
        raise InvalidInput(
            "next_token belongs to a list with other filters; start again without it.",
            field="next_token",
        )
    return offset


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def fetch_page(
    conn: AsyncConnection,
    table: Table,
    stmt: Select[Any],
    query: ListQuery,
    *,
    sort_column: ColumnElement[Any] | None = None,
) -> tuple[Sequence[Any], str | None]:
    """Apply the common filters, order and window to ``stmt``; return rows and next token.

    ``sort_column`` replaces ``sort_by`` for tables ordered by one column (event logs).
    """
    offset = decode_token(query)
    if query.name_contains and "name" in table.c:
        pattern = f"%{_escape_like(query.name_contains)}%"
        stmt = stmt.where(table.c.name.like(pattern, escape="\\"))
    order = asc if query.sort_order == "asc" else desc
    column = sort_column if sort_column is not None else table.c[SORT_COLUMNS[query.sort_by]]
    tiebreak = table.c.name if "name" in table.c else next(iter(table.primary_key))
    stmt = stmt.order_by(order(column), order(tiebreak))
    rows = (await conn.execute(stmt.offset(offset).limit(query.limit + 1))).all()
    more = len(rows) > query.limit
    token = encode_token(offset + query.limit, query) if more else None
    return rows[: query.limit], token
