"""Hyperparameter tuning jobs as the API shows them.

Every name is the snake_case of CreateHyperParameterTuningJob's (``config`` is its
``HyperParameterTuningJobConfig``, ``training_job_definition`` its
``TrainingJobDefinition`` in this server's training-job shape), so the SageMaker API
maps onto these models field by field.
"""

from __future__ import annotations

from enum import Enum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ..store.paging import ListQuery, Page
from ..training.models import TrainingJobCreate

#: HyperParameterTuningJobName: shorter than a job name, so trial names fit in 63.
TUNING_NAME_PATTERN = r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,31}$"
#: SageMaker's limits: ranges per job, values per categorical, training jobs per tuning job.
MAX_RANGES = 30
MAX_CATEGORICAL_VALUES = 30
MAX_TRAINING_JOBS = 500
#: SageMaker's limit on a warm start's parent tuning jobs.
MAX_PARENTS = 5


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TuningStatus(str, Enum):
    """HyperParameterTuningJobStatus."""

    IN_PROGRESS = "InProgress"
    COMPLETED = "Completed"
    FAILED = "Failed"
    STOPPING = "Stopping"
    STOPPED = "Stopped"


TUNING_FINAL = frozenset({TuningStatus.COMPLETED, TuningStatus.FAILED, TuningStatus.STOPPED})

Strategy = Literal["Bayesian", "Random", "Grid", "Hyperband"]
ScalingType = Literal["Auto", "Linear", "Logarithmic", "ReverseLogarithmic"]
ObjectiveType = Literal["Minimize", "Maximize"]


class Objective(Strict):
    """HyperParameterTuningJobObjective."""

    type: ObjectiveType
    metric_name: str = Field(
        min_length=1, max_length=255, description="One of the definition's metric_definitions."
    )


class ResourceLimits(Strict):
    max_number_of_training_jobs: int | None = Field(
        None, ge=1, le=MAX_TRAINING_JOBS, description="Required except for Grid."
    )
    max_parallel_training_jobs: int = Field(1, ge=1, le=100)
    max_runtime_in_seconds: int | None = Field(None, ge=120, le=30 * 86400)


class IntegerParameterRange(Strict):
    name: str = Field(min_length=1, max_length=256)
    min_value: int
    max_value: int
    scaling_type: Literal["Auto", "Linear", "Logarithmic"] = "Auto"


class ContinuousParameterRange(Strict):
    name: str = Field(min_length=1, max_length=256)
    min_value: float
    max_value: float
    scaling_type: ScalingType = "Auto"


class CategoricalParameterRange(Strict):
    name: str = Field(min_length=1, max_length=256)
    values: list[str] = Field(max_length=MAX_CATEGORICAL_VALUES)


class ParameterRanges(Strict):
    integer_parameter_ranges: list[IntegerParameterRange] = Field(
        default_factory=list, max_length=MAX_RANGES
    )
    continuous_parameter_ranges: list[ContinuousParameterRange] = Field(
        default_factory=list, max_length=MAX_RANGES
    )
    categorical_parameter_ranges: list[CategoricalParameterRange] = Field(
        default_factory=list, max_length=MAX_RANGES
    )


class HyperbandStrategyConfig(Strict):
    min_resource: int | None = Field(None, ge=1, le=20000)
    max_resource: int | None = Field(
        None, ge=1, le=20000, description="Default: the static epochs-like hyperparameter."
    )


class StrategyConfig(Strict):
    hyperband_strategy_config: HyperbandStrategyConfig | None = None


class BestObjectiveNotImproving(Strict):
    max_number_of_training_jobs_not_improving: int = Field(3, ge=3, le=MAX_TRAINING_JOBS)


class CompletionCriteria(Strict):
    """TuningJobCompletionCriteria."""

    target_objective_metric_value: float | None = None
    best_objective_not_improving: BestObjectiveNotImproving | None = None


class TuningJobConfig(Strict):
    """HyperParameterTuningJobConfig."""

    strategy: Strategy = "Bayesian"
    strategy_config: StrategyConfig | None = None
    hyper_parameter_tuning_job_objective: Objective
    resource_limits: ResourceLimits
    parameter_ranges: ParameterRanges
    training_job_early_stopping_type: Literal["Off", "Auto"] = "Off"
    tuning_job_completion_criteria: CompletionCriteria | None = None
    random_seed: int | None = Field(None, ge=0, le=2**31 - 1)


#: RetryStrategy.MaximumRetryAttempts' upper bound (botocore's model: 1 to 30).
MAX_RETRY_ATTEMPTS = 30


