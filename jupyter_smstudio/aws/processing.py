"""SageMaker's processing job operations on the processing service (one store).

``AppSpecification`` gives the image and command: with a SageMaker framework image
(what ``SKLearnProcessor``/``ScriptProcessor`` send) the command runs on the default
backend, any other image as a container. ``S3Input``\\s come through the object
storage seam; ``S3Output``\\s are uploaded to their ``S3Uri`` when the job completes.
"""

from __future__ import annotations

from typing import Any

from ..processing.models import ProcessingJob, ProcessingJobCreate
from .faults import validation
from .jobs import JobApi, build, check_instances
from .protocol import Call, Operation
from .training import FRAMEWORK_IMAGE


async def _spec(call: Call, p: dict[str, Any]) -> ProcessingJobCreate:
    app = p["AppSpecification"]
    cluster = p["ProcessingResources"]["ClusterConfig"]
    count = cluster.get("InstanceCount", 1)
    check_instances(count)
    image = app["ImageUri"]
    if app.get("ContainerEntrypoint") and FRAMEWORK_IMAGE.match(image):
        image = None  # a SageMaker framework image: its command runs here
    inputs = []
    for i, item in enumerate(p.get("ProcessingInputs") or [], start=1):
        source = item.get("S3Input")
        where = f"processingInputs.{i}.member.s3Input"
        if source is None:
            raise validation(f"{where}: only S3Input is supported.")
        path = await call.aws.locations.input_location(call.owner, source["S3Uri"], where)
        inputs.append(
            {
                "input_name": item["InputName"],
                "source": path,
                "destination": source.get("LocalPath"),
            }
        )
    outputs = []
    for i, o in enumerate((p.get("ProcessingOutputConfig") or {}).get("Outputs", []), start=1):
        given = o.get("S3Output") or {}
        where = f"processingOutputConfig.outputs.{i}.member.s3Output.s3Uri"
        uri = given.get("S3Uri")
        outputs.append(
            {
                "output_name": o["OutputName"],
                "source": given.get("LocalPath"),
                "destination": uri
                and await call.aws.locations.output_location(call.owner, uri, where),
            }
        )
    body: dict[str, Any] = {
        "name": p["ProcessingJobName"],
        "image": image,
        "container_entrypoint": app.get("ContainerEntrypoint"),
        "container_arguments": app.get("ContainerArguments"),
        "instance_type": cluster.get("InstanceType"),
        "instance_count": count,
        "environment": dict(p.get("Environment") or {}),
        "inputs": inputs,
        "outputs": outputs,
    }
    runtime = (p.get("StoppingCondition") or {}).get("MaxRuntimeInSeconds")
    if runtime is not None:
        body["max_runtime_seconds"] = runtime
    spec: ProcessingJobCreate = build(ProcessingJobCreate, body)
    return spec


def _details(call: Call, job: ProcessingJob, request: dict[str, Any] | None) -> dict[str, Any]:
    spec = job.spec
    given = request or {}
    cluster = (given.get("ProcessingResources") or {}).get("ClusterConfig") or {"VolumeSizeInGB": 1}
    return {
        "AppSpecification": given.get("AppSpecification")
        or {
            "ImageUri": spec.image or "smstudio/local",
            "ContainerEntrypoint": spec.container_entrypoint,
            "ContainerArguments": spec.container_arguments,
        },
        "ProcessingResources": {
            "ClusterConfig": {
                **cluster,
                "InstanceType": job.instance_type,
                "InstanceCount": job.instance_count,
            }
        },
        "StoppingCondition": {"MaxRuntimeInSeconds": spec.max_runtime_seconds},
        "Environment": given.get("Environment") or spec.environment or None,
        "ExitMessage": job.failure_reason,
    }


MEMBERS = {
    "name": "processingJobName",
    "image": "appSpecification.imageUri",
    "container_entrypoint": "appSpecification.containerEntrypoint",
    "container_arguments": "appSpecification.containerArguments",
    "inputs": "processingInputs",
    "outputs": "processingOutputConfig.outputs",
    "instance_type": "processingResources.clusterConfig.instanceType",
    "instance_count": "processingResources.clusterConfig.instanceCount",
    "max_runtime_seconds": "stoppingCondition.maxRuntimeInSeconds",
}
PROCESSING = JobApi("Processing", "processing", _spec, _details, members=MEMBERS)
OPERATIONS: dict[str, Operation] = PROCESSING.operations()
