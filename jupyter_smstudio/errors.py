"""The service-layer error hierarchy.

Services raise these; ``api.base`` maps them to HTTP in one place, so a user
mistake is always a 4xx with a message naming the field, never a 500.
Codes follow the names SageMaker's API uses where one exists.
"""

from __future__ import annotations

from typing import ClassVar


class SMStudioError(Exception):
    """Base class: an error whose message is safe to show to the user."""

    status: ClassVar[int] = 500
    code: ClassVar[str] = "InternalError"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(SMStudioError):
    """The request names a bad value (400)."""

    status = 400
    code = "ValidationError"


class MalformedRequest(InvalidInput):
    """The body is not JSON, or not the JSON shape expected (400)."""

    code = "MalformedRequest"


class AccessDenied(SMStudioError):
    """The user may not do this (403)."""

    status = 403
    code = "AccessDenied"


class NotFound(SMStudioError):
    """No such resource visible to this user (404)."""

    status = 404
    code = "ResourceNotFound"


class Conflict(SMStudioError):
    """The resource exists already or is in use (409)."""

    status = 409
    code = "ResourceInUse"


class PayloadTooLarge(SMStudioError):
    """A body or field is over its size limit (413)."""

    status = 413
    code = "PayloadTooLarge"


class InvalidState(SMStudioError):
    """Well-formed request that the resource's current state does not allow (422)."""

    status = 422
    code = "InvalidState"


class LimitExceeded(SMStudioError):
    """A quota set by the administrator would be exceeded (429)."""

    status = 429
    code = "ResourceLimitExceeded"


class UpstreamFailed(InvalidInput):
    """A remote service the request names failed or could not be reached (502).

    An ``InvalidInput`` so that code treating a bad input as the user's to fix (a
    Data Wrangler flow keeps its steps and shows the message) treats this alike;
    trying again later may work.
    """

    status = 502
    code = "UpstreamFailure"


class Unavailable(SMStudioError):
    """A capability this server does not offer as installed (503); the message says
    what an administrator installs to offer it."""

    status = 503
    code = "ServiceUnavailable"
