"""Errors of invocations, named as the ``sagemaker-runtime`` API names them."""

from __future__ import annotations

from ..errors import SMStudioError, Unavailable


class ModelError(SMStudioError):
    """The model's code failed (424), carrying the container's status and message."""

    status = 424
    code = "ModelError"

    def __init__(self, message: str, *, original_status: int, original_message: str) -> None:
        super().__init__(message)
        self.original_status = original_status
        self.original_message = original_message


class UnsupportedMediaType(SMStudioError):
    status = 415
    code = "UnsupportedMediaType"


class ServiceUnavailable(Unavailable):
    """The endpoint exists but cannot answer now (starting, re-attaching, all down): the
    same 503 ``ServiceUnavailable``, its own class so that invoking can tell it apart."""
