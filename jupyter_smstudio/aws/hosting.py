"""SageMaker's Model, EndpointConfig and Endpoint operations on the hosting service.

A ``ModelDataUrl`` that is the ``S3ModelArtifacts`` of one of the caller's own
training jobs is that job's ``model.tar.gz`` on this server (so train → deploy works
without a copy); other ``s3://`` URIs (and an ``s3://`` ``SAGEMAKER_SUBMIT_DIRECTORY``,
the SDK's ``sourcedir.tar.gz``) are copied from the caller's buckets to the server.
With a SageMaker framework image, ``SAGEMAKER_PROGRAM``/``SAGEMAKER_SUBMIT_DIRECTORY``
(what the SDK's framework models set) name the inference code and the model runs on
the default backend; any other image runs as a container.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from ..algorithms import ALGORITHM_ENV, algorithm_for_image
from ..errors import NotFound
from ..hosting.models import (
    Endpoint,
    EndpointConfigCreate,
    EndpointConfigQuery,
    EndpointCreate,
    EndpointQuery,
    EndpointUpdate,
    ModelCreate,
    ModelQuery,
)
from ..hosting.server.images import ALGORITHM_FRAMEWORK, FRAMEWORK_ENV, framework_for_image
from ..training.contract import decode_hyperparameters
from . import model_packages, tags
from .faults import validation
from .jobs import build, seconds
from .protocol import Call, Operation
from .training import FRAMEWORK_IMAGE, TRAINING, artifacts_uri


def _arn(call: Call, kind: str, name: str) -> str:
    return call.aws.config.arn(f"{kind}/{name}", call.owner)


@contextmanager
def _or_missing(call: Call, noun: str, kind: str, name: str) -> Iterator[None]:
    """Turn the service's NotFound into AWS's words for a missing model, config or endpoint."""
    try:
        yield
    except NotFound:
        raise validation(f'Could not find {noun} "{_arn(call, kind, name)}".') from None


async def _created(call: Call, kind: str, name: str, p: dict[str, Any]) -> str:
    """Keep the request (Describe answers with it) and its tags; the new resource's ARN."""
    await call.aws.requests.put(call.owner, kind, name, p)
    await tags.keep(call, kind, name, p.get("Tags"))
    return _arn(call, kind, name)


def _summaries(
    call: Call, noun: str, kind: str, items: Sequence[Any], next_token: str | None
) -> dict[str, Any]:
    """A List* answer of models or endpoint configs: ``<noun>s`` of name, ARN and time."""
    listed = [
        {
            f"{noun}Name": item.name,
            f"{noun}Arn": _arn(call, kind, item.name),
            "CreationTime": seconds(item.created_ms),
        }
        for item in items
    ]
    return {f"{noun}s": listed, "NextToken": next_token}


async def _model_data(call: Call, uri: str, where: str) -> str:
    """A local ``model.tar.gz`` for ``uri`` (own training outputs first, then the seam)."""
    parts = uri.rstrip("/").split("/")
    if len(parts) >= 4 and parts[-2:] == ["output", "model.tar.gz"]:
        name = parts[-3]
        try:
            job = await call.services.training.get(call.owner, name)
        except NotFound:
            job = None
        request = await call.aws.requests.get(call.owner, TRAINING.kind, name)
        if job is not None and uri == artifacts_uri(job, request):
            path = await call.services.training.artifact_path(call.owner, name, "model.tar.gz")
            return str(path)
    return await call.aws.locations.local_copy(call.owner, uri, where)


def _page(p: dict[str, Any]) -> dict[str, Any]:
    return {
        "limit": p.get("MaxResults", 10),
        "next_token": p.get("NextToken"),
        "name_contains": p.get("NameContains"),
        "sort_by": {"Name": "name", "CreationTime": "created"}.get(p.get("SortBy", ""), "created"),
        "sort_order": {"Ascending": "asc"}.get(p.get("SortOrder", ""), "desc"),
    }


