"""The base of every SM Studio REST handler.

It authenticates and authorizes every method in ``prepare`` (so no handler can
forget), parses JSON bodies and query strings into pydantic models, and maps
errors to ``{"error": {"code", "message", "field"}}`` in one place: service errors
keep their 4xx status; only a real bug becomes a 500, without a traceback.
"""

from __future__ import annotations

import json
import logging
import math
import re
import sys
from http.client import responses
from typing import TYPE_CHECKING, Any, TypeVar

from jupyter_core.utils import ensure_async
from jupyter_server.auth.utils import HTTP_METHOD_TO_AUTH_ACTION
from jupyter_server.base.handlers import APIHandler, JupyterHandler
from jupyter_server.extension.handler import ExtensionHandlerMixin
from pydantic import BaseModel, ValidationError
from tornado.web import HTTPError

from ..errors import InvalidInput, MalformedRequest, SMStudioError
from ..paths import set_space_roots

if TYPE_CHECKING:
    from ..services import Services

M = TypeVar("M", bound=BaseModel)

log = logging.getLogger(__name__)

#: Query parameters any request may carry without the model declaring them.
RESERVED_QUERY = frozenset({"no_track_activity", "token", "_xsrf"})

_STATUS_CODES = {
    400: "ValidationError",
    401: "Unauthenticated",
    403: "AccessDenied",
    404: "ResourceNotFound",
    405: "MethodNotAllowed",
    409: "ResourceInUse",
    413: "PayloadTooLarge",
    415: "UnsupportedMediaType",
    422: "InvalidState",
}


def _is_cache_buster(key: str, values: list[bytes]) -> bool:
    """JupyterLab's request helper appends a bare timestamp key (``&1732165200000``)."""
    return key.isdigit() and all(not v for v in values)


#: Deepest nesting of arrays and objects a request body may have.
MAX_JSON_DEPTH = 64
#: Longest integer a body may hold: the interpreter's limit for int <-> str conversions.
MAX_INT_DIGITS = sys.get_int_max_str_digits() or 4300


class _Refused:
    """A JSON value the parser kept aside, to be reported with the field it is in."""

    def __init__(self, reason: str) -> None:
        self.reason = reason


def _parse_int(text: str) -> int | _Refused:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        return _Refused(f"an integer may have at most {MAX_INT_DIGITS} digits")
    return int(text)


def _parse_float(text: str) -> float | _Refused:
    value = float(text)
    return value if math.isfinite(value) else _Refused(f"{text} is out of range for a number")


def _parse_constant(name: str) -> _Refused:
    return _Refused(f"{name} is not a JSON number")


def parse_json_object(raw: bytes) -> dict[str, Any]:
    """A request body as a dict, or a 400: every way ``json.loads`` fails is mapped here.

    NaN, Infinity, numbers out of range and huge integers (which ``int`` refuses to read)
    are refused naming their field, as is nesting deeper than ``MAX_JSON_DEPTH``.
    """
    if not raw.strip():
        raise MalformedRequest("The request needs a JSON object body.")
    try:
        data = json.loads(
            raw, parse_int=_parse_int, parse_float=_parse_float, parse_constant=_parse_constant
        )
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise MalformedRequest(f"The request body is not valid JSON: {err}") from err
    except RecursionError as err:  # the C parser recurses once per level
        raise _too_deep(_deep_field(raw)) from err
    if not isinstance(data, dict):
        raise MalformedRequest("The request body must be a JSON object.")
    _check_values(data)
    return data


def _check_values(data: dict[str, Any]) -> None:
    """Refuse kept-aside values and too deep nesting, naming the field (no recursion)."""
    stack: list[tuple[Any, tuple[str, ...]]] = [(data, ())]
    while stack:
        node, path = stack.pop()
        field = ".".join(path)
        if isinstance(node, _Refused):
            raise InvalidInput(f"{field}: {node.reason}.", field=field)
        if isinstance(node, (dict, list)):
            if len(path) >= MAX_JSON_DEPTH:
                raise _too_deep(path[0])
            items = node.items() if isinstance(node, dict) else enumerate(node)
            stack.extend((value, (*path, str(key))) for key, value in items)


def _too_deep(field: str | None) -> InvalidInput:
    where = f"{field}: " if field else "The request body: "
    return InvalidInput(f"{where}nested more than {MAX_JSON_DEPTH} levels deep.", field=field)


_TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def _deep_field(raw: bytes) -> str | None:
    """The top-level key whose value nests too deeply, found without recursing."""
    if not raw.lstrip().startswith(b"{"):
        return None
    depth, key = 0, None
    for token in _TOKEN.finditer(raw):
        text = token.group()
        if text in (b"[", b"{"):
            depth += 1
            if depth > MAX_JSON_DEPTH:
                return key
        elif text in (b"]", b"}"):
            depth -= 1
        elif depth == 1:  # at the top level, the last string before a value is its key
            key = json.loads(text)
    return None


class ErrorDetail(BaseModel):
    code: str
    message: str
    field: str | None = None


class ErrorResponse(BaseModel):
    """Body of every error response."""

    error: ErrorDetail


def _field_path(loc: tuple[int | str, ...], data: Any) -> str | None:
    """The dotted path of the bad input in ``data``, without pydantic's union labels.

    A tagged union puts its tag in ``loc`` (``source.file.path`` for ``source.path``) and
    other unions the member's type; neither names anything the client sent.
    """
    parts: list[str] = []
    node = data
    for i, key in enumerate(loc):
        sent = (isinstance(node, dict) and key in node) or (
            isinstance(node, list) and isinstance(key, int) and -len(node) <= key < len(node)
        )
        if sent:
            node = node[key]
        elif not (i == len(loc) - 1 and isinstance(node, dict)):  # not a missing/unknown key
            continue
        parts.append(str(key))
    return ".".join(parts) or None


