"""The variables that point boto3 and the SageMaker SDK at this server, with no setup.

botocore reads a service's endpoint from ``AWS_ENDPOINT_URL_<SERVICE ID>``; the
Logs client's id is "CloudWatch Logs", hence ``AWS_ENDPOINT_URL_CLOUDWATCH_LOGS``
(``_LOGS`` is ignored). Kernels, terminals and local jobs inherit them from the
server's environment (``publish``); ``POST /smstudio/api/environment`` answers the
same for a shell outside Jupyter (``jupyter smstudio env``).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..services import Services

#: One path answers SageMaker, CloudWatch Logs and STS (see ``handlers``).
ENDPOINTS = {
    "AWS_ENDPOINT_URL_SAGEMAKER": "smstudio/aws/",
    "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS": "smstudio/aws/",
    "AWS_ENDPOINT_URL_STS": "smstudio/aws/",
    "AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME": "smstudio/runtime",
}


def endpoints(server_url: str) -> dict[str, str]:
    """Each AWS API's URL on the server at ``server_url`` (its base URL included)."""
    base = server_url.rstrip("/") + "/"
    return {name: base + path for name, path in ENDPOINTS.items()}


async def environment(services: Services, owner: str, server_url: str) -> dict[str, str]:
    """What a kernel of ``owner`` gets: endpoints, region and the owner's access key."""
    region = services.aws.config.region
    key_id, secret = await services.access_keys.environment_key(owner)
    return {
        **endpoints(server_url),
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_ACCESS_KEY_ID": key_id,
        "AWS_SECRET_ACCESS_KEY": secret,
    }


async def publish(services: Services, owner: str | None, server_url: str) -> None:
    """Put the variables in the server's environment, which its kernels inherit.

    ``owner`` is None on a server of several users: one process environment cannot
    hold each user's key, so only the endpoints and region are published.
    """
    if owner is None:
        region = services.aws.config.region
        values = {**endpoints(server_url), "AWS_REGION": region, "AWS_DEFAULT_REGION": region}
    else:
        values = await environment(services, owner, server_url)
    os.environ.update(values)
