"""SageMaker's training job operations on the training service (one store for both APIs).

A CreateTrainingJob becomes a ``TrainingJobCreate`` (script mode when the SDK's
``sagemaker_program`` hyperparameter names an entry point, else the image's own
entrypoint); its request is kept beside the job so Describe answers it back.
Describe overlays the job's state (statuses, transitions, times, metrics,
artifacts) on that request, keeping only members of botocore's output shape.
"""

from __future__ import annotations

import re
from typing import Any

from ..algorithms import algorithm_for_image
from ..training.contract import decode_hyperparameters, encode_hyperparameters
from ..training.models import TrainingJob, TrainingJobCreate, TrainingJobSummary
from .faults import validation
from .jobs import JobApi, build, check_instances, seconds
from .protocol import Call, Operation

#: ECR images of SageMaker's framework containers: script mode runs them locally.
FRAMEWORK_IMAGE = re.compile(r"^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?/")


async def _spec(call: Call, p: dict[str, Any]) -> TrainingJobCreate:
    """The REST request a CreateTrainingJob stands for (400s name its AWS member)."""
    algorithm = p.get("AlgorithmSpecification") or {}
    resources = p.get("ResourceConfig") or {}
    count = resources.get("InstanceCount", 1)
    check_instances(count)
    hyper = decode_hyperparameters(dict(p.get("HyperParameters") or {}))
    program = hyper.get("sagemaker_program")
    submit = hyper.get("sagemaker_submit_directory")
    image = algorithm.get("TrainingImage")
    if program and image and FRAMEWORK_IMAGE.match(image):
        image = None  # a SageMaker framework image: its toolkit's script mode runs here
    builtin = None if program else algorithm_for_image(image)
    if builtin is not None:
        image = None  # a built-in algorithm's image: jupyter_smstudio.algorithms trains
    channels: dict[str, dict[str, Any]] = {}
    for i, channel in enumerate(p.get("InputDataConfig") or [], start=1):
        where = f"inputDataConfig.{i}.member.dataSource"
        source = (channel.get("DataSource") or {}).get("S3DataSource")
        if source is None:
            raise validation(f"{where}: only S3DataSource is supported.")
        path = await call.aws.locations.input_location(call.owner, source["S3Uri"], where)
        channels[channel["ChannelName"]] = {
            "path": path,
            "content_type": channel.get("ContentType"),
            "distribution": source.get("S3DataDistributionType", "FullyReplicated"),
            "data_type": _data_type(source, where),
        }
    if isinstance(submit, str) and submit.startswith("s3://"):
        submit = await call.aws.locations.input_location(
            call.owner, submit, "hyperParameters.sagemaker_submit_directory"
        )
    locations = call.aws.locations
    output = await locations.output_location(
        call.owner, p["OutputDataConfig"]["S3OutputPath"], "outputDataConfig.s3OutputPath"
    )
    checkpoint = (p.get("CheckpointConfig") or {}).get("S3Uri")
    if checkpoint:
        checkpoint = await locations.output_location(
            call.owner, checkpoint, "checkpointConfig.s3Uri"
        )
    body: dict[str, Any] = {
        "name": p["TrainingJobName"],
        "output_path": output if output.startswith("s3://") else None,
        "checkpoint_path": checkpoint or None,
        "entry_point": program if isinstance(program, str) else None,
        "source_dir": submit if isinstance(submit, str) and program else None,
        "image": image,
        "container_entrypoint": algorithm.get("ContainerEntrypoint"),
        "container_arguments": algorithm.get("ContainerArguments"),
        "hyperparameters": hyper,
        "channels": channels,
        "instance_type": resources.get("InstanceType"),
        "instance_count": count,
        "environment": dict(p.get("Environment") or {}),
        "metric_definitions": [
            {"name": m["Name"], "regex": m["Regex"]} for m in algorithm.get("MetricDefinitions", [])
        ],
    }
    if builtin is not None:  # SageMaker fails the job on a bad hyperparameter
        body.update(algorithm=builtin, check_hyperparameters="job")
    runtime = (p.get("StoppingCondition") or {}).get("MaxRuntimeInSeconds")
    if runtime is not None:
        body["max_runtime_seconds"] = runtime
    spec: TrainingJobCreate = build(TrainingJobCreate, body)
    return spec


def _data_type(source: dict[str, Any], where: str) -> str:
    kind = source.get("S3DataType", "S3Prefix")
    if kind not in ("S3Prefix", "ManifestFile"):
        raise validation(f"{where}.s3DataSource.s3DataType: {kind} is not supported here.")
    return str(kind)