def validation_error(err: ValidationError, *, location: str = "", data: Any = None) -> InvalidInput:
    """Turn pydantic's report into one message naming the first bad field (in ``data``)."""
    first = err.errors()[0]
    if data is None:
        field = ".".join(str(p) for p in first["loc"]) or None
    else:
        field = _field_path(first["loc"], data)
    message = first["msg"]
    if first["type"] == "extra_forbidden":
        message = f"unknown {location or 'field'}"
    elif first["type"] == "missing":
        message = "is required"
    return InvalidInput(f"{field}: {message}" if field else message, field=field)


class JsonErrors:
    """Error answers of SM Studio routes: JSON bodies, and 4xx logged without traceback."""

    def write_error(self: Any, status_code: int, **kwargs: Any) -> None:
        write_json_error(self, status_code, kwargs.get("exc_info", (None, None, None))[1])

    def log_exception(self: Any, typ: Any, value: Any, tb: Any) -> None:
        # A user's mistake (4xx) or a remote service's failure (502) is not a server
        # fault: log it briefly, without a traceback.
        if isinstance(value, SMStudioError) and value.status != 500:
            log.info("%s %s -> %d %s", self.request.method, self.request.path, value.status, value)
            return
        super().log_exception(typ, value, tb)  # type: ignore[misc]


class UsesServices:
    """A handler's way to the extension's services (kept in the tornado settings)."""

    @property
    def services(self: Any) -> Services:
        return self.settings["smstudio_services"]  # type: ignore[no-any-return]


class ActsAsOwner(UsesServices):
    """A Jupyter-authenticated handler: the owner its request acts as."""

    @property
    def username(self: Any) -> str:
        """The owner name this request acts as (see ``identity``)."""
        services: Services = self.services
        return services.owners.owner(self.current_user, self.identity_provider)


class SMStudioHandler(JsonErrors, ActsAsOwner, ExtensionHandlerMixin, APIHandler):
    """Authenticated, authorized JSON handler for the SM Studio API."""

    auth_resource = "smstudio"

    @property
    def server_url(self) -> str:
        """This server's URL as the caller reached it (scheme, host, base URL)."""
        return f"{self.request.protocol}://{self.request.host}{self.base_url}"

    @property
    def _track_activity(self) -> bool:  # type: ignore[override]
        # Reads are what panels poll; only a user's actions keep the server alive.
        return self.request.method not in ("GET", "HEAD", "OPTIONS")

    async def prepare(self) -> None:  # type: ignore[override]
        await super().prepare()
        if self._finished:
            return
        await authorize(self, self.auth_resource)
        # Paths in the spaces this user may use are theirs to name (paths.confine).
        set_space_roots(await self.services.spaces.roots_for(self.username))

    # ---- input -------------------------------------------------------------
    def json_body(self) -> dict[str, Any]:
        return parse_json_object(self.request.body or b"")

    def body(self, model: type[M]) -> M:
        data = self.json_body()
        try:
            return model.model_validate(data)
        except ValidationError as err:
            raise validation_error(err, data=data) from err

    def query(self, model: type[M]) -> M:
        args = {
            key: values[-1].decode("utf-8", "replace")
            for key, values in self.request.query_arguments.items()
            if key not in RESERVED_QUERY and not _is_cache_buster(key, values)
        }
        try:
            return model.model_validate(args)
        except ValidationError as err:
            raise validation_error(err, location="query parameter") from err

    # ---- output ------------------------------------------------------------
    def reply(self, payload: BaseModel | dict[str, Any] | list[Any], status: int = 200) -> None:
        self.set_status(status)
        if isinstance(payload, BaseModel):
            self.finish(payload.model_dump_json())
        else:
            self.finish(json.dumps(payload))

    def no_content(self) -> None:
        """Answer 204: the deletion or signal was taken, nothing to return."""
        self.set_status(204)
        self.finish()


async def authorize(handler: JupyterHandler, resource: str) -> None:
    """Refuse anonymous callers (even if the server allows unauthenticated access) and
    callers the server's authorizer does not allow this method on ``resource``."""
    if handler.current_user is None:
        raise HTTPError(403, "Authentication required.")
    method = (handler.request.method or "GET").upper()
    action = HTTP_METHOD_TO_AUTH_ACTION.get(method, "write")
    allowed = await ensure_async(
        handler.authorizer.is_authorized(handler, handler.current_user, action, resource)
    )
    if not allowed:
        raise HTTPError(403, f"You are not allowed to {action} SM Studio resources.")


def write_json_error(handler: JupyterHandler, status_code: int, exc: BaseException | None) -> None:
    """Finish ``handler`` with ``{"error": {...}}``: the one error body of SM Studio routes."""
    if isinstance(exc, SMStudioError):
        status_code = exc.status
        detail = ErrorDetail(code=exc.code, message=exc.message, field=exc.field)
    elif isinstance(exc, HTTPError):
        status_code = exc.status_code
        message = exc.log_message % exc.args if exc.log_message and exc.args else exc.log_message
        detail = ErrorDetail(
            code=_STATUS_CODES.get(status_code, "Error"),
            message=message or exc.reason or responses.get(status_code, "Error"),
        )
    else:
        status_code = 500
        detail = ErrorDetail(
            code="InternalError",
            message="The server hit an unexpected error; its log has the details.",
        )
    handler.clear_header("Content-Type")
    handler.set_status(status_code)
    handler.set_header("Content-Type", "application/json")
    handler.finish(ErrorResponse(error=detail).model_dump_json())
