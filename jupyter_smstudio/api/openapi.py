"""Build the OpenAPI 3.1 document from the route table and pydantic models."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from .base import ErrorResponse
from .routes import Operation, Route, operation_of

SECURITY_SCHEMES = {
    "token": {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": "`token <jupyter server token>` (or a JupyterHub token).",
    },
    "cookie": {
        "type": "apiKey",
        "in": "cookie",
        "name": "_xsrf",
        "description": "The JupyterLab session cookie, with the matching X-XSRFToken header.",
    },
    "sigv4": {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": "AWS Signature Version 4 (service `sagemaker`) with an access key "
        "created under /smstudio/api/access-keys; what boto3's sagemaker-runtime client sends.",
    },
}
SECURITY: list[dict[str, list[str]]] = [{"token": []}, {"cookie": []}]


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema()
    required = set(schema.get("required", []))
    return [
        {
            "name": name,
            "in": "query",
            "required": name in required,
            "schema": {k: v for k, v in prop.items() if k != "description"},
            **({"description": prop["description"]} if "description" in prop else {}),
        }
        for name, prop in schema.get("properties", {}).items()
    ]


def _operation(route: Route, method: str, op: Operation) -> dict[str, Any]:
    error = {"content": {"application/json": {"schema": _ref(ErrorResponse)}}}
    responses: dict[str, Any] = {}
    if op.raw_response is not None:
        responses[str(op.status)] = op.raw_response
    elif op.response is not None:
        responses[str(op.status)] = {
            "description": "OK",
            "content": {"application/json": {"schema": _ref(op.response)}},
        }
    else:
        responses[str(op.status)] = {"description": "Done; no body."}
    for code in sorted({400, 403, *op.errors}):
        responses[str(code)] = {"description": "Error", **error}
    params = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "string"},
            "description": text,
        }
        for name, text in route.params.items()
    ]
    if op.query is not None:
        params.extend(_query_parameters(op.query))
    doc: dict[str, Any] = {
        "operationId": f"{method}_{route.handler.__name__}",
        "summary": op.summary,
        "tags": [op.tag],
        "security": [{name: []} for name in op.security] if op.security else SECURITY,
        "parameters": params,
        "responses": responses,
    }
    if op.description:
        doc["description"] = op.description
    if op.request is not None:
        doc["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(op.request)}},
        }
    return doc


def build_openapi(routes: Iterable[Route], version: str) -> dict[str, Any]:
    routes = list(routes)
    models: set[type[BaseModel]] = {ErrorResponse}
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        item = paths.setdefault(route.prefix + route.path, {})
        for method in route.methods:
            op = operation_of(route.handler, method)
            assert op is not None
            item[method] = _operation(route, method, op)
            models.update(m for m in (op.request, op.response) if m is not None)
    _, defs = models_json_schema(
        [(m, "serialization") for m in sorted(models, key=lambda m: m.__name__)],
        ref_template="#/components/schemas/{model}",
    )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "SM Studio API",
            "version": version,
            "description": "Spaces, training jobs, endpoints and data flows for JupyterLab. "
            'Errors are `{"error": {"code", "message", "field"}}`.',
        },
        "servers": [{"url": "/"}],
        "security": SECURITY,
        "paths": paths,
        "components": {"schemas": defs.get("$defs", {}), "securitySchemes": SECURITY_SCHEMES},
    }
