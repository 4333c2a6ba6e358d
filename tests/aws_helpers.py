"""A real server with two users and their access keys, reached with the real boto3.

Also ``unknown_members``: an answer checked against botocore's output shape, so a
member the model lacks (which botocore silently drops) fails a test.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import botocore.config
import pytest
import requests
from botocore.loaders import Loader
from botocore.model import ServiceModel, Shape

from .hosting_models import stop_all_instances
from .servers import ServerProcess

USERS = ("alice", "bob")
PROVIDER = "tests.identity.TokenUsersIdentityProvider"
REGION = "eu-west-1"
ACCOUNT = "123456789012"
#: No retries: a refused request must show its own error at once.
NO_RETRIES = botocore.config.Config(retries={"max_attempts": 1, "mode": "standard"})


class AwsServer:
    def __init__(self, server: ServerProcess, tokens: dict[str, str]) -> None:
        self.server = server
        self.tokens = tokens
        self.keys = {user: self.create_key(user) for user in USERS}

    @property
    def root(self) -> Path:
        return self.server.workdir / "root"

    @property
    def endpoint(self) -> str:
        return self.server.url + "smstudio/aws/"

    def rest(self, method: str, path: str, user: str = "alice", **kw: Any) -> requests.Response:
        headers = {"Authorization": f"token {self.tokens[user]}"}
        url = self.server.url + "smstudio/api/" + path
        return requests.request(method, url, headers=headers, timeout=30, **kw)

    def create_key(self, user: str) -> dict[str, str]:
        r = self.rest("POST", "access-keys", user, json={"description": "tests"})
        assert r.status_code == 201, r.text
        return r.json()  # type: ignore[no-any-return]

    def client(self, service: str, user: str = "alice", **overrides: Any) -> Any:
        key = self.keys[user]
        settings: dict[str, Any] = {
            "endpoint_url": self.endpoint,
            "region_name": REGION,
            "aws_access_key_id": key["access_key_id"],
            "aws_secret_access_key": key["secret_access_key"],
            "config": NO_RETRIES,
            **overrides,
        }
        return boto3.client(service, **settings)


@contextlib.contextmanager
def aws_server(workdir: Path, bob_token: str, aws_api: dict[str, Any]) -> Iterator[AwsServer]:
    """A server of alice and bob (``bob_token``) with ``aws_api`` as its AwsApi settings;
    the model server instances it leaves are stopped at the end."""
    server = ServerProcess(workdir)
    tokens = {"alice": server.token, "bob": bob_token}  # alice: the readiness check
    config = workdir / "config"
    config.mkdir(parents=True)
    (config / "jupyter_server_config.json").write_text(
        json.dumps(
            {
                "ServerApp": {
                    "identity_provider_class": "tests.identity.TokenUsersIdentityProvider"
                },
                "TokenUsersIdentityProvider": {"users": tokens},
                "AwsApi": aws_api,
                "TrainingJobs": {"stop_grace_seconds": 5},
            }
        )
    )
    try:
        with server:
            yield AwsServer(server, tokens)
    finally:
        stop_all_instances(workdir / "smstudio")


@pytest.fixture(scope="module")
def aws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AwsServer]:
    api = {"region": REGION, "account_id": ACCOUNT}
    with aws_server(tmp_path_factory.mktemp("aws"), "bob-aws-token", api) as server:
        yield server


def _model(service: str) -> ServiceModel:
    return ServiceModel(Loader().load_service_model(service, "service-2"), service)


def unknown_members(service: str, operation: str, answer: dict[str, Any]) -> list[str]:
    """Paths of members in ``answer`` that the operation's output shape does not have."""
    shape = _model(service).operation_model(operation).output_shape
    answer = {k: v for k, v in answer.items() if k != "ResponseMetadata"}
    if shape is None:  # an operation that answers nothing
        return [f"{operation}.{name}" for name in answer]
    found: list[str] = []

    def walk(s: Shape, value: Any, path: str) -> None:
        if s.type_name == "structure":
            for name, item in value.items():
                if name not in s.members:
                    found.append(f"{path}.{name}")
                else:
                    walk(s.members[name], item, f"{path}.{name}")
        elif s.type_name == "list":
            for i, item in enumerate(value):
                walk(s.member, item, f"{path}[{i}]")
        elif s.type_name == "map":
            for key, item in value.items():
                walk(s.value, item, f"{path}.{key}")

    walk(shape, answer, operation)
    return found


def raw_answers(client: Any) -> list[tuple[str, dict[str, Any]]]:
    """Every JSON answer the client receives, as sent (before botocore parses it)."""
    seen: list[tuple[str, dict[str, Any]]] = []

    def record(operation_model: Any, response_dict: dict[str, Any], **_: Any) -> None:
        body = response_dict["body"]
        if response_dict["status_code"] == 200 and body.strip().startswith(b"{"):
            seen.append((operation_model.name, json.loads(body)))

    client.meta.events.register("before-parse", record)
    return seen
