"""SageMaker's StudioLifecycleConfig operations on the lifecycle configuration service.

One store: a config made here is a lifecycle configuration of the REST API and the
Lab, and the other way round. SageMaker runs a Studio lifecycle config at each start
of the app it is attached to, so one made here is an ``on-start`` script; its
content travels base64-encoded (``StudioLifecycleConfigContent``) and is kept
decoded. ``StudioLifecycleConfigAppType`` is kept beside it (``requests``); a config
made through the REST API reports ``JupyterLab``.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from ..lifecycle.models import LifecycleConfig, LifecycleConfigCreate, LifecycleConfigQuery
from . import tags
from .faults import AwsFault, not_found_as, validation
from .jobs import _within, build, list_query, seconds
from .protocol import Call, Operation

KIND = "studio-lifecycle-config"
DEFAULT_APP_TYPE = "JupyterLab"
SORT_BY = {"CreationTime": "created", "LastModifiedTime": "modified", "Name": "name"}


def arn(call: Call, name: str, owner: str | None = None) -> str:
    return call.aws.config.arn(f"{KIND}/{name}", owner or call.owner)


def name_of(value: str) -> str:
    """A config's name from its ARN (``LifecycleConfigArn`` members) or its name."""
    return value.rpartition(f":{KIND}/")[2] if f":{KIND}/" in value else value


def _missing(name: str) -> str:
    return f"Studio lifecycle config {name} does not exist."


def _decode(content: str) -> str:
    try:
        return base64.b64decode(content, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise validation(
            "StudioLifecycleConfigContent must be a base64-encoded UTF-8 script."
        ) from None


async def _app_types(call: Call, names: list[str]) -> dict[str, str]:
    kept = await call.aws.requests.many(call.owner, KIND, names)
    return {n: kept.get(n, {}).get("StudioLifecycleConfigAppType", DEFAULT_APP_TYPE) for n in names}


def _details(call: Call, config: LifecycleConfig, app_type: str) -> dict[str, Any]:
    return {
        "StudioLifecycleConfigArn": arn(call, config.name),
        "StudioLifecycleConfigName": config.name,
        "CreationTime": seconds(config.created_ms),
        "LastModifiedTime": seconds(config.modified_ms),
        "StudioLifecycleConfigAppType": app_type,
    }


async def create(call: Call, p: dict[str, Any]) -> dict[str, Any]:
    name = p["StudioLifecycleConfigName"]
    spec = build(
        LifecycleConfigCreate,
        {"name": name, "type": "on-start", "content": _decode(p["StudioLifecycleConfigContent"])},
    )
    await call.services.lifecycle_configs.create(call.owner, spec)
    app_type = {"StudioLifecycleConfigAppType": p["StudioLifecycleConfigAppType"]}
    await call.aws.requests.put(call.owner, KIND, name, app_type)
    await tags.keep(call, KIND, name, p.get("Tags"))
    return {"StudioLifecycleConfigArn": arn(call, name)}


async def describe(call: Call, p: dict[str, Any]) -> dict[str, Any]:
    name = p["StudioLifecycleConfigName"]
    with not_found_as(_missing(name)):
        config = await call.services.lifecycle_configs.get(call.owner, name)
    app_type = (await _app_types(call, [name]))[name]
    content = base64.b64encode(config.content.encode()).decode()
    return {**_details(call, config, app_type), "StudioLifecycleConfigContent": content}


async def list_configs(call: Call, p: dict[str, Any]) -> dict[str, Any]:
    query = list_query(LifecycleConfigQuery, p, sorts=SORT_BY, order="Descending")
    page = await call.services.lifecycle_configs.list(call.owner, query)
    app_types = await _app_types(call, [c.name for c in page.items])
    wanted = p.get("AppTypeEquals")
    items = [
        _details(call, c, app_types[c.name])
        for c in page.items
        if wanted in (None, app_types[c.name])
        and _within(c.created_ms, p.get("CreationTimeAfter"), p.get("CreationTimeBefore"))
        and _within(c.modified_ms, p.get("ModifiedTimeAfter"), p.get("ModifiedTimeBefore"))
    ]
    return {"StudioLifecycleConfigs": items, "NextToken": page.next_token}


async def delete(call: Call, p: dict[str, Any]) -> dict[str, Any]:
    """Refused (ResourceInUse) while one of the caller's spaces uses the config, as
    SageMaker refuses one attached to a domain, profile or space."""
    name = p["StudioLifecycleConfigName"]
    with not_found_as(_missing(name)):
        await call.services.lifecycle_configs.get(call.owner, name)
    users = sorted(
        s.name
        for s in await call.services.spaces.repository.all()
        if s.owner == call.owner and name in s.lifecycle_configs
    )
    if users:
        raise AwsFault(
            "ResourceInUse",
            f"Studio lifecycle config {name} is in use by space(s) {', '.join(users)}.",
        )
    with not_found_as(_missing(name)):
        await call.services.lifecycle_configs.delete(call.owner, name)
    return {}


OPERATIONS: dict[str, Operation] = {
    "CreateStudioLifecycleConfig": create,
    "DescribeStudioLifecycleConfig": describe,
    "ListStudioLifecycleConfigs": list_configs,
    "DeleteStudioLifecycleConfig": delete,
}
