"""Training job resources as the API shows them (CreateTrainingJob, snake_case)."""

from __future__ import annotations

from enum import Enum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..naming import RESOURCE_NAME_FIELD
from ..store.paging import ListQuery, Page

#: SageMaker's limit on MetricDefinitions.
MAX_METRIC_DEFINITIONS = 40


class Status(str, Enum):
    """TrainingJobStatus."""

    IN_PROGRESS = "InProgress"
    COMPLETED = "Completed"
    FAILED = "Failed"
    STOPPING = "Stopping"
    STOPPED = "Stopped"


#: Statuses a job never leaves.
FINAL = frozenset({Status.COMPLETED, Status.FAILED, Status.STOPPED})


class Secondary(str, Enum):
    """SecondaryStatus; ``Pending`` = queued behind the concurrency limits.

    ``Processing`` is a processing job's code running (where a training job trains).
    """

    PENDING = "Pending"
    STARTING = "Starting"
    DOWNLOADING = "Downloading"
    TRAINING = "Training"
    PROCESSING = "Processing"
    UPLOADING = "Uploading"
    STOPPING = "Stopping"
    STOPPED = "Stopped"
    MAX_RUNTIME_EXCEEDED = "MaxRuntimeExceeded"
    COMPLETED = "Completed"
    FAILED = "Failed"


class Channel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str = Field(
        description="A file or directory in your space (relative to it, or file://), "
        "or an fsspec URL such as s3://bucket/prefix when credentials are configured."
    )
    content_type: str | None = Field(None, max_length=256)


class MetricDefinition(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=255)
    regex: str = Field(
        min_length=1, max_length=500, description="Matched on each log line; group 1 is the value."
    )


class JobRequest(BaseModel):
    """What a request for any kind of job has: the runner reads these fields."""

    model_config = ConfigDict(extra="forbid")

    name: str = RESOURCE_NAME_FIELD
    image: str | None = Field(None, description="Container image (Docker backend).")
    container_entrypoint: list[str] | None = Field(None, description="Overrides the image's.")
    container_arguments: list[str] | None = Field(None, description="Arguments for the container.")
    instance_type: str | None = Field(None, description="Compute profile, e.g. ml.m5.large.")
    instance_count: int = Field(1, ge=1, le=16)
    backend: Literal["local", "docker"] | None = Field(
        None, description="Where the job runs (default: the administrator's choice)."
    )
    environment: dict[str, str] = Field(default_factory=dict)
    max_runtime_seconds: int = Field(86400, ge=1, le=28 * 86400)


class TrainingJobCreate(JobRequest):
    """Body of a create request (mirrors CreateTrainingJob)."""

    entry_point: str | None = Field(
        None, description="Script (.py, .sh) or module to run, relative to source_dir."
    )
    source_dir: str | None = Field(
        None, description="Directory with the code (and requirements.txt) in your space."
    )
    image: str | None = Field(
        None,
        description="Container image (Docker backend). Without entry_point, the image "
        "runs its own entrypoint (bring your own container).",
    )
    container_arguments: list[str] | None = Field(
        None, description="Arguments for the container (default: ['train'] as SageMaker)."
    )
    hyperparameters: dict[str, Any] = Field(
        default_factory=dict, description="Values are JSON values, encoded like the SDK does."
    )
    channels: dict[str, Channel] = Field(default_factory=dict)
    output_path: str | None = Field(
        None, description="Directory in your space for artifacts (default: the artifact store)."
    )
    metric_definitions: list[MetricDefinition] = Field(
        default_factory=list, max_length=MAX_METRIC_DEFINITIONS
    )
    checkpoint_path: str | None = Field(
        None, description="Directory in your space that checkpoints/ is synced to."
    )


class Transition(BaseModel):
    """One SecondaryStatusTransitions entry."""

    status: Secondary
    start_ms: int
    end_ms: int | None = None
    message: str = ""


class FinalMetric(BaseModel):
    name: str
    value: float
    timestamp_ms: int


class JobSummary(BaseModel):
    """A job of any kind as lists show it."""

    name: str
    status: Status
    secondary_status: Secondary
    instance_type: str
    instance_count: int
    backend: str
    created_ms: int
    modified_ms: int
    started_ms: int | None = None
    ended_ms: int | None = None
    failure_reason: str | None = None


class TrainingJobSummary(JobSummary):
    """A training job as lists show it."""

    final_metrics: list[FinalMetric] = Field(default_factory=list)


class TrainingJob(TrainingJobSummary):
    """DescribeTrainingJob."""

    owner: str
    spec: TrainingJobCreate
    status_message: str = ""
    transitions: list[Transition] = Field(default_factory=list)
    model_artifacts: str | None = Field(None, description="Path of model.tar.gz once packed.")
    output_artifacts: str | None = None


class TrainingJobQuery(ListQuery):
    status: Status | None = Field(None, description="Only jobs with this status.")


class TrainingJobPage(Page[TrainingJobSummary]):
    pass


class LogQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    cursor: int = Field(0, ge=0, description="Byte offset from the previous answer.")
    max_bytes: int = Field(1 << 20, ge=1, le=4 << 20)


class LogChunkModel(BaseModel):
    text: str
    next_cursor: int
    size: int
    finished: bool = Field(description="The job has ended: no more text will come.")


class MetricPoint(BaseModel):
    timestamp_ms: int
    value: float


class MetricSeries(BaseModel):
    name: str
    points: list[MetricPoint]


class MetricsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    since_ms: int = Field(0, ge=0, description="Only points after this time.")


class MetricsReply(BaseModel):
    metrics: list[MetricSeries]


class Artifact(BaseModel):
    name: str
    size: int


class ArtifactList(BaseModel):
    items: list[Artifact]
