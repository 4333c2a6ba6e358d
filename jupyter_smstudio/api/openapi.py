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


REF_TEMPLATE = "#/components/schemas/{model}"


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": REF_TEMPLATE.format(model=model.__name__)}


def _add_schemas(into: dict[str, Any], new: dict[str, Any]) -> None:
    """Add named component schemas; one name must never stand for two schemas."""
    for name, schema in new.items():
        if into.setdefault(name, schema) != schema:
            raise ValueError(f"two different schemas are named {name}")


def _query_parameters(model: type[BaseModel], defs: dict[str, Any]) -> list[dict[str, Any]]:
    """One parameter per field; the types they refer to (enums) are added to ``defs``."""
    schema = model.model_json_schema(ref_template=REF_TEMPLATE)
    _add_schemas(defs, schema.get("$defs", {}))
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


def _operation(route: Route, method: str, op: Operation, defs: dict[str, Any]) -> dict[str, Any]:
    error = {"content": {op.error_media_type: {"schema": _ref(op.error_model or ErrorResponse)}}}
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
        params.extend(_query_parameters(op.query, defs))
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
    elif op.raw_request is not None:
        doc["requestBody"] = op.raw_request
    return doc


def build_openapi(routes: Iterable[Route], version: str) -> dict[str, Any]:
    routes = list(routes)
    models: set[type[BaseModel]] = {ErrorResponse}
    paths: dict[str, dict[str, Any]] = {}
    query_defs: dict[str, Any] = {}
    for route in routes:
        item = paths.setdefault(route.prefix + route.path, {})
        for method in route.methods:
            op = operation_of(route.handler, method)
            assert op is not None
            item[method] = _operation(route, method, op, query_defs)
            models.update(m for m in (op.request, op.response, op.error_model) if m is not None)
    _, defs = models_json_schema(
        [(m, "serialization") for m in sorted(models, key=lambda m: m.__name__)],
        ref_template=REF_TEMPLATE,
    )
    schemas = defs.get("$defs", {})
    _add_schemas(schemas, query_defs)
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
        "components": {"schemas": schemas, "securitySchemes": SECURITY_SCHEMES},
    }