# ---- models ------------------------------------------------------------------------------------
async def create_model(call: Call, p: dict[str, Any]) -> dict[str, Any]:
    container = p.get("PrimaryContainer") or (p.get("Containers") or [None])[0]
    if container is None:
        raise validation("Either PrimaryContainer or Containers must be given.")
    if container.get("ModelPackageName"):  # a registered version: what it is served from
        package = await model_packages.model_container(
            call, container["ModelPackageName"], p["ModelName"]
        )
        own = container
        container = {**package, **{k: v for k, v in own.items() if v}}
        container["Environment"] = {
            **(package.get("Environment") or {}),
            **(own.get("Environment") or {}),
        }
    env = dict(container.get("Environment") or {})
    image = container.get("Image")
    program = decode_hyperparameters(
        {k: env[k] for k in ("SAGEMAKER_PROGRAM", "SAGEMAKER_SUBMIT_DIRECTORY") if k in env}
    )
    builtin = None if "SAGEMAKER_PROGRAM" in env else algorithm_for_image(image)
    if builtin is not None:  # a built-in algorithm's image: jupyter_smstudio.algorithms serves
        env.setdefault(FRAMEWORK_ENV, ALGORITHM_FRAMEWORK)
        env.setdefault(ALGORITHM_ENV, builtin)
    if image and FRAMEWORK_IMAGE.match(image):
        # A SageMaker framework image: its inference toolkit's defaults run here.
        framework = framework_for_image(image)
        if framework is not None:
            env.setdefault(FRAMEWORK_ENV, framework)
        image = None
    data = container.get("ModelDataUrl")
    if not data:
        raise validation("PrimaryContainer.ModelDataUrl is required here.")
    submit = program.get("SAGEMAKER_SUBMIT_DIRECTORY")
    if isinstance(submit, str) and submit.startswith("s3://"):
        where = "primaryContainer.environment.SAGEMAKER_SUBMIT_DIRECTORY"
        submit = await call.aws.locations.local_copy(call.owner, submit, where, code=True)
    spec = build(
        ModelCreate,
        {
            "name": p["ModelName"],
            "model_data": await _model_data(call, data, "primaryContainer.modelDataUrl"),
            "entry_point": program.get("SAGEMAKER_PROGRAM"),
            "source_dir": submit if isinstance(submit, str) and "://" not in submit else None,
            "environment": env,
            "image": image,
        },
    )
    await call.services.hosting.create_model(call.owner, spec)
    return {"ModelArn": await _created(call, "model", spec.name, p)}


async def describe_model(call: Call, p: dict[str, Any]) -> dict[str, Any]:
    name = p["ModelName"]
    with _or_missing(call, "model", "model", name):
        found = await call.services.hosting.get_model(call.owner, name)
    request = await call.aws.requests.get(call.owner, "model", name) or {}
    return {
        "ModelName": found.name,
        "ModelArn": _arn(call, "model", found.name),
        "PrimaryContainer": request.get("PrimaryContainer")
        or {"Image": found.image or "smstudio/local", "ModelDataUrl": f"file://{found.model_data}"},
        "Containers": request.get("Containers"),
        "ExecutionRoleArn": request.get("ExecutionRoleArn"),
        "CreationTime": seconds(found.created_ms),
    }


async def list_models(call: Call, p: dict[str, Any]) -> dict[str, Any]:
    page = await call.services.hosting.list_models(call.owner, build(ModelQuery, _page(p)))
    return _summaries(call, "Model", "model", page.items, page.next_token)


async def delete_model(call: Call, p: dict[str, Any]) -> dict[str, Any]:
    with _or_missing(call, "model", "model", p["ModelName"]):
        await call.services.hosting.delete_model(call.owner, p["ModelName"])
    return {}


# ---- endpoint configs --------------------------------------------------------------------------
def _variant(v: dict[str, Any]) -> dict[str, Any]:
    return {
        "variant_name": v["VariantName"],
        "model_name": v.get("ModelName"),
        "instance_type": v.get("InstanceType"),
        "initial_instance_count": v.get("InitialInstanceCount", 1),
        "initial_variant_weight": v.get("InitialVariantWeight", 1.0),
    }


async def create_endpoint_config(call: Call, p: dict[str, Any]) -> dict[str, Any]:
    spec = build(
        EndpointConfigCreate,
        {
            "name": p["EndpointConfigName"],
            "variants": [_variant(v) for v in p["ProductionVariants"]],
        },
    )
    await call.services.hosting.create_config(call.owner, spec)
    return {"EndpointConfigArn": await _created(call, "endpoint-config", spec.name, p)}


async def describe_endpoint_config(call: Call, p: dict[str, Any]) -> dict[str, Any]:
    name = p["EndpointConfigName"]
    with _or_missing(call, "endpoint configuration", "endpoint-config", name):
        found = await call.services.hosting.get_config(call.owner, name)
    return {
        "EndpointConfigName": found.name,
        "EndpointConfigArn": _arn(call, "endpoint-config", found.name),
        "ProductionVariants": [
            {
                "VariantName": v.variant_name,
                "ModelName": v.model_name,
                "InstanceType": v.instance_type,
                "InitialInstanceCount": v.initial_instance_count,
                "InitialVariantWeight": v.initial_variant_weight,
            }
            for v in found.variants
        ],
        "CreationTime": seconds(found.created_ms),
    }


