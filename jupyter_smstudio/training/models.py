"""Training job resources as the API shows them (CreateTrainingJob, snake_case)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ..jobs.models import (
    FINAL,
    FinalMetric,
    JobQuery,
    JobRequest,
    JobSummary,
    LogChunkModel,
    LogQuery,
    MetricPoint,
    MetricSeries,
    Secondary,
    Status,
    Transition,
)
from ..store.paging import Page

__all__ = [
    "FINAL",
    "FinalMetric",
    "JobRequest",
    "JobSummary",
    "LogChunkModel",
    "LogQuery",
    "MetricPoint",
    "MetricSeries",
    "Secondary",
    "Status",
    "Transition",
]

#: SageMaker's limit on MetricDefinitions.
MAX_METRIC_DEFINITIONS = 40


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


class TrainingJobQuery(JobQuery):
    pass


class TrainingJobPage(Page[TrainingJobSummary]):
    pass


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
