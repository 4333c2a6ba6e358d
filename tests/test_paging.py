"""Pages cut by key: every row once, in order, whatever the ties and the writes between pages."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import delete, insert, select

from jupyter_smstudio.areas import all_migrations
from jupyter_smstudio.errors import InvalidInput
from jupyter_smstudio.lifecycle.schema import lifecycle_configs as configs
from jupyter_smstudio.spaces.schema import space_events as events
from jupyter_smstudio.store import Database
from jupyter_smstudio.store.database import sqlite_url
from jupyter_smstudio.store.paging import (
    SORT_COLUMNS,
    ListQuery,
    encode_token,
    fetch_page,
    page_items,
)

from .conftest import ApiCall

T = TypeVar("T")
ORDERS = list(itertools.product(("name", "created", "modified"), ("asc", "desc")))


def run(coro: Awaitable[T]) -> T:
    return asyncio.run(coro)  # type: ignore[arg-type]


def config_rows(n: int) -> list[dict[str, Any]]:
    """Rows with many ties: 3 per created_ms, 4 per modified_ms, names out of created order."""
    return [
        {
            "owner": "alice",
            "name": f"cfg-{(i * 7) % n:03d}",
            "type": "on-start",
            "content": "true",
            "description": "",
            "created_ms": 1000 + i // 3,
            "modified_ms": 5000 - i // 4,
        }
        for i in range(n)
    ]


def expected(rows: list[dict[str, Any]], sort_by: str, order: str) -> list[str]:
    """The documented order: the sort column, then the name, both in the asked direction."""
    column = SORT_COLUMNS[sort_by]
    ordered = sorted(rows, key=lambda r: (r[column], r["name"]), reverse=order == "desc")
    return [r["name"] for r in ordered]


class Store:
    """A migrated SQLite file and the list call every lifecycle-config list makes."""

    def __init__(self, path: Path) -> None:
        self.db = Database(sqlite_url(path), all_migrations())

    async def add(self, rows: list[dict[str, Any]]) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(insert(configs), rows)

    async def remove(self, name: str) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(delete(configs).where(configs.c.name == name))

    async def page(self, query: ListQuery) -> tuple[list[str], str | None]:
        stmt = select(configs).where(configs.c.owner == "alice")
        async with self.db.transaction() as conn:
            rows, token = await fetch_page(conn, configs, stmt, query)
        return [r.name for r in rows], token


async def walk(
    page: Callable[[ListQuery], Awaitable[tuple[list[str], str | None]]],
    query: ListQuery,
    between: Callable[[int, list[str]], Awaitable[None]] | None = None,
) -> list[str]:
    """Every name, following next_token; ``between`` runs after each page."""
    seen: list[str] = []
    for number in itertools.count():
        names, token = await page(query)
        assert len(names) <= query.limit
        seen += names
        if token is None:
            return seen
        if between is not None:
            await between(number, seen)
        query = query.model_copy(update={"next_token": token})
    raise AssertionError("unreachable")


@pytest.mark.parametrize(("sort_by", "order"), ORDERS)
def test_pages_with_ties_hold_every_row_once_in_order(
    tmp_path: Path, sort_by: str, order: str
) -> None:
    rows = config_rows(40)

    async def scenario() -> None:
        store = Store(tmp_path / "s.db")
        await store.add(rows)
        for limit in (1, 2, 3, 7, 39, 40, 41):
            query = ListQuery(limit=limit, sort_by=sort_by, sort_order=order)  # type: ignore[arg-type]
            assert await walk(store.page, query) == expected(rows, sort_by, order), limit
        await store.db.close()

    run(scenario())


@pytest.mark.parametrize(("sort_by", "order"), ORDERS)
def test_rows_written_between_pages_never_repeat_or_hide_the_others(
    tmp_path: Path, sort_by: str, order: str
) -> None:
    """After every other page a row lands before the cursor and one after it; after
    the others two seen rows go.

    Every row that was there from start to end is listed exactly once (with
    OFFSET, each insert before the cursor repeated a row and each delete hid one).
    """
    rows = config_rows(30)
    added: list[str] = []

    async def scenario() -> list[str]:
        store = Store(tmp_path / "s.db")
        await store.add(rows)

        async def write(number: int, seen: list[str]) -> None:
            if number % 2:
                await store.remove(seen[-1])
                await store.remove(seen[-2])
                return
            column = SORT_COLUMNS[sort_by]
            values = sorted(r[column] for r in rows)
            first, last = (values[0], values[-1]) if order == "asc" else (values[-1], values[0])
            for where, value in (("before", first), ("after", last)):
                name = f"new-{where}-{number:02d}"
                row = {**rows[0], "name": name, "created_ms": value, "modified_ms": value}
                if sort_by == "name":  # before/after the cursor by name
                    up = (where == "after") == (order == "asc")
                    row["name"] = ("zz-" if up else "aa-") + name
                await store.add([row])
                added.append(row["name"])

        seen = await walk(store.page, ListQuery(limit=4, sort_by=sort_by, sort_order=order), write)  # type: ignore[arg-type]
        await store.db.close()
        return seen

    seen = run(scenario())
    assert len(seen) == len(set(seen)), f"a row came twice: {seen}"
    original = [n for n in seen if n not in added]
    assert original == expected(rows, sort_by, order)


@pytest.mark.parametrize("order", ["asc", "desc"])
def test_event_logs_page_by_time_then_id(tmp_path: Path, order: str) -> None:
    """Tables without names break ties by their primary key."""
    rows = [
        {"id": f"{i:032x}", "space": "s", "time_ms": 100 + i // 5, "kind": "k", "message": str(i)}
        for i in range(23)
    ]
    db = Database(sqlite_url(tmp_path / "s.db"), all_migrations())

    async def page(query: ListQuery) -> tuple[list[str], str | None]:
        stmt = select(events).where(events.c.space == "s")
        async with db.transaction() as conn:
            got, token = await fetch_page(conn, events, stmt, query, sort_column=events.c.time_ms)
        return [r.id for r in got], token

    async def scenario() -> list[str]:
        async with db.transaction() as conn:
            await conn.execute(insert(events), rows)
        seen = await walk(page, ListQuery(limit=4, sort_order=order))  # type: ignore[arg-type]
        await db.close()
        return seen

    ordered = sorted(rows, key=lambda r: (r["time_ms"], r["id"]), reverse=order == "desc")
    assert run(scenario()) == [r["id"] for r in ordered]


def test_tokens_that_do_not_fit_the_list_are_refused_naming_next_token(tmp_path: Path) -> None:
    """Forged keys (wrong types, lengths) and tokens of the old offset form are a 400."""
    by_name = ListQuery(sort_by="name")
    by_created = ListQuery()
    forged = [
        (by_created, encode_token(("1000", "cfg-001"), by_created)),  # text where ms go
        (by_created, encode_token((1000,), by_created)),  # a name-sorted key
        (by_name, encode_token((1000,), by_name)),
        (by_created, "eyJvIjogNTAsICJmIjogIngifQ"),  # {"o": 50, "f": "x"}: the old form
        (by_created, "not a token"),
    ]

    async def scenario() -> list[str]:
        store = Store(tmp_path / "s.db")
        await store.add(config_rows(5))
        fields = []
        for query, token in forged:
            with pytest.raises(InvalidInput) as refused:
                await store.page(query.model_copy(update={"next_token": token}))
            fields.append(refused.value.field)
        await store.db.close()
        return fields

    assert run(scenario()) == ["next_token"] * len(forged)


@pytest.mark.parametrize(("sort_by", "order"), ORDERS)
def test_lists_held_in_memory_page_the_same_way(sort_by: str, order: str) -> None:
    rows = config_rows(17)
    items = [type("Item", (), r)() for r in rows]
    column = SORT_COLUMNS[sort_by]

    def key(item: Any) -> tuple[int | str, ...]:
        return (getattr(item, column), item.name)

    query = ListQuery(limit=3, sort_by=sort_by, sort_order=order)  # type: ignore[arg-type]
    seen: list[str] = []
    while True:
        page, token = page_items(items, query, key)
        seen += [i.name for i in page]
        if token is None:
            break
        query = query.model_copy(update={"next_token": token})
    assert seen == expected(rows, sort_by, order)
    empty, token = page_items([], query, key)  # everything went since the last page
    assert (empty, token) == ([], None)


@pytest.mark.usefixtures("jp_serverapp")
async def test_listing_while_others_create_and_delete_shows_each_config_once(
    api: ApiCall,
) -> None:
    """Newest first; a config created after every page, two seen ones deleted after every other."""
    for i in range(9):
        body = {"name": f"cfg-{i}", "type": "on-start", "content": "true"}
        assert (await api("POST", "lifecycle-configs", body)).status == 201
    seen: list[str] = []
    params = {"limit": "2"}
    for number in itertools.count():
        reply = await api("GET", "lifecycle-configs", params=params)
        assert reply.status == 200, reply.json
        seen += [c["name"] for c in reply.json["items"]]
        if not reply.json["next_token"]:
            break
        body = {"name": f"new-{number}", "type": "on-start", "content": "true"}
        assert (await api("POST", "lifecycle-configs", body)).status == 201
        for name in seen[-2:] if number % 2 else ():
            assert (await api("DELETE", f"lifecycle-configs/{name}")).status == 204
        params = {**params, "next_token": reply.json["next_token"]}
    assert seen == [f"cfg-{i}" for i in reversed(range(9))]
