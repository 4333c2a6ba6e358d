"""One way to page, filter and sort every list endpoint.

Lists take ``limit``, ``next_token``, ``name_contains``, ``sort_by`` and
``sort_order`` (SageMaker's MaxResults/NextToken/NameContains/SortBy/SortOrder)
and answer ``{"items": [...], "next_token": ...}``. The token is opaque to
clients; it carries the sort key of the last item returned and a fingerprint of
the filters, so a token reused with other filters is refused instead of
silently skipping rows.

Pages are cut by key, not by offset: the next page is "the rows after this key
in this order", which an index answers directly, so the last page of 100,000
rows costs what the first does (``OFFSET`` made the database count past every
earlier row), and rows created or deleted between two calls never make a page
repeat or skip one of the rows that were there all along. The key is the sort
column plus a tie-break unique among the listed rows (``name``: every list is
within one owner or of globally unique names; else the primary key), so ties
in the sort column are neither split nor dropped.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import ColumnElement, Select, Table, asc, desc, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection

from ..errors import InvalidInput

T = TypeVar("T")

#: What a key holds: the values of the sort column and the tie-break, in order.
Key = tuple[int | str, ...]

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


def encode_token(key: Key, query: ListQuery) -> str:
    """The token for the page after the item whose sort key is ``key``."""
    raw = json.dumps({"k": list(key), "f": query.fingerprint()}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(query: ListQuery, types: Sequence[type] | None) -> Key | None:
    """The key the page starts after (``None``: the first page).

    ``types`` are the key's Python types: a token whose key does not have them
    was not issued for this list and is refused (400 naming ``next_token``).
    ``None`` checks only the format and the filters (a list with nothing in it).
    """
    if not query.next_token:
        return None
    try:
        padded = query.next_token + "=" * (-len(query.next_token) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded))
        key = tuple(data["k"])
        fingerprint = str(data["f"])
    except (ValueError, KeyError, TypeError) as err:
        raise InvalidInput(
            "next_token is not a token this server issued.", field="next_token"
        ) from err
    if fingerprint != query.fingerprint():
        raise InvalidInput(
            "next_token belongs to a list with other filters; start again without it.",
            field="next_token",
        )
    if types is None:
        return key
    if len(key) != len(types) or any(type(v) is not t for v, t in zip(key, types, strict=False)):
        raise InvalidInput(
            "next_token belongs to a list in another order; start again without it.",
            field="next_token",
        )
    return key


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def key_columns(
    table: Table, query: ListQuery, sort_column: ColumnElement[Any] | None = None
) -> list[ColumnElement[Any]]:
    """The columns a page is ordered and cut by: the sort column, then the tie-break."""
    column = sort_column if sort_column is not None else table.c[SORT_COLUMNS[query.sort_by]]
    tiebreak = [table.c.name] if "name" in table.c else list(table.primary_key)
    return [column, *(c for c in tiebreak if c is not column)]


async def fetch_page(
    conn: AsyncConnection,
    table: Table,
    stmt: Select[Any],
    query: ListQuery,
    *,
    sort_column: ColumnElement[Any] | None = None,
) -> tuple[Sequence[Any], str | None]:
    """Apply the common filters, order and window to ``stmt``; return rows and next token.

    ``stmt`` must select the key columns (see ``key_columns``): the token is
    made from the last row. ``sort_column`` replaces ``sort_by`` for tables
    ordered by one column (event logs).
    """
    key = key_columns(table, query, sort_column)
    after = decode_token(query, [c.type.python_type for c in key])
    if query.name_contains and "name" in table.c:
        pattern = f"%{_escape_like(query.name_contains)}%"
        stmt = stmt.where(table.c.name.like(pattern, escape="\\"))
    ascending = query.sort_order == "asc"
    if after is not None:
        # A row-value comparison: one range over an index on the key, in both
        # SQLite (3.15+) and PostgreSQL; a single column compares as itself.
        left = tuple_(*key) if len(key) > 1 else key[0]
        right = tuple_(*after) if len(key) > 1 else after[0]
        stmt = stmt.where(left > right if ascending else left < right)
    order = asc if ascending else desc
    stmt = stmt.order_by(*(order(c) for c in key)).limit(query.limit + 1)
    rows = (await conn.execute(stmt)).all()
    page = rows[: query.limit]
    more = len(rows) > query.limit
    token = encode_token(tuple(page[-1]._mapping[c] for c in key), query) if more else None
    return page, token


def page_items(
    items: Iterable[T], query: ListQuery, key: Callable[[T], Key]
) -> tuple[list[T], str | None]:
    """``fetch_page`` for a list held in memory (files on disk): same order, same tokens.

    ``key`` gives an item's sort value then a value unique among the items.
    """
    ordered = sorted(items, key=key, reverse=query.sort_order == "desc")
    after = decode_token(query, [type(v) for v in key(ordered[0])] if ordered else None)
    if after is not None and ordered:
        ascending = query.sort_order == "asc"
        ordered = [i for i in ordered if (key(i) > after if ascending else key(i) < after)]
    page = ordered[: query.limit]
    more = len(ordered) > query.limit
    return page, encode_token(key(page[-1]), query) if more else None