class TrainingJobDefinition(TrainingJobCreate):
    """A training job request without a name: each trial gets its own.

    ``hyperparameters`` are the static hyperparameters every trial gets.
    """

    name: str | None = Field(  # type: ignore[assignment]  # trials are named by the tuning job
        None, description="Ignored: trials are named <tuning job>-NNN-xxxxxxxx."
    )
    max_retry_attempts: int = Field(
        0,
        ge=0,
        le=MAX_RETRY_ATTEMPTS,
        description=(
            "RetryStrategy.MaximumRetryAttempts: how many times a trial whose training job "
            "fails for an infrastructure reason (its processes vanished, an internal error) "
            "runs again with the same hyperparameters, as a new training job."
        ),
    )


class ParentTuningJob(Strict):
    """ParentHyperParameterTuningJob: one of your ended tuning jobs."""

    hyper_parameter_tuning_job_name: str = Field(min_length=1, max_length=32)


class WarmStartConfig(Strict):
    """HyperParameterTuningJobWarmStartConfig: the parents' evaluated trials seed the search.

    ``IdenticalDataAndAlgorithm``: the parents ran the same training job (image, code,
    data, static hyperparameters); ``TransferLearning``: they may differ. Either way a
    parent trial seeds the search only if its values lie in this job's ranges.
    """

    parent_hyper_parameter_tuning_jobs: list[ParentTuningJob] = Field(
        min_length=1, max_length=MAX_PARENTS
    )
    warm_start_type: Literal["IdenticalDataAndAlgorithm", "TransferLearning"]


class TuningJobCreate(Strict):
    """Body of a create request (mirrors CreateHyperParameterTuningJob)."""

    name: str = Field(
        min_length=1, max_length=32, pattern=TUNING_NAME_PATTERN,
        description="1 to 32 letters, digits and hyphens (trial names add -NNN-xxxxxxxx).",
    )  # fmt: skip
    config: TuningJobConfig
    training_job_definition: TrainingJobDefinition
    warm_start_config: WarmStartConfig | None = None


class ObjectiveMetric(BaseModel):
    """FinalHyperParameterTuningJobObjectiveMetric."""

    type: ObjectiveType
    metric_name: str
    value: float


class TrialSummary(BaseModel):
    """HyperParameterTrainingJobSummary: one training job the tuning job launched."""

    training_job_name: str
    tuning_job_name: str
    creation_time_ms: int
    training_start_time_ms: int | None = None
    training_end_time_ms: int | None = None
    training_job_status: str
    tuned_hyper_parameters: dict[str, str]
    failure_reason: str | None = None
    final_hyper_parameter_tuning_job_objective_metric: ObjectiveMetric | None = None
    objective_status: Literal["Succeeded", "Pending", "Failed"]
    early_stopped: bool = Field(False, description="Stopped by early stopping or Hyperband.")
    retried: bool = Field(
        False,
        description="Failed for an infrastructure reason; a later job ran the trial again.",
    )


class TrainingJobStatusCounters(BaseModel):
    completed: int = 0
    in_progress: int = 0
    retryable_error: int = 0
    non_retryable_error: int = 0
    stopped: int = 0


class ObjectiveStatusCounters(BaseModel):
    succeeded: int = 0
    pending: int = 0
    failed: int = 0


class TuningJobSummary(BaseModel):
    """HyperParameterTuningJobSummary, as lists show it."""

    name: str
    status: TuningStatus
    strategy: Strategy
    created_ms: int
    modified_ms: int
    ended_ms: int | None = None


class TuningJob(TuningJobSummary):
    """DescribeHyperParameterTuningJob."""

    owner: str
    config: TuningJobConfig
    training_job_definition: TrainingJobDefinition
    failure_reason: str | None = None
    training_job_status_counters: TrainingJobStatusCounters
    objective_status_counters: ObjectiveStatusCounters
    best_training_job: TrialSummary | None = None
    warm_start_config: WarmStartConfig | None = None
    overall_best_training_job: TrialSummary | None = Field(
        None, description="With a warm start: the best of this job's and its parents' trials."
    )


class TuningJobQuery(ListQuery):
    status: TuningStatus | None = Field(None, description="Only tuning jobs with this status.")


class TuningJobPage(Page[TuningJobSummary]):
    pass


class TrialQuery(ListQuery):
    """ListTrainingJobsForHyperParameterTuningJob's query (StatusEquals, SortBy)."""

    status: Literal["InProgress", "Completed", "Failed", "Stopping", "Stopped"] | None = None
    sort_by: Literal["name", "created", "status", "objective"] = Field(  # type: ignore[assignment]
        "created", description="objective: FinalObjectiveMetricValue (jobs without one last)."
    )


class TrialPage(Page[TrialSummary]):
    pass
