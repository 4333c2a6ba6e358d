"""Rows that no longer read as their model (written by an older version, or by hand).

Lists show the rows they can read and log each other one once, so a single damaged row
never takes down a listing, a background task such as the idle monitor, or other users'
requests; reading that row by itself is a 422 saying what is wrong with it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from pydantic import ValidationError

from ..errors import InvalidState

T = TypeVar("T")

log = logging.getLogger(__name__)

_reported: set[tuple[str, str, str]] = set()


class UnreadableRow(InvalidState):
    """A stored row that does not read as its model (422: it must be repaired)."""

    def __init__(self, what: str, key: str, reason: str) -> None:
        super().__init__(
            f"The {what} '{key}' cannot be read from the database ({reason}); an "
            "administrator must repair or delete its row."
        )
        self.what, self.key, self.reason = what, key, reason


def _reason(err: Exception) -> str:
    if isinstance(err, ValidationError):
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        return f"{where}: {first['msg']}" if where else first["msg"]
    return str(err)


def read_row(convert: Callable[[Any], T], row: Any, what: str, key: str) -> T:
    """``convert(row)``, or ``UnreadableRow`` naming the row and what is wrong with it."""
    try:
        return convert(row)
    except (ValueError, TypeError, KeyError) as err:  # bad JSON, NULL, a model's rules
        raise UnreadableRow(what, key, _reason(err)) from err


def readable(
    convert: Callable[[Any], T], rows: Iterable[Any], what: str, key: Callable[[Any], str]
) -> list[T]:
    """The rows ``convert`` can read; each other one is logged (once) and left out."""
    found = []
    for row in rows:
        try:
            found.append(read_row(convert, row, what, key(row)))
        except UnreadableRow as err:
            seen = (err.what, err.key, err.reason)
            if seen not in _reported:
                _reported.add(seen)
                log.warning("Skipping a damaged row: %s", err.message)
    return found
