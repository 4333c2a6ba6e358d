"""Schemathesis hooks for ``test_fuzz_api`` (the CLI loads them as ``SCHEMATHESIS_HOOKS``).

- The runtime route (``/smstudio/runtime/...``) takes no Jupyter token but an AWS SigV4
  signature: its requests are signed here, with botocore, over the exact bytes sent, with
  the access key the test created (passed in the environment).
- A 5xx other than 500 that the operation documents (503 while an endpoint is not in
  service) is an answer, not a server error.
- A CPython 3.11 bug in ``ast.parse`` that Hypothesis can trip over is tolerated.
"""

from __future__ import annotations

import os
from typing import Any

import requests
import schemathesis
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from schemathesis.core.failures import ServerError


def _tolerate_cpython_ast_bug() -> None:
    """Hypothesis parses a lambda's source only to name it in a strategy's repr. On Python
    3.11, ``ast.parse`` in a threaded program can raise a spurious ``SystemError: AST
    constructor recursion depth mismatch`` (CPython gh-106905), which schemathesis reports
    as a runtime error of the whole run. A repr is not worth failing for: fall back to
    the function's own name."""
    from hypothesis.internal import lambda_sources

    describe = lambda_sources.lambda_description

    def tolerant(f: Any) -> str:
        try:
            return describe(f)
        except SystemError:
            return getattr(f, "__name__", "lambda")

    lambda_sources.lambda_description = tolerant


_tolerate_cpython_ast_bug()

#: Environment variables the test sets: the access key the runtime route is signed with.
KEY_ID_ENV = "SMSTUDIO_FUZZ_ACCESS_KEY_ID"
SECRET_ENV = "SMSTUDIO_FUZZ_SECRET_ACCESS_KEY"
RUNTIME_PREFIX = "/smstudio/runtime/"
API = "/smstudio/api"


class _SigV4(requests.auth.AuthBase):
    """Sign a prepared request as boto3's sagemaker-runtime client does."""

    def __init__(self, key_id: str, secret: str) -> None:
        self.signer = SigV4Auth(Credentials(key_id, secret), "sagemaker", "us-east-1")

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        headers = {k: v for k, v in request.headers.items() if k.lower() != "authorization"}
        aws = AWSRequest(
            method=request.method, url=request.url, data=request.body or b"", headers=headers
        )
        self.signer.add_auth(aws)
        request.headers.pop("Authorization", None)
        request.headers.update(dict(aws.headers.items()))
        return request


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    if case.path.startswith(RUNTIME_PREFIX) and os.environ.get(KEY_ID_ENV):
        kwargs["auth"] = _SigV4(os.environ[KEY_ID_ENV], os.environ[SECRET_ENV])


def _documented_unavailable(case: Any, response: Any) -> bool:
    """A 5xx the operation documents (503: the endpoint is not in service) is an answer."""
    status = response.status_code
    return status != 500 and str(status) in case.operation.responses.status_codes


@schemathesis.hook
def filter_failure(context: Any, failure: Any, case: Any, response: Any) -> bool:
    """Keep every failure but the 5xx answers the operation documents."""
    if not isinstance(failure, ServerError):
        return True
    return not _documented_unavailable(case, response)
