"""Schemathesis hooks for ``test_fuzz_api`` (the CLI loads them as ``SCHEMATHESIS_HOOKS``).

- The runtime route (``/smstudio/runtime/...``) takes no Jupyter token but an AWS SigV4
  signature: its requests are signed here, with botocore, over the exact bytes sent, with
  the access key the test created (passed in the environment).
- A 5xx other than 500 that the operation documents (503 while an endpoint is not in
  service) is an answer, not a server error.
- TEMPORARY: known 500s whose fix is under way elsewhere (issue 11, "Inputs that reach a
  500 or break state", owned by the input-validation work) are recognised by their cause
  and not reported, so that this run fails on anything new; PATCH /spaces nulls are kept
  out of the database, which they break for every later request. Delete each rule marked
  TEMPORARY together with the fix that makes it unnecessary; the run then covers it again.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import requests
import schemathesis
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from schemathesis.core.failures import ServerError

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
    if (
        case.method == "PATCH"
        and case.path == f"{API}/spaces/{{name}}"
        and isinstance(case.body, dict)
    ):
        # TEMPORARY (issue 11, PATCH /spaces null values): a null is stored as is and
        # the bad row then breaks every spaces and idle route; keep them out of the
        # database until PATCH validates nulls, so the rest of the run means something.
        case.body = {k: v for k, v in case.body.items() if v is not None}


# ---- TEMPORARY: known causes of 500s fixed elsewhere (see the module docstring) ----------

#: Body keys that name a file or directory on the server.
PATH_KEYS = frozenset(
    {"path", "source_dir", "entry_point", "output_path", "checkpoint_path", "model_data",
     "data_source", "source", "destination"}
)  # fmt: skip
NAME_MAX = 255  # bytes in one path component (Linux NAME_MAX)


def _items(value: Any, key: str = "") -> Iterator[tuple[str, Any]]:
    """Every (key, value) pair in a JSON value, depth first."""
    yield key, value
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _items(v, str(k))
    elif isinstance(value, list):
        for v in value:
            yield from _items(v, key)


def _bad_path(value: Any) -> bool:
    """A NUL byte, or a component the OS refuses as too long."""
    if not isinstance(value, str):
        return False
    return "\x00" in value or any(len(c.encode()) > NAME_MAX for c in value.split("/"))


def _path_field_nul_or_too_long(case: Any) -> bool:
    """Issue 11: NUL bytes or over-long components in path fields (and flow names)."""
    body = case.body if isinstance(case.body, (dict, list)) else None
    if any(k in PATH_KEYS and _bad_path(v) for k, v in _items(body)):
        return True
    if case.path.startswith(f"{API}/wrangler/"):
        names = [v for k, v in _items(body) if k == "name"]
        names += list((case.path_parameters or {}).values())
        return any(_bad_path(v) for v in names)
    return False


def _all_variant_weights_zero(case: Any) -> bool:
    """Issue 11: POST /endpoints with every variant weight 0 (false is 0 too)."""
    if not case.path.startswith((f"{API}/endpoints", f"{API}/endpoint-configs")):
        return False
    variants = case.body.get("variants") if isinstance(case.body, dict) else None
    if not isinstance(variants, list) or not variants:
        return False
    weights = [v.get("initial_variant_weight", 1) for v in variants if isinstance(v, dict)]
    return bool(weights) and all(w == 0 for w in weights)


def _depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    return 0


def _hostile_hyperparameters(case: Any) -> bool:
    """Issue 11: hyperparameters nested very deep or with integers over 4300 digits."""
    hp = case.body.get("hyperparameters") if isinstance(case.body, dict) else None
    if not isinstance(hp, dict):
        return False
    huge = any(isinstance(v, int) and abs(v) >= 10**4000 for _, v in _items(hp))
    return huge or _depth(hp) > 100


KNOWN_CAUSES = (_path_field_nul_or_too_long, _all_variant_weights_zero, _hostile_hyperparameters)


def _documented_unavailable(case: Any, response: Any) -> bool:
    """A 5xx the operation documents (503: the endpoint is not in service) is an answer."""
    status = response.status_code
    return status != 500 and str(status) in case.operation.responses.status_codes


@schemathesis.hook
def filter_failure(context: Any, failure: Any, case: Any, response: Any) -> bool:
    """Keep every failure but documented 5xx answers and the known causes above."""
    if not isinstance(failure, ServerError):
        return True
    return not (_documented_unavailable(case, response) or any(c(case) for c in KNOWN_CAUSES))
