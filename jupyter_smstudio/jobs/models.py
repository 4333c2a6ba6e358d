"""What every kind of job shares in the API: states, the request's common fields, the log."""

from __future__ import annotations

from enum import Enum

from pydantic import BaseModel, ConfigDict, Field

from ..naming import RESOURCE_NAME_FIELD
from ..store.paging import ListQuery


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


class JobRequest(BaseModel):
    """What a request for any kind of job has: the runner reads these fields."""

    model_config = ConfigDict(extra="forbid")

    name: str = RESOURCE_NAME_FIELD
    image: str | None = Field(None, description="Container image (Docker backend).")
    container_entrypoint: list[str] | None = Field(None, description="Overrides the image's.")
    container_arguments: list[str] | None = Field(None, description="Arguments for the container.")
    instance_type: str | None = Field(None, description="Compute profile, e.g. ml.m5.large.")
    instance_count: int = Field(1, ge=1, le=16)
    backend: str | None = Field(
        None,
        max_length=16,
        description="Where the job runs: an installed backend ('local', 'docker', or one "
        "another package registers); default: the administrator's choice.",
    )
    environment: dict[str, str] = Field(default_factory=dict)
    max_runtime_seconds: int = Field(86400, ge=1, le=28 * 86400)


class JobQuery(ListQuery):
    status: Status | None = Field(None, description="Only jobs with this status.")


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
