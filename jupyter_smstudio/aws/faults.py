"""AWS errors: the one place services' errors become the codes botocore parses."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from ..errors import Conflict, InvalidInput, LimitExceeded, NotFound, SMStudioError, Unavailable


class AwsFault(Exception):
    """An error as AWS reports it: ``__type`` (code), ``message`` and the HTTP status."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


#: AWS's answer to Describe* of a resource that does not exist.
NOT_FOUND_MESSAGE = "Requested resource not found."


def validation(message: str) -> AwsFault:
    return AwsFault("ValidationException", message)


def from_service(error: SMStudioError) -> AwsFault:
    """A service error in AWS's terms (a missing resource: ``not_found`` decides)."""
    if isinstance(error, NotFound):
        return validation(NOT_FOUND_MESSAGE)
    if isinstance(error, Conflict):
        return AwsFault("ResourceInUse", error.message)
    if isinstance(error, LimitExceeded):
        return AwsFault("ResourceLimitExceeded", error.message)
    if isinstance(error, Unavailable):
        return AwsFault("ServiceUnavailable", error.message, 503)
    if isinstance(error, InvalidInput) or error.status < 500:
        return validation(error.message)
    return AwsFault("InternalFailure", error.message, 500)


@contextmanager
def not_found_as(message: str) -> Iterator[None]:
    """A service's NotFound as ``ResourceNotFound`` (what Describe/Delete of spaces, apps,
    Studio lifecycle configs and tuning jobs answer), with AWS's ``message``."""
    try:
        yield
    except NotFound:
        raise AwsFault("ResourceNotFound", message) from None
