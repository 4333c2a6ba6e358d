"""AddTags, ListTags and DeleteTags on the caller's own resources, named by ARN.

Tags are kept beside the resources (``requests``, kind ``tags-<resource>``), so a
resource made through the REST API can be tagged too; ``Create*`` with ``Tags``
starts its list. The SDK's ``Estimator.attach`` reads a job's tags.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from ..errors import NotFound
from .faults import validation
from .protocol import Call, Operation
from .studio import DOMAIN_ID

ARN = re.compile(r"^arn:aws[a-z-]*:sagemaker:[^:]*:[^:]*:(?P<kind>[a-z-]+)/(?P<name>.+)$")
MAX_TAGS = 50


#: ARN resource type -> a look-up of the caller's resource (NotFound when it has none).
RESOURCES: dict[str, Callable[[Call, str], Awaitable[object]]] = {
    "training-job": lambda call, name: call.services.training.get(call.owner, name),
    "processing-job": lambda call, name: call.services.processing.get(call.owner, name),
    "transform-job": lambda call, name: call.services.transforms.get(call.owner, name),
    "model": lambda call, name: call.services.hosting.get_model(call.owner, name),
    "endpoint-config": lambda call, name: call.services.hosting.get_config(call.owner, name),
    "endpoint": lambda call, name: call.services.hosting.get_endpoint(call.owner, name),
    "studio-lifecycle-config": lambda call, name: call.services.lifecycle_configs.get(
        call.owner, name
    ),
    "hyper-parameter-tuning-job": lambda call, name: call.services.tuning.stored(call.owner, name),
    # The model registry's (MLflow's): a group and a version (``<group>/<version>``).
    "model-package-group": lambda call, name: call.services.experiments.service.group(
        call.owner, name
    ),
    "model-package": lambda call, name: call.services.experiments.service.version(
        call.owner, *name.partition("/")[::2]
    ),
    # Spaces and apps: named in their ARNs after the domain (``space/d-smstudio/<name>``).
    "space": lambda call, name: call.services.spaces.get(call.owner, name),
    "app": lambda call, name: call.services.spaces.get(call.owner, name.partition("/")[0]),
}
#: Resource types whose ARN names start with the domain (dropped from the stored name).
IN_DOMAIN = frozenset({"space", "app"})


async def _resource(call: Call, arn: str) -> tuple[str, str]:
    match = ARN.match(arn)
    if match is None or match["kind"] not in RESOURCES:
        raise validation(f"Invalid resource ARN: {arn}")
    name = match["name"]
    if match["kind"] in IN_DOMAIN:
        name = name.removeprefix(f"{DOMAIN_ID}/")
    try:
        await RESOURCES[match["kind"]](call, name)
    except NotFound:
        raise validation(f"Resource {arn} does not exist.") from None
    return f"tags-{match['kind']}", name


async def _tags(call: Call, kind: str, name: str) -> list[dict[str, str]]:
    stored = await call.aws.requests.get(call.owner, kind, name)
    return list((stored or {}).get("Tags", []))


async def keep(call: Call, resource: str, name: str, tags: list[dict[str, str]] | None) -> None:
    """Start a new resource's tags (``Create*`` with ``Tags``)."""
    if tags:
        await call.aws.requests.put(call.owner, f"tags-{resource}", name, {"Tags": tags})


async def add_tags(call: Call, p: dict[str, Any]) -> dict[str, Any]:
    kind, name = await _resource(call, p["ResourceArn"])
    given = {t["Key"]: t.get("Value", "") for t in p["Tags"]}
    tags = [t for t in await _tags(call, kind, name) if t["Key"] not in given]
    tags += [{"Key": k, "Value": v} for k, v in given.items()]
    if len(tags) > MAX_TAGS:
        raise validation(f"A resource can have at most {MAX_TAGS} tags.")
    await call.aws.requests.put(call.owner, kind, name, {"Tags": tags})
    return {"Tags": p["Tags"]}


async def list_tags(call: Call, p: dict[str, Any]) -> dict[str, Any]:
    kind, name = await _resource(call, p["ResourceArn"])
    return {"Tags": await _tags(call, kind, name)}


async def delete_tags(call: Call, p: dict[str, Any]) -> dict[str, Any]:
    kind, name = await _resource(call, p["ResourceArn"])
    drop = set(p["TagKeys"])
    tags = [t for t in await _tags(call, kind, name) if t["Key"] not in drop]
    await call.aws.requests.put(call.owner, kind, name, {"Tags": tags})
    return {}


OPERATIONS: dict[str, Operation] = {
    "AddTags": add_tags,
    "ListTags": list_tags,
    "DeleteTags": delete_tags,
}
