"""SageMaker's training job operations on the training service (one store for both APIs).

A CreateTrainingJob becomes a ``TrainingJobCreate`` (script mode when the SDK's
``sagemaker_program`` hyperparameter names an entry point, else the image's own
entrypoint); its request is kept beside the job so Describe answers it back.
Describe overlays the job's state (statuses, transitions, times, metrics,
artifacts) on that request, keeping only members of botocore's output shape.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from ..errors import InvalidInput, NotFound
from ..jobs.models import FINAL, JobRequest
from ..training.contract import decode_hyperparameters
from ..training.models import TrainingJob, TrainingJobCreate, TrainingJobQuery
from . import model
from .faults import AwsFault, validation
from .protocol import Call, Operation

if TYPE_CHECKING:
    from ..training.models import TrainingJobSummary

KIND = "training"
#: ECR images of SageMaker's framework containers: script mode runs them locally.
FRAMEWORK_IMAGE = re.compile(r"^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?/")
SORT_BY = {"Name": "name", "CreationTime": "created", "Status": "created"}
SORT_ORDER = {"Ascending": "asc", "Descending": "desc"}


def _max_instances() -> int:
    for meta in JobRequest.model_fields["instance_count"].metadata:
        if hasattr(meta, "le"):
            return int(meta.le)
    return 1


def _seconds(ms: int | None) -> float | None:
    return None if ms is None else ms / 1000


def job_arn(call: Call, name: str) -> str:
    return call.aws.config.arn(f"training-job/{name}")


async def _spec(call: Call, p: dict[str, Any]) -> TrainingJobCreate:
    """The REST request a CreateTrainingJob stands for (400s name its AWS member)."""
    algorithm = p.get("AlgorithmSpecification") or {}
    resources = p.get("ResourceConfig") or {}
    count = resources.get("InstanceCount", 1)
    if count > _max_instances():
        raise AwsFault(
            "ResourceLimitExceeded",
            f"The account-level service limit 'training job instance count' is "
            f"{_max_instances()} Instances, with current utilization of 0 Instances and a "
            f"request delta of {count} Instances.",
        )
    hyper = decode_hyperparameters(dict(p.get("HyperParameters") or {}))
    program = hyper.get("sagemaker_program")
    submit = hyper.get("sagemaker_submit_directory")
    image = algorithm.get("TrainingImage")
    if program and image and FRAMEWORK_IMAGE.match(image):
        image = None  # a SageMaker framework image: its toolkit's script mode runs here
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
        }
    if isinstance(submit, str) and submit.startswith("s3://"):
        submit = await call.aws.locations.input_location(
            call.owner, submit, "hyperParameters.sagemaker_submit_directory"
        )
    body: dict[str, Any] = {
        "name": p["TrainingJobName"],
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
    runtime = (p.get("StoppingCondition") or {}).get("MaxRuntimeInSeconds")
    if runtime is not None:
        body["max_runtime_seconds"] = runtime
    try:
        return TrainingJobCreate.model_validate(body)
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(x) for x in first["loc"])
        raise validation(f"{where}: {first['msg']}") from None


async def create_training_job(call: Call, p: dict[str, Any]) -> dict[str, Any]:
    spec = await _spec(call, p)
    await call.services.training.create(call.owner, spec)
    await call.aws.requests.put(call.owner, KIND, spec.name, p)
    return {"TrainingJobArn": job_arn(call, spec.name)}


def _artifacts(job: TrainingJob, request: dict[str, Any] | None) -> str:
    """Where model.tar.gz is (S3 as the request named it, else the file on this server)."""
    if request is not None:
        output = request["OutputDataConfig"]["S3OutputPath"].rstrip("/")
        return f"{output}/{job.name}/output/model.tar.gz"
    return f"file://{job.model_artifacts}" if job.model_artifacts else ""


def describe(call: Call, job: TrainingJob, request: dict[str, Any] | None) -> dict[str, Any]:
    """DescribeTrainingJob's answer: the request's members, then the job's state."""
    members = model.operation("sagemaker", "DescribeTrainingJob")
    assert members is not None
    assert members.output_shape is not None
    known = members.output_shape.members
    spec = job.spec
    answer: dict[str, Any] = {k: v for k, v in (request or {}).items() if k in known}
    answer.setdefault(
        "AlgorithmSpecification",
        {"TrainingImage": spec.image or "smstudio/script-mode", "TrainingInputMode": "File"},
    )
    answer.setdefault("HyperParameters", {k: str(v) for k, v in spec.hyperparameters.items()})
    answer.setdefault("OutputDataConfig", {"S3OutputPath": _artifacts(job, None)})
    answer.update(
        TrainingJobName=job.name,
        TrainingJobArn=job_arn(call, job.name),
        ModelArtifacts={"S3ModelArtifacts": _artifacts(job, request)},
        TrainingJobStatus=job.status.value,
        SecondaryStatus=job.secondary_status.value,
        FailureReason=job.failure_reason,
        ResourceConfig={
            **(answer.get("ResourceConfig") or {"VolumeSizeInGB": 1}),
            "InstanceType": job.instance_type,
            "InstanceCount": job.instance_count,
        },
        StoppingCondition={
            **(answer.get("StoppingCondition") or {}),
            "MaxRuntimeInSeconds": spec.max_runtime_seconds,
        },
        CreationTime=_seconds(job.created_ms),
        TrainingStartTime=_seconds(job.started_ms),
        TrainingEndTime=_seconds(job.ended_ms),
        LastModifiedTime=_seconds(job.modified_ms),
        SecondaryStatusTransitions=[
            {
                "Status": t.status.value,
                "StartTime": _seconds(t.start_ms),
                "EndTime": _seconds(t.end_ms),
                "StatusMessage": t.message,
            }
            for t in job.transitions
        ],
        FinalMetricDataList=[
            {"MetricName": m.name, "Value": m.value, "Timestamp": _seconds(m.timestamp_ms)}
            for m in job.final_metrics
        ],
        Environment=answer.get("Environment") or spec.environment or None,
    )
    if job.started_ms is not None and job.ended_ms is not None:
        seconds = max(1, (job.ended_ms - job.started_ms) // 1000)
        answer["TrainingTimeInSeconds"] = answer["BillableTimeInSeconds"] = seconds
    if job.status not in FINAL:
        answer["TrainingEndTime"] = None
    return answer


async def describe_training_job(call: Call, p: dict[str, Any]) -> dict[str, Any]:
    name = p["TrainingJobName"]
    job = await call.services.training.get(call.owner, name)
    assert isinstance(job, TrainingJob)
    return describe(call, job, await call.aws.requests.get(call.owner, KIND, name))


def _summary(call: Call, job: TrainingJobSummary) -> dict[str, Any]:
    return {
        "TrainingJobName": job.name,
        "TrainingJobArn": job_arn(call, job.name),
        "CreationTime": _seconds(job.created_ms),
        "TrainingEndTime": _seconds(job.ended_ms),
        "LastModifiedTime": _seconds(job.modified_ms),
        "TrainingJobStatus": job.status.value,
        "SecondaryStatus": job.secondary_status.value,
    }


def _within(ms: int, after: float | None, before: float | None) -> bool:
    return (after is None or ms > after * 1000) and (before is None or ms < before * 1000)


async def list_training_jobs(call: Call, p: dict[str, Any]) -> dict[str, Any]:
    try:
        query = TrainingJobQuery(
            limit=p.get("MaxResults", 10),
            next_token=p.get("NextToken"),
            name_contains=p.get("NameContains"),
            sort_by=SORT_BY[p.get("SortBy", "CreationTime")],
            sort_order=SORT_ORDER[p.get("SortOrder", "Ascending")],
            status=p.get("StatusEquals"),
        )
    except ValidationError as err:
        raise validation(str(err.errors()[0]["msg"])) from None
    try:
        page = await call.services.training.list(call.owner, query)
    except InvalidInput as err:
        if err.field == "next_token":
            raise validation("Invalid pagination token.") from None
        raise
    items = [
        _summary(call, job)
        for job in page.items
        if _within(job.created_ms, p.get("CreationTimeAfter"), p.get("CreationTimeBefore"))
        and _within(
            job.modified_ms, p.get("LastModifiedTimeAfter"), p.get("LastModifiedTimeBefore")
        )
    ]
    return {"TrainingJobSummaries": items, "NextToken": page.next_token}


async def stop_training_job(call: Call, p: dict[str, Any]) -> dict[str, Any]:
    name = p["TrainingJobName"]
    try:
        await call.services.training.stop(call.owner, name)
    except NotFound:
        raise AwsFault("ResourceNotFound", f"Training job {name} does not exist.") from None
    return {}


OPERATIONS: dict[str, Operation] = {
    "CreateTrainingJob": create_training_job,
    "DescribeTrainingJob": describe_training_job,
    "ListTrainingJobs": list_training_jobs,
    "StopTrainingJob": stop_training_job,
}
