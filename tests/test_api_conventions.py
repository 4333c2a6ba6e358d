"""REST conventions every SM Studio route follows."""

from __future__ import annotations

import json
import re
from typing import Any

import jsonschema
import pytest

from jupyter_smstudio.api.routes import API_PREFIX
from jupyter_smstudio.areas import all_routes
from jupyter_smstudio.experiments.proxy import MlflowProxyHandler
from jupyter_smstudio.s3.gateway import S3_PREFIX

from .conftest import ApiCall

pytestmark = pytest.mark.usefixtures("jp_serverapp")


def registered_smstudio_routes(serverapp: Any) -> list[tuple[str, type]]:
    """Every (regex, handler) tornado actually registered under /smstudio, at any depth."""
    found: list[tuple[str, type]] = []

    def walk(router: Any) -> None:
        for rule in getattr(router, "rules", []):
            if hasattr(rule.target, "rules"):
                walk(rule.target)
            elif "/smstudio" in getattr(rule.matcher, "regex", re.compile("")).pattern:
                if rule.target is MlflowProxyHandler:  # MLflow's API, not ours (own tests)
                    continue
                found.append((rule.matcher.regex.pattern, rule.target))

    walk(serverapp.web_app.default_router)
    walk(serverapp.web_app.wildcard_router)
    return found


def to_regex(path: str, base_url: str) -> str:
    """The tornado regex of a documented path (a route may give its own, e.g. S3 keys)."""
    own = {route.prefix + route.path: route.pattern for route in all_routes()}
    pattern = own.get(path) or re.sub(r"\{([a-z_]+)\}", r"(?P<\1>[^/]+)", path)
    return base_url.rstrip("/") + pattern + "$"


async def test_openapi_lists_every_registered_route_with_auth(
    api: ApiCall, jp_serverapp: Any, jp_base_url: str
) -> None:
    reply = await api("GET", "openapi.json")
    assert reply.status == 200
    doc = reply.json
    assert doc["openapi"].startswith("3.1")
    documented = {to_regex(path, jp_base_url): ops for path, ops in doc["paths"].items()}
    registered = registered_smstudio_routes(jp_serverapp)
    assert registered, "no SM Studio routes registered"
    for regex, handler in registered:
        assert regex in documented, f"{regex} ({handler.__name__}) is missing from openapi.json"
        implemented = http_methods_of(handler)
        assert implemented == set(documented[regex]), f"{handler.__name__} methods differ"
        for method, op in documented[regex].items():
            assert op["security"], f"{method.upper()} {regex} has no security requirement"
            assert "403" in op["responses"]
    assert len(documented) == len(registered)


