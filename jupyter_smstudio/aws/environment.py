"""The variables that point boto3 and the SageMaker SDK at this server, with no setup.

botocore reads a service's endpoint from ``AWS_ENDPOINT_URL_<SERVICE ID>``; the
Logs client's id is "CloudWatch Logs", hence ``AWS_ENDPOINT_URL_CLOUDWATCH_LOGS``
(``_LOGS`` is ignored). Kernels, terminals and local jobs inherit them from the
server's environment (``publish``); ``POST /smstudio/api/environment`` answers the
same for a shell outside Jupyter (``jupyter smstudio env``).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..services import Services

#: One path answers SageMaker, CloudWatch Logs and STS (see ``handlers``).
ENDPOINTS = {
    "AWS_ENDPOINT_URL_SAGEMAKER": "smstudio/aws/",
    "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS": "smstudio/aws/",
    "AWS_ENDPOINT_URL_STS": "smstudio/aws/",
    "AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME": "smstudio/runtime",
    "AWS_ENDPOINT_URL_S3": "smstudio/s3",  # path-style: botocore picks it for an IP host
}


def endpoints(server_url: str) -> dict[str, str]:
    """Each AWS API's URL on the server at ``server_url`` (its base URL included)."""
    base = server_url.rstrip("/") + "/"
    return {name: base + path for name, path in ENDPOINTS.items()}


#: The SageMaker SDK's user config file variable (its defaults, e.g. the bucket).
SDK_CONFIG = "SAGEMAKER_USER_CONFIG_OVERRIDE"


def sdk_config(region: str, account: str) -> dict[str, Any]:
    """SDK defaults: the default bucket by name (else the SDK asks STS on a hard-coded
    AWS endpoint for the account), telemetry off (it would call AWS)."""
    modules = {
        "TelemetryOptOut": True,
        "Session": {"DefaultS3Bucket": f"sagemaker-{region}-{account}"},
    }
    return {"SchemaVersion": "1.0", "SageMaker": {"PythonSDK": {"Modules": modules}}}


def write_sdk_config(path: Path, region: str, account: str) -> str:
    """The SDK config file (JSON is YAML), rewritten when the settings changed."""
    text = json.dumps(sdk_config(region, account), indent=2) + "\n"
    if not path.is_file() or path.read_text() != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return str(path)


def region_env(services: Services) -> dict[str, str]:
    region = services.aws.config.region
    return {"AWS_REGION": region, "AWS_DEFAULT_REGION": region}


#: The owner's Studio metadata file, which ``kernelsite/sitecustomize.py`` makes the SDK read.
METADATA = "SMSTUDIO_SAGEMAKER_METADATA"
#: On kernels' ``PYTHONPATH``: ``get_execution_role()`` reads ``METADATA`` there.
KERNEL_SITE = Path(__file__).resolve().parent / "kernelsite"


def studio_metadata(owner: str, role_arn: str) -> dict[str, str]:
    """What Studio's ``/opt/ml/metadata/resource-metadata.json`` holds, for ``owner``."""
    from .studio import DOMAIN_ID

    return {
        "AppType": "JupyterServer",
        "DomainId": DOMAIN_ID,
        "UserProfileName": owner,
        "ResourceName": "default",
        "ExecutionRoleArn": role_arn,
    }


def _write(path: Path, text: str) -> str:
    if not path.is_file() or path.read_text() != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return str(path)


async def sdk_env(services: Services, owner: str) -> dict[str, str]:
    """The owner's SDK config (its default bucket is named after the owner's account)
    and Studio metadata (``get_execution_role()`` answers its role)."""
    config = services.aws.config
    account = config.account_for(owner)
    path = services.aws.sdk_config_path.with_name(f"sagemaker-config-{account}.yaml")
    written = await asyncio.to_thread(write_sdk_config, path, config.region, account)
    tag = hashlib.sha256(owner.encode()).hexdigest()[:16]
    metadata = json.dumps(studio_metadata(owner, config.role_arn(owner)), indent=2) + "\n"
    where = services.aws.sdk_config_path.with_name(f"resource-metadata-{tag}.json")
    return {SDK_CONFIG: written, METADATA: await asyncio.to_thread(_write, where, metadata)}


async def environment(services: Services, owner: str, server_url: str) -> dict[str, str]:
    """What a kernel of ``owner`` gets: endpoints, region, SDK config, the owner's key."""
    key_id, secret = await services.access_keys.environment_key(owner)
    return {
        **endpoints(server_url),
        **region_env(services),
        **await sdk_env(services, owner),
        "AWS_ACCESS_KEY_ID": key_id,
        "AWS_SECRET_ACCESS_KEY": secret,
    }


async def publish(services: Services, owner: str | None, server_url: str) -> None:
    """Put the variables in the server's environment, which its kernels inherit.

    ``owner`` is None on a server of several users: one process environment cannot
    hold each user's key or SDK config, so only the endpoints and region are published.
    """
    if owner is None:
        values = {**endpoints(server_url), **region_env(services)}
    else:
        values = await environment(services, owner, server_url)
        current = os.environ.get("PYTHONPATH", "")
        if str(KERNEL_SITE) not in current.split(os.pathsep):
            values["PYTHONPATH"] = os.pathsep.join(p for p in (str(KERNEL_SITE), current) if p)
    os.environ.update(values)