async def list_endpoint_configs(call: Call, p: dict[str, Any]) -> dict[str, Any]:
    query = build(EndpointConfigQuery, _page(p))
    page = await call.services.hosting.list_configs(call.owner, query)
    return _summaries(call, "EndpointConfig", "endpoint-config", page.items, page.next_token)


async def delete_endpoint_config(call: Call, p: dict[str, Any]) -> dict[str, Any]:
    name = p["EndpointConfigName"]
    with _or_missing(call, "endpoint configuration", "endpoint-config", name):
        await call.services.hosting.delete_config(call.owner, name)
    return {}


# ---- endpoints ---------------------------------------------------------------------------------
async def create_endpoint(call: Call, p: dict[str, Any]) -> dict[str, Any]:
    config = p["EndpointConfigName"]
    body = {"name": p["EndpointName"], "endpoint_config_name": config}
    with _or_missing(call, "endpoint configuration", "endpoint-config", config):
        await call.services.hosting.create_endpoint(call.owner, build(EndpointCreate, body))
    await tags.keep(call, "endpoint", p["EndpointName"], p.get("Tags"))
    return {"EndpointArn": _arn(call, "endpoint", p["EndpointName"])}


def _endpoint(call: Call, found: Endpoint) -> dict[str, Any]:
    return {
        "EndpointName": found.name,
        "EndpointArn": _arn(call, "endpoint", found.name),
        "EndpointConfigName": found.endpoint_config_name,
        "EndpointStatus": found.status.value,
        "FailureReason": found.failure_reason,
        "CreationTime": seconds(found.created_ms),
        "LastModifiedTime": seconds(found.modified_ms),
        "ProductionVariants": [
            {
                "VariantName": v.variant_name,
                "CurrentWeight": v.current_weight,
                "DesiredWeight": v.current_weight,
                "CurrentInstanceCount": v.current_instance_count,
                "DesiredInstanceCount": v.current_instance_count,
            }
            for v in found.variants
        ],
    }


async def describe_endpoint(call: Call, p: dict[str, Any]) -> dict[str, Any]:
    name = p["EndpointName"]
    with _or_missing(call, "endpoint", "endpoint", name):
        found = await call.services.hosting.get_endpoint(call.owner, name)
    return _endpoint(call, found)


async def list_endpoints(call: Call, p: dict[str, Any]) -> dict[str, Any]:
    query = build(EndpointQuery, {**_page(p), "status": p.get("StatusEquals")})
    page = await call.services.hosting.list_endpoints(call.owner, query)
    keys = ("EndpointName", "EndpointArn", "CreationTime", "LastModifiedTime", "EndpointStatus")
    items = [{k: _endpoint(call, e)[k] for k in keys} for e in page.items]
    return {"Endpoints": items, "NextToken": page.next_token}


async def update_endpoint(call: Call, p: dict[str, Any]) -> dict[str, Any]:
    name = p["EndpointName"]
    body = build(EndpointUpdate, {"endpoint_config_name": p["EndpointConfigName"]})
    with _or_missing(call, "endpoint", "endpoint", name):
        await call.services.hosting.update_endpoint(call.owner, name, body)
    return {"EndpointArn": _arn(call, "endpoint", name)}


async def delete_endpoint(call: Call, p: dict[str, Any]) -> dict[str, Any]:
    name = p["EndpointName"]
    with _or_missing(call, "endpoint", "endpoint", name):
        await call.services.hosting.delete_endpoint(call.owner, name)
    return {}


OPERATIONS: dict[str, Operation] = {
    "CreateModel": create_model,
    "DescribeModel": describe_model,
    "ListModels": list_models,
    "DeleteModel": delete_model,
    "CreateEndpointConfig": create_endpoint_config,
    "DescribeEndpointConfig": describe_endpoint_config,
    "ListEndpointConfigs": list_endpoint_configs,
    "DeleteEndpointConfig": delete_endpoint_config,
    "CreateEndpoint": create_endpoint,
    "DescribeEndpoint": describe_endpoint,
    "ListEndpoints": list_endpoints,
    "UpdateEndpoint": update_endpoint,
    "DeleteEndpoint": delete_endpoint,
}