def references(node: Any) -> list[str]:
    """Every ``$ref`` in a JSON document."""
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [ref for value in node.values() for ref in references(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in references(value)]
    return []


async def test_every_schema_reference_resolves(api: ApiCall) -> None:
    """Query enums pointed to ``#/$defs/...``, which the document does not have."""
    doc = (await api("GET", "openapi.json")).json
    refs = set(references(doc))
    assert "#/components/schemas/SpaceStatus" in refs  # the status filter of GET /spaces
    schemas = doc["components"]["schemas"]
    unresolved = {r for r in refs if r.removeprefix("#/components/schemas/") not in schemas}
    assert not unresolved


def response_schema(doc: dict[str, Any], path: str, method: str, status: int, media: str) -> Any:
    """The documented schema of an answer, with the components it refers to."""
    content = doc["paths"][path][method]["responses"][str(status)]["content"]
    assert media in content, f"{method.upper()} {path} {status}: {media} not in {list(content)}"
    return {**content[media]["schema"], "components": doc["components"]}


async def test_the_runtime_route_documents_its_aws_errors_and_raw_body(
    api: ApiCall, jp_fetch: Any
) -> None:
    """Its errors are AWS JSON (what botocore parses), not the REST API's error body."""
    doc = (await api("GET", "openapi.json")).json
    path = "/smstudio/runtime/endpoints/{name}/invocations"
    for invocations in (path, f"{API_PREFIX}/endpoints/{{name}}/invocations"):
        assert "*/*" in doc["paths"][invocations]["post"]["requestBody"]["content"]
    r = await jp_fetch(
        *example_path(path).strip("/").split("/"),
        method="POST",
        body=b"1,2",
        headers={"Content-Type": "text/csv"},
        raise_error=False,
    )
    assert r.code == 403
    media = r.headers["Content-Type"]
    assert media == "application/x-amz-json-1.1"
    body = json.loads(r.body)
    jsonschema.validate(body, response_schema(doc, path, "post", 403, media))
    assert body["__type"] == r.headers["x-amzn-ErrorType"]


def http_methods_of(handler: type) -> set[str]:
    """HTTP methods defined by SM Studio classes (not tornado's defaults)."""
    names: set[str] = set()
    for klass in handler.__mro__:
        if klass.__module__.startswith("jupyter_smstudio"):
            names.update(n for n in ("get", "post", "put", "patch", "delete") if n in vars(klass))
    return names


def example_path(path: str) -> str:
    return re.sub(r"\{[a-z_]+\}", "example", path)


async def test_every_route_refuses_unauthenticated_requests(api: ApiCall, jp_fetch: Any) -> None:
    doc = (await api("GET", "openapi.json")).json
    checked = 0
    for path, ops in doc["paths"].items():
        for method in ops:
            if not path.startswith(API_PREFIX):  # SigV4 runtime route: AWS-style errors
                assert ops[method]["security"] == [{"sigv4": []}]
                r = await jp_fetch(*example_path(path).strip("/").split("/"), method="POST",
                                   body=b"{}", raise_error=False)  # fmt: skip
                assert r.code == 403, f"{path} -> {r.code}"
                if path.startswith(S3_PREFIX):  # S3 answers its own XML errors
                    assert b"<Code>AccessDenied</Code>" in r.body
                    continue
                # jp_fetch sends the Jupyter token: not a signature either
                assert r.headers["x-amzn-ErrorType"] in (
                    "MissingAuthenticationTokenException",
                    "IncompleteSignatureException",
                )
                continue
            reply = await api(method.upper(), example_path(path)[len(API_PREFIX) :], {}, user=None)
            assert reply.status in (401, 403), f"{method.upper()} {path} -> {reply.status}"
            assert reply.error["code"] in ("AccessDenied", "Unauthenticated")
            checked += 1
    assert checked >= 5


async def test_every_mutation_refused_to_a_read_only_user(api: ApiCall) -> None:
    doc = (await api("GET", "openapi.json")).json
    for path, ops in doc["paths"].items():
        for method in ops:
            if method == "get" or not path.startswith(API_PREFIX):  # SigV4: no Jupyter users
                continue
            reply = await api(
                method.upper(), example_path(path)[len(API_PREFIX) :], {}, user="reader"
            )
            assert reply.status == 403, f"{method.upper()} {path} -> {reply.status}"
            assert "not allowed" in reply.error["message"]
    assert (await api("GET", "lifecycle-configs", user="reader")).status == 200


async def test_malformed_json_is_a_400_with_a_message(api: ApiCall) -> None:
    reply = await api("POST", "lifecycle-configs", raw=b"{not json")
    assert reply.status == 400
    assert reply.error["code"] == "MalformedRequest"
    assert "not valid JSON" in reply.error["message"]
    reply = await api("POST", "lifecycle-configs", raw=b"[1, 2]")
    assert reply.status == 400
    assert "JSON object" in reply.error["message"]


async def test_unknown_body_field_and_query_parameter_are_named(api: ApiCall) -> None:
    reply = await api(
        "POST",
        "lifecycle-configs",
        {"name": "a", "type": "on-start", "content": "echo", "colour": "red"},
    )
    assert reply.status == 400
    assert reply.error["field"] == "colour"
    reply = await api("GET", "lifecycle-configs", params={"limit": "0"})
    assert reply.status == 400
    assert reply.error["field"] == "limit"
    # JupyterLab's own request helper appends a bare timestamp as a cache buster.
    assert (await api("GET", "lifecycle-configs", params={"1732165200000": ""})).status == 200
    reply = await api("GET", "lifecycle-configs", params={"bogus": "1"})
    assert reply.status == 400
    assert reply.error["field"] == "bogus"
    assert "query parameter" in reply.error["message"]


async def test_unsupported_method_is_a_json_405(api: ApiCall) -> None:
    reply = await api("PUT", "lifecycle-configs/x", {"content": "echo"})
    assert reply.status == 405
    assert reply.error["code"] == "MethodNotAllowed"


async def test_a_server_bug_is_a_500_without_internals(
    api: ApiCall, jp_serverapp: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    services = jp_serverapp.web_app.settings["smstudio_services"]

    async def broken(*_: Any) -> None:
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(services.lifecycle_configs, "list", broken)
    reply = await api("GET", "lifecycle-configs")
    assert reply.status == 500
    assert reply.error["code"] == "InternalError"
    assert "secret" not in reply.error["message"]
    assert "Traceback" not in str(reply.json)


async def test_reads_do_not_count_as_activity_but_actions_do(
    api: ApiCall, jp_serverapp: Any
) -> None:
    settings = jp_serverapp.web_app.settings
    settings.pop("api_last_activity", None)
    for path in ("status", "lifecycle-configs", "openapi.json"):
        assert (await api("GET", path)).status == 200
    assert "api_last_activity" not in settings, "polling kept the server alive"
    reply = await api(
        "POST", "lifecycle-configs", {"name": "x", "type": "on-start", "content": "true"}
    )
    assert reply.status == 201
    assert "api_last_activity" in settings


async def test_status_names_the_user_and_version(api: ApiCall) -> None:
    reply = await api("GET", "status", user="bob")
    assert reply.status == 200
    assert reply.json["user"]["username"] == "bob"
    assert reply.json["version"]
    assert reply.json["schema_versions"]["lifecycle"] >= 1
    features = {"spaces", "training", "endpoints", "wrangler", "tuning", "experiments"}
    assert set(reply.json["features"]) == features
    assert reply.json["features"]["experiments"] is True  # mlflow is in the test environment
    assert reply.json["tracking_uri"].endswith("/smstudio/mlflow")  # what kernels get
