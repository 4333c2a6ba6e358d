"""SageMaker's batch transform operations on the transform service (one store).

The input's ``S3Uri`` (the caller's bucket) is fetched when the job starts; the
``.out`` files are uploaded to ``S3OutputPath`` as SageMaker names them
(``<S3OutputPath>/<input file>.out``).
"""

from __future__ import annotations

from typing import Any

from ..hosting.models import TransformJob, TransformJobCreate
from .jobs import JobApi, build
from .protocol import Call, Operation


async def _spec(call: Call, p: dict[str, Any]) -> Any:
    given_input = p["TransformInput"]
    source = given_input["DataSource"].get("S3DataSource") or {}
    where = "transformInput.dataSource.s3DataSource.s3Uri"
    data = await call.aws.locations.input_location(call.owner, source.get("S3Uri", ""), where)
    output = p["TransformOutput"]
    uri = await call.aws.locations.output_location(
        call.owner, output.get("S3OutputPath", ""), "transformOutput.s3OutputPath"
    )
    processing = p.get("DataProcessing")
    name = p["TransformJobName"]
    body: dict[str, Any] = {
        "name": name,
        "model_name": p["ModelName"],
        "transform_input": {
            "data_source": data,
            "content_type": given_input.get("ContentType", "text/csv"),
            "split_type": given_input.get("SplitType", "None"),
            "compression_type": given_input.get("CompressionType", "None"),
        },
        "transform_output": {
            "output_path": uri
            if uri.startswith("s3://")
            else str(call.services.jobs.output_dir(call.owner, name)),
            "accept": output.get("Accept"),
            "assemble_with": output.get("AssembleWith", "None"),
        },
        "instance_type": p["TransformResources"].get("InstanceType"),
        "batch_strategy": p.get("BatchStrategy"),
        "max_payload_in_mb": p.get("MaxPayloadInMB", 6),
        "environment": dict(p.get("Environment") or {}),
        "data_processing": processing
        and {
            "input_filter": processing.get("InputFilter"),
            "output_filter": processing.get("OutputFilter"),
            "join_source": processing.get("JoinSource", "None"),
        },
    }
    if "MaxConcurrentTransforms" in p:
        body["max_concurrent_transforms"] = p["MaxConcurrentTransforms"]
    return build(TransformJobCreate, body)


def _details(call: Call, job: TransformJob, request: dict[str, Any] | None) -> dict[str, Any]:
    given = request or {}
    spec_input = job.transform_input
    return {
        "ModelName": job.model_name,
        "TransformInput": given.get("TransformInput")
        or {
            "DataSource": {
                "S3DataSource": {
                    "S3DataType": "S3Prefix",
                    "S3Uri": f"file://{spec_input.data_source}",
                }
            },
            "ContentType": spec_input.content_type,
            "SplitType": spec_input.split_type,
        },
        "TransformOutput": {
            **(given.get("TransformOutput") or {}),
            "S3OutputPath": (given.get("TransformOutput") or {}).get("S3OutputPath")
            or f"file://{job.transform_output.output_path}",
        },
        "TransformResources": given.get("TransformResources")
        or {"InstanceType": job.instance_type or "default", "InstanceCount": 1},
        "BatchStrategy": job.batch_strategy,
        "MaxPayloadInMB": job.max_payload_in_mb,
        "Environment": job.environment or None,
    }


MEMBERS = {
    "name": "transformJobName",
    "model_name": "modelName",
    "transform_input": "transformInput",
    "transform_input.data_source": "transformInput.dataSource.s3DataSource.s3Uri",
    "transform_output.output_path": "transformOutput.s3OutputPath",
    "transform_output": "transformOutput",
    "instance_type": "transformResources.instanceType",
    "batch_strategy": "batchStrategy",
    "max_payload_in_mb": "maxPayloadInMB",
    "max_concurrent_transforms": "maxConcurrentTransforms",
    "data_processing": "dataProcessing",
}
TRANSFORM = JobApi("Transform", "transforms", _spec, _details, members=MEMBERS)
OPERATIONS: dict[str, Operation] = TRANSFORM.operations()
