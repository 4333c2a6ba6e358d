"""Shared fixtures: an in-process server with SM Studio, and real server processes."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from tornado.httpclient import HTTPResponse

pytest_plugins = ["pytest_jupyter.jupyter_server"]

#: Tokens of the users the multi-user identity provider knows (see identity.py).
USERS = {"alice": "alice-token", "bob": "bob-token", "reader": "reader-token"}


@pytest.fixture
def jp_server_config(tmp_path: Any) -> dict[str, Any]:
    return {
        "ServerApp": {
            "jpserver_extensions": {"jupyter_smstudio": True},
            "identity_provider_class": "tests.identity.TokenUsersIdentityProvider",
            "authorizer_class": "tests.identity.ReadOnlyReaderAuthorizer",
        },
        "TokenUsersIdentityProvider": {"users": USERS},
        "SMStudioApp": {"data_dir": str(tmp_path / "smstudio")},
        # A job would start an MLflow (seconds of CPU): tests/test_experiments.py turns it on.
        "Experiments": {"log_jobs": False},
    }


class Reply:
    """A response decoded for assertions: status, JSON body, headers."""

    def __init__(self, response: HTTPResponse) -> None:
        self.status = response.code
        self.headers = response.headers
        raw = response.body or b""
        self.json: Any = json.loads(raw) if raw.strip() else None

    @property
    def error(self) -> dict[str, Any]:
        assert isinstance(self.json, dict), self.json
        assert "error" in self.json, self.json
        return self.json["error"]  # type: ignore[no-any-return]


ApiCall = Callable[..., Awaitable[Reply]]


@pytest.fixture
def api(jp_fetch: Any) -> ApiCall:
    """Call ``/smstudio/api/<path>`` as a user; never raises on 4xx/5xx."""

    async def call(
        method: str,
        path: str,
        body: Any = None,
        *,
        user: str | None = "alice",
        raw: bytes | None = None,
        params: dict[str, Any] | None = None,
    ) -> Reply:
        headers = {"Authorization": f"token {USERS[user]}"} if user else {"Authorization": ""}
        kwargs: dict[str, Any] = {"method": method, "headers": headers, "raise_error": False}
        if params:
            kwargs["params"] = params
        if method in ("POST", "PUT", "PATCH"):
            kwargs["body"] = (
                raw if raw is not None else json.dumps(body if body is not None else {})
            )
        elif method == "DELETE":
            kwargs["allow_nonstandard_methods"] = True
        response = await jp_fetch("smstudio", "api", *path.strip("/").split("/"), **kwargs)
        return Reply(response)

    return call
