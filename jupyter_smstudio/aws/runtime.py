"""The ``sagemaker-runtime``-compatible route, authenticated by AWS SigV4.

``boto3.client("sagemaker-runtime", endpoint_url="<server>/smstudio/runtime", ...)``
reaches ``POST /smstudio/runtime/endpoints/{name}/invocations``. Jupyter's token
base class does not apply (the caller has no Jupyter credentials), so this base
authenticates in ``prepare`` like ``SMStudioHandler`` does, and reports every error
the way botocore parses them: ``{"__type", "message"}`` plus ``x-amzn-ErrorType``.
"""

from __future__ import annotations

import logging
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from tornado.web import HTTPError, RequestHandler

from ..api.base import UsesServices
from ..api.routes import ANY_BODY, Route, operation
from ..errors import NotFound, SMStudioError
from ..hosting.errors import ModelError
from ..hosting.handlers import invoke_with, set_invocation_headers
from .sigv4 import SERVICE, SignatureError, SignedRequest, verify

log = logging.getLogger(__name__)
RUNTIME_PREFIX = "/smstudio/runtime"
#: The media type of AWS JSON protocol errors (what botocore parses).
AWS_JSON = "application/x-amz-json-1.1"


class AwsError(BaseModel):
    """An error as the AWS runtime API sends it; its name is also in ``x-amzn-ErrorType``."""

    model_config = ConfigDict(populate_by_name=True)

    type: str = Field(alias="__type")
    message: str
    OriginalStatusCode: int | None = Field(None, description="ModelError: the model's status.")
    OriginalMessage: str | None = Field(None, description="ModelError: the model's answer.")


class SignedHandler(UsesServices, RequestHandler):
    """Authenticates each request by its SigV4 signature; no Jupyter login is involved."""

    def check_xsrf_cookie(self) -> None:
        """No cookies are involved: the signature authenticates each request."""

    async def signer(self, service: str = SERVICE) -> str:
        """The owner of the access key that signed this request for ``service``."""
        request = self.request
        signed = SignedRequest(
            method=request.method or "POST",
            path=request.path,
            query=request.query,
            headers=request.headers.get_list,
            body=request.body or b"",
        )
        return await verify(signed, self.services.access_keys.lookup, service=service)


class RuntimeHandler(SignedHandler):
    """SigV4-authenticated base with the runtime API's error format."""

    owner: str = ""

    async def prepare(self) -> None:
        self.owner = await self.signer()

    def _error(self, status: int, code: str, message: str, **extra: Any) -> None:
        self.clear()
        self.set_status(status)
        self.set_header("Content-Type", AWS_JSON)
        self.set_header("x-amzn-ErrorType", code)
        body = AwsError(type=code, message=message, **extra)
        self.finish(body.model_dump_json(by_alias=True, exclude_none=True))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(exc, SignatureError):
            self._error(403, exc.code, exc.message)
        elif isinstance(exc, ModelError):
            self._error(
                424,
                "ModelError",
                exc.message,
                OriginalStatusCode=exc.original_status,
                OriginalMessage=exc.original_message,
            )
        elif isinstance(exc, NotFound):
            # The runtime API reports a missing endpoint as a validation error.
            self._error(400, "ValidationError", exc.message)
        elif isinstance(exc, SMStudioError):
            code = "ServiceUnavailable" if exc.status == 503 else "ValidationError"
            self._error(exc.status if exc.status < 500 else 503, code, exc.message)
        elif isinstance(exc, HTTPError):
            self._error(exc.status_code, "ValidationError", exc.log_message or exc.reason or "")
        else:
            self._error(500, "InternalFailure", "The server hit an unexpected error.")

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        if isinstance(value, (SignatureError, SMStudioError)):
            log.info("%s %s refused: %s", self.request.method, self.request.path, value)
            return
        super().log_exception(typ, value, tb)


class RuntimeInvokeHandler(RuntimeHandler):
    @operation(
        "InvokeEndpoint (sagemaker-runtime), signed with AWS SigV4",
        tag="Runtime",
        errors=(424, 503),
        security=("sigv4",),
        raw_request=ANY_BODY,
        raw_response={"description": "The model's response", "content": {"*/*": {}}},
        error_model=AwsError,
        error_media_type=AWS_JSON,
        description='Errors are `{"__type", "message"}` with `x-amzn-ErrorType`, as '
        "botocore expects; a missing endpoint is a 400 ValidationError.",
    )
    async def post(self, name: str) -> None:
        try:
            result = await invoke_with(self.services.hosting, self.owner, name, self.request)
        except NotFound:
            raise NotFound(f"Endpoint {name} of account {self.owner} not found.") from None
        set_invocation_headers(self, result)
        self.finish(result.body)


ROUTES = [
    Route(
        "/endpoints/{name}/invocations",
        RuntimeInvokeHandler,
        {"name": "Endpoint name."},
        prefix=RUNTIME_PREFIX,
    ),
]
