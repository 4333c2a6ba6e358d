"""Training job resources as the API shows them (CreateTrainingJob, snake_case)."""

from __future__ import annotations

from typing import Any, Literal

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
        "or s3://bucket/prefix (your buckets; fetched when the job starts)."
    )
    content_type: str | None = Field(None, max_length=256)
    distribution: Literal["FullyReplicated", "ShardedByS3Key"] = Field(
        "FullyReplicated",
        description="s3:// channels of jobs on several instances: every instance gets all "
        "the objects, or each its share of them (SageMaker's S3DataDistributionType).",
    )
    data_type: Literal["S3Prefix", "ManifestFile"] = Field(
        "S3Prefix",
        description="s3:// channels: every object under the prefix, or the objects a "
        "SageMaker manifest file lists (what the SDK's record_set writes; S3DataType).",
    )


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
        None,
        description="Directory with the code (and requirements.txt) in your space, or an "
        "s3:// URI of it or of a sourcedir.tar.gz (unpacked when the job starts).",
    )
    image: str | None = Field(
        None,
        description="Container image (Docker backend). Without entry_point, the image "
        "runs its own entrypoint (bring your own container).",
    )
    algorithm: str | None = Field(
        None,
        description="A built-in algorithm (GET /smstudio/api/algorithms) trained without a "
        "script: xgboost, linear-learner, kmeans, pca... Its hyperparameters are checked "
        "when the job is created; its metrics are recorded without metric_definitions.",
    )
    check_hyperparameters: Literal["create", "job"] = Field(
        "create",
        description="When an algorithm's hyperparameters and channels are checked: at "
        "create (a 400 naming hyperparameters.<name>) or in the job (its FailureReason, "
        "as SageMaker's CreateTrainingJob does).",
    )
    container_arguments: list[str] | None = Field(
        None, description="Arguments for the container (default: ['train'] as SageMaker)."
    )
    hyperparameters: dict[str, Any] = Field(
        default_factory=dict, description="Values are JSON values, encoded like the SDK does."
    )
    channels: dict[str, Channel] = Field(default_factory=dict)
    output_path: str | None = Field(
        None,
        description="Directory in your space, or an s3:// prefix, for artifacts: "
        "<output_path>/<job>/output/model.tar.gz (default: the artifact store).",
    )
    metric_definitions: list[MetricDefinition] = Field(
        default_factory=list, max_length=MAX_METRIC_DEFINITIONS
    )
    checkpoint_path: str | None = Field(
        None,
        description="Directory in your space, or an s3:// prefix, that checkpoints/ is "
        "restored from when the job starts and synced to.",
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


class AlgorithmRange(BaseModel):
    min: float | None = None
    max: float | None = None
    exclusive_min: bool = False


class AlgorithmHyperparameter(BaseModel):
    """One documented hyperparameter of a built-in algorithm (what the Lab's form shows)."""

    name: str
    type: Literal["int", "float", "str", "bool", "list"]
    required: bool
    default: Any = None
    doc: str
    range: AlgorithmRange | None = None
    choices: list[str] | None = None
    auto: bool = Field(False, description="The literal 'auto' is allowed besides typed values.")
    item: str | None = Field(None, description="Type of a list's items.")


class AlgorithmMetric(BaseModel):
    name: str = Field(description="e.g. validation:auc, as FinalMetricDataList names it.")
    regex: str
    goal: Literal["Minimize", "Maximize"]


class Algorithm(BaseModel):
    """A built-in algorithm: the one description that also validates its jobs."""

    name: str = Field(description="As TrainingJobCreate.algorithm and image_uris.retrieve name it.")
    title: str
    doc: str
    hyperparameters: list[AlgorithmHyperparameter]
    channels: list[str]
    required_channels: list[str]
    content_types: list[str]
    response_types: list[str]
    metrics: list[AlgorithmMetric]
    repositories: list[str] = Field(description="ECR repositories of its SageMaker images.")
    output_keys: list[str] = Field(description="Keys of one prediction record.")
    response_key: str
    distributed: bool


class AlgorithmList(BaseModel):
    items: list[Algorithm]
