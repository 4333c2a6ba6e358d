"""Routes and operation metadata: one table drives both tornado and OpenAPI.

A handler method declares what it does with ``@operation``; the route table names
the path. The OpenAPI document is built from the same table, and a test checks
that every route the server actually registered under ``/smstudio`` is in it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel

API_PREFIX = "/smstudio/api"
HTTP_METHODS = ("get", "post", "put", "patch", "delete")
_PARAM = re.compile(r"\{([a-z_]+)\}")

F = TypeVar("F", bound=Callable[..., Any])

#: ``raw_request`` of a route that takes its body as bytes in any media type (invocations).
ANY_BODY: dict[str, Any] = {
    "description": "Any bytes; the Content-Type header names their media type.",
    "content": {"*/*": {"schema": {}}},
}


@dataclass(frozen=True)
class Operation:
    """What one handler method does, for the OpenAPI document."""

    summary: str
    tag: str
    request: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    status: int = 200
    errors: tuple[int, ...] = ()
    raw_response: dict[str, Any] | None = None
    raw_request: dict[str, Any] | None = None  # an OpenAPI requestBody (bodies that are not JSON)
    error_model: type[BaseModel] | None = None  # error bodies; default the REST ErrorResponse
    error_media_type: str = "application/json"
    description: str = ""
    security: tuple[str, ...] = ()  # scheme names; default: the Jupyter token or cookie


def operation(summary: str, *, tag: str, **kwargs: Any) -> Callable[[F], F]:
    """Attach OpenAPI metadata to a handler method."""

    def decorate(fn: F) -> F:
        fn.__smstudio_operation__ = Operation(summary, tag, **kwargs)  # type: ignore[attr-defined]
        return fn

    return decorate


def operation_of(handler: type, method: str) -> Operation | None:
    fn = getattr(handler, method, None)
    return getattr(fn, "__smstudio_operation__", None)


@dataclass(frozen=True)
class Route:
    """An API path (OpenAPI form, e.g. ``/lifecycle-configs/{name}``) and its handler."""

    path: str
    handler: type
    params: dict[str, str] = field(default_factory=dict)
    prefix: str = API_PREFIX  # another prefix only for non-Jupyter-auth APIs (SigV4 runtime)

    @property
    def pattern(self) -> str:
        """The tornado regex; path parameters become named groups of one segment."""
        return self.prefix + _PARAM.sub(r"(?P<\1>[^/]+)", self.path)

    @property
    def methods(self) -> list[str]:
        return [m for m in HTTP_METHODS if operation_of(self.handler, m) is not None]


def tornado_handlers(routes: Iterable[Route]) -> list[tuple[str, type]]:
    return [(route.pattern, route.handler) for route in routes]
