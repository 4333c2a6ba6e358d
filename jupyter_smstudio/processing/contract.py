"""The SageMaker processing contract as pure functions (no I/O).

A processing job finds each input at its ``LocalPath`` and writes each output to
its own, both under ``/opt/ml/processing``; ``/opt/ml/config`` holds
``processingjobconfig.json`` (the CreateProcessingJob request) and
``resourceconfig.json``; ``/opt/ml/output/message`` is where it says why it
failed. Paths here are the job's (a container's ``/opt/ml`` or a host directory).
"""

from __future__ import annotations

import posixpath
from typing import Any

from ..jobs.layout import host_resources
from .models import PROCESSING_ROOT, ProcessingJobCreate

CONTAINER_BASE = "/opt/ml"
CONFIG_DIR = "config"
MESSAGE_FILE = "output/message"
#: What SageMaker reports for ClusterConfig.VolumeSizeInGB when nobody chose it.
VOLUME_SIZE_GB = 30


def input_path(destination: str | None, name: str) -> str:
    return destination if destination is not None else f"{PROCESSING_ROOT}/input/{name}"


def output_path(source: str | None, name: str) -> str:
    return source if source is not None else f"{PROCESSING_ROOT}/output/{name}"


def relative_path(value: str) -> str | None:
    """``value`` below ``/opt/ml/processing/`` as a path relative to ``/opt/ml``, or None."""
    if not value.startswith("/"):
        return None
    normal = posixpath.normpath(value)
    if not normal.startswith(PROCESSING_ROOT + "/"):
        return None
    return posixpath.relpath(normal, CONTAINER_BASE)


def overlapping(paths: list[str]) -> tuple[int, int] | None:
    """Indexes of two paths of which one is, or contains, the other (they cannot both be
    mounted)."""
    for j, b in enumerate(paths):
        for i, a in enumerate(paths[:j]):
            if a == b or b.startswith(a + "/") or a.startswith(b + "/"):
                return i, j
    return None


def processing_config(
    name: str,
    spec: ProcessingJobCreate,
    *,
    base: str,
    instance_type: str,
    image: str,
    sources: list[str],
    destinations: list[str],
) -> dict[str, Any]:
    """``processingjobconfig.json``: the request as CreateProcessingJob takes it.

    ``base`` is ``/opt/ml`` as the job sees it; ``sources`` (inputs) and
    ``destinations`` (outputs) are URIs of the data outside the job.
    """

    def local(path: str) -> str:
        return base + path[len(CONTAINER_BASE) :]

    return {
        "ProcessingJobName": name,
        "ProcessingInputs": [
            {
                "InputName": item.input_name,
                "AppManaged": False,
                "S3Input": {
                    "S3Uri": uri,
                    "LocalPath": local(input_path(item.destination, item.input_name)),
                    "S3DataType": "S3Prefix",
                    "S3InputMode": "File",
                    "S3DataDistributionType": "FullyReplicated",
                },
            }
            for item, uri in zip(spec.inputs, sources, strict=True)
        ],
        "ProcessingOutputConfig": {
            "Outputs": [
                {
                    "OutputName": item.output_name,
                    "AppManaged": False,
                    "S3Output": {
                        "S3Uri": uri,
                        "LocalPath": local(output_path(item.source, item.output_name)),
                        "S3UploadMode": "EndOfJob",
                    },
                }
                for item, uri in zip(spec.outputs, destinations, strict=True)
            ]
        },
        "ProcessingResources": {
            "ClusterConfig": {
                "InstanceCount": spec.instance_count,
                "InstanceType": instance_type,
                "VolumeSizeInGB": VOLUME_SIZE_GB,
            }
        },
        "StoppingCondition": {"MaxRuntimeInSeconds": spec.max_runtime_seconds},
        "AppSpecification": {
            "ImageUri": image,
            "ContainerEntrypoint": spec.container_entrypoint,
            "ContainerArguments": spec.container_arguments,
        },
        "Environment": dict(spec.environment),
    }


def resource_config(instance_type: str, hosts: list[str], host: str) -> dict[str, Any]:
    """``resourceconfig.json``, as training jobs have it."""
    return host_resources(instance_type, hosts, host)
