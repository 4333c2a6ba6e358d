"""UpdateEndpointWeightsAndCapacities on the hosting service's variant weights.

Weights change in place: the endpoint's instances keep serving and the traffic
split changes at once, so the endpoint stays ``InService`` (SageMaker passes through
``Updating``; here there is nothing to wait for). Instance counts are changed by
``UpdateEndpoint`` with a new endpoint config: a ``DesiredInstanceCount`` other than
the current one is refused, never silently ignored.
"""

from __future__ import annotations

from typing import Any

from .faults import validation
from .hosting import _arn, _or_missing
from .protocol import Call, Operation


async def update_weights_and_capacities(call: Call, p: dict[str, Any]) -> dict[str, Any]:
    name = p["EndpointName"]
    with _or_missing(call, "endpoint", "endpoint", name):
        endpoint = await call.services.hosting.get_endpoint(call.owner, name)
    counts = {v.variant_name: v.current_instance_count for v in endpoint.variants}
    missing = [d["VariantName"] for d in p["DesiredWeightsAndCapacities"]
               if d["VariantName"] not in counts]  # fmt: skip
    if missing:
        raise validation(f'The variant(s) "{missing}" is/are not present in the endpoint.')
    weights: dict[str, float] = {}
    for d in p["DesiredWeightsAndCapacities"]:
        variant = d["VariantName"]
        if d.get("ServerlessUpdateConfig"):
            raise validation("ServerlessUpdateConfig: serverless variants are not supported.")
        count = d.get("DesiredInstanceCount")
        if count is not None and count != counts[variant]:
            raise validation(
                f"DesiredInstanceCount of variant {variant}: changing the instance count "
                f"({counts[variant]}) is not supported here; use UpdateEndpoint with an "
                "endpoint config that has the new count."
            )
        if "DesiredWeight" in d:
            weights[variant] = d["DesiredWeight"]
    if weights:
        await call.services.hosting.set_weights(call.owner, name, weights)
    return {"EndpointArn": _arn(call, "endpoint", name)}


OPERATIONS: dict[str, Operation] = {
    "UpdateEndpointWeightsAndCapacities": update_weights_and_capacities,
}