def _s3_output(job: TrainingJob, request: dict[str, Any] | None) -> str | None:
    """The S3OutputPath the job publishes to: its request's, else its spec's (a tuning
    trial has no CreateTrainingJob request of its own, but its definition's path)."""
    if request is not None:
        return str(request["OutputDataConfig"]["S3OutputPath"])
    path = job.spec.output_path
    return path if path and path.startswith("s3://") else None


def artifacts_uri(job: TrainingJob, request: dict[str, Any] | None) -> str:
    """Where model.tar.gz is (in S3 where the job publishes there, else on this server)."""
    output = _s3_output(job, request)
    if output is not None:
        return f"{output.rstrip('/')}/{job.name}/output/model.tar.gz"
    return f"file://{job.model_artifacts}" if job.model_artifacts else ""


def _details(call: Call, job: TrainingJob, request: dict[str, Any] | None) -> dict[str, Any]:
    """What DescribeTrainingJob adds: secondary statuses, metrics, artifacts, resources."""
    spec = job.spec
    given = request or {}
    answer: dict[str, Any] = {
        "AlgorithmSpecification": given.get("AlgorithmSpecification")
        or {"TrainingImage": spec.image or "smstudio/script-mode", "TrainingInputMode": "File"},
        "HyperParameters": given.get("HyperParameters")
        or encode_hyperparameters(spec.hyperparameters),
        "OutputDataConfig": {
            "KmsKeyId": "",  # AWS always answers it; the SDK's attach reads it
            **(
                given.get("OutputDataConfig")
                or {"S3OutputPath": _s3_output(job, None) or artifacts_uri(job, None)}
            ),
        },
        "RoleArn": given.get("RoleArn") or call.aws.config.role_arn(call.owner),
        "EnableNetworkIsolation": given.get("EnableNetworkIsolation", False),
        "EnableInterContainerTrafficEncryption": given.get(
            "EnableInterContainerTrafficEncryption", False
        ),
        "EnableManagedSpotTraining": given.get("EnableManagedSpotTraining", False),
        "ModelArtifacts": {"S3ModelArtifacts": artifacts_uri(job, request)},
        "SecondaryStatus": job.secondary_status.value,
        "ResourceConfig": {
            **(given.get("ResourceConfig") or {"VolumeSizeInGB": 1}),
            "InstanceType": job.instance_type,
            "InstanceCount": job.instance_count,
        },
        "StoppingCondition": {
            **(given.get("StoppingCondition") or {}),
            "MaxRuntimeInSeconds": spec.max_runtime_seconds,
        },
        "SecondaryStatusTransitions": [
            {
                "Status": t.status.value,
                "StartTime": seconds(t.start_ms),
                "EndTime": seconds(t.end_ms),
                "StatusMessage": t.message,
            }
            for t in job.transitions
        ],
        "FinalMetricDataList": [
            {"MetricName": m.name, "Value": m.value, "Timestamp": seconds(m.timestamp_ms)}
            for m in job.final_metrics
        ],
        "Environment": given.get("Environment") or spec.environment or None,
    }
    if job.started_ms is not None and job.ended_ms is not None:
        elapsed = max(1, (job.ended_ms - job.started_ms) // 1000)
        answer["TrainingTimeInSeconds"] = answer["BillableTimeInSeconds"] = elapsed
    return answer


def _summary_details(job: TrainingJobSummary) -> dict[str, Any]:
    return {"SecondaryStatus": job.secondary_status.value}


MEMBERS = {
    "name": "trainingJobName",
    "source_dir": "hyperParameters.sagemaker_submit_directory",
    "entry_point": "hyperParameters.sagemaker_program",
    "hyperparameters": "hyperParameters",
    "image": "algorithmSpecification.trainingImage",
    "container_entrypoint": "algorithmSpecification.containerEntrypoint",
    "container_arguments": "algorithmSpecification.containerArguments",
    "metric_definitions": "algorithmSpecification.metricDefinitions",
    "channels": "inputDataConfig",
    "instance_type": "resourceConfig.instanceType",
    "instance_count": "resourceConfig.instanceCount",
    "max_runtime_seconds": "stoppingCondition.maxRuntimeInSeconds",
    "output_path": "outputDataConfig.s3OutputPath",
    "checkpoint_path": "checkpointConfig.s3Uri",
}
TRAINING = JobApi("Training", "training", _spec, _details, _summary_details, MEMBERS)
OPERATIONS: dict[str, Operation] = TRAINING.operations()
