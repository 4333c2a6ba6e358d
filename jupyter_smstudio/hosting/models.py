"""Hosting resources as the API shows them (SageMaker's shapes, snake_case names)."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from ..naming import RESOURCE_NAME_FIELD
from ..store.paging import ListQuery, Page

PATH_FIELD = Field(
    min_length=1,
    max_length=4096,
    description="A path in your workspace (relative to the server's root directory).",
)
ENV_FIELD: dict[str, str] = Field(
    default_factory=dict,
    max_length=64,
    description="Environment variables for the inference code (at most 64).",
)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ---- models -----------------------------------------------------------------------------
class ModelCreate(Strict):
    """A model: artifacts + inference code + environment + default compute profile."""

    name: str = RESOURCE_NAME_FIELD
    model_data: str = Field(
        min_length=1,
        max_length=4096,
        description="A model.tar.gz (files at the archive root, code in code/) or a directory, "
        "in your space or s3:// in your buckets (copied to the server when the model is made).",
    )
    source_dir: str | None = Field(
        None,
        max_length=4096,
        description="Directory with the inference code (else model/code), or an s3:// "
        "sourcedir.tar.gz.",
    )
    entry_point: str | None = Field(
        None,
        max_length=255,
        pattern=r"^[A-Za-z0-9_.\-/]+\.py$",
        description="Entry module, relative to the code directory (SAGEMAKER_PROGRAM); "
        "default inference.py.",
    )
    environment: dict[str, str] = ENV_FIELD
    instance_type: str | None = Field(None, description="Default compute profile.")
    image: str | None = Field(None, max_length=255, description="Container image (Docker).")


class Model(ModelCreate):
    owner: str
    created_ms: int
    modified_ms: int


class ModelQuery(ListQuery):
    pass


class ModelPage(Page[Model]):
    pass


# ---- endpoint configs ---------------------------------------------------------------------
class Variant(Strict):
    variant_name: str = Field("AllTraffic", pattern=r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
    model_name: str = RESOURCE_NAME_FIELD
    instance_type: str | None = Field(None, description="Compute profile; default the model's.")
    initial_instance_count: int = Field(1, ge=1, le=8)
    initial_variant_weight: float = Field(1.0, ge=0, le=1000)
    workers: int | None = Field(
        None, ge=1, le=64, description="Workers per instance; default one per CPU."
    )


def _check_variants(variants: list[Variant]) -> list[Variant]:
    names = [v.variant_name for v in variants]
    if len(set(names)) != len(names):
        raise PydanticCustomError("variants", "variant names must be unique")
    if not any(v.initial_variant_weight > 0 for v in variants):
        raise PydanticCustomError("variants", "at least one variant needs a weight above 0")
    return variants


#: An endpoint's variants, wherever they are given (a config, or inline on an endpoint).
Variants = Annotated[
    list[Variant], Field(min_length=1, max_length=10), AfterValidator(_check_variants)
]


class DataCapture(Strict):
    enable_capture: bool = True
    initial_sampling_percentage: int = Field(100, ge=0, le=100)
    destination: str = Field(
        "data-capture", min_length=1, max_length=4096, description="Directory in your workspace."
    )
    capture_options: list[Literal["Input", "Output"]] = Field(
        default_factory=lambda: ["Input", "Output"],  # type: ignore[arg-type]
        min_length=1,
    )


class EndpointConfigSpec(Strict):
    variants: Variants
    data_capture: DataCapture | None = None


class EndpointConfigCreate(EndpointConfigSpec):
    name: str = RESOURCE_NAME_FIELD


class EndpointConfig(EndpointConfigCreate):
    owner: str
    created_ms: int
    modified_ms: int


class EndpointConfigQuery(ListQuery):
    pass


class EndpointConfigPage(Page[EndpointConfig]):
    pass


# ---- endpoints ------------------------------------------------------------------------------
class EndpointStatus(str, Enum):
    OUT_OF_SERVICE = "OutOfService"
    CREATING = "Creating"
    UPDATING = "Updating"
    SYSTEM_UPDATING = "SystemUpdating"
    ROLLING_BACK = "RollingBack"
    IN_SERVICE = "InService"
    DELETING = "Deleting"
    FAILED = "Failed"
    UPDATE_ROLLBACK_FAILED = "UpdateRollbackFailed"


class EndpointCreate(Strict):
    """Name a config, or give variants inline (a config named after the endpoint is made)."""

    name: str = RESOURCE_NAME_FIELD
    endpoint_config_name: str | None = None
    variants: Variants | None = None
    data_capture: DataCapture | None = None

    @model_validator(mode="after")
    def _one_source(self) -> EndpointCreate:
        if (self.endpoint_config_name is None) == (self.variants is None):
            raise ValueError("give either endpoint_config_name or variants")
        return self


class EndpointUpdate(Strict):
    endpoint_config_name: str | None = None
    variants: Variants | None = None
    data_capture: DataCapture | None = None

    @model_validator(mode="after")
    def _one_source(self) -> EndpointUpdate:
        if (self.endpoint_config_name is None) == (self.variants is None):
            raise ValueError("give either endpoint_config_name or variants")
        return self


class InstanceInfo(BaseModel):
    id: str
    backend: str
    address: str | None = None
    state_dir: str


class DeployedVariant(BaseModel):
    variant_name: str
    model_name: str
    instance_type: str
    current_weight: float
    current_instance_count: int
    instances: list[InstanceInfo] = Field(default_factory=list)


class Metrics(BaseModel):
    """Traffic over the last ``window_minutes`` minutes (this server's process)."""

    window_minutes: int
    invocations: int
    errors: int
    model_errors: int
    p50_ms: float | None = None
    p99_ms: float | None = None


class MetricsRange(str, Enum):
    hour = "1h"
    day = "24h"


class MetricsQuery(Strict):
    range: MetricsRange = Field(MetricsRange.hour, description="1h (1-minute points) or 24h.")


class MetricsPoint(BaseModel):
    """Traffic in one step starting at ``start_ms``."""

    start_ms: int
    invocations: int = 0
    errors: int = 0
    mean_ms: float | None = None
    p99_ms: float | None = Field(None, description="The highest p99 of its minutes.")


class MetricsSeries(BaseModel):
    """Traffic over time, oldest first (this server's process, since it started)."""

    range: MetricsRange
    step_seconds: int
    points: list[MetricsPoint]


class EndpointEvent(BaseModel):
    """Something that happened to a running endpoint (an instance stopped, was replaced)."""

    time_ms: int
    kind: str = Field(description="InstanceStopped, InstanceReplaced or ReplacementFailed.")
    message: str
    instance: str | None = Field(
        default=None, description="The id of the instance the event is about, if one."
    )


class Endpoint(BaseModel):
    name: str
    owner: str
    status: EndpointStatus
    endpoint_config_name: str
    pending_config_name: str | None = None
    failure_reason: str | None = None
    variants: list[DeployedVariant] = Field(default_factory=list)
    data_capture: DataCapture | None = None
    metrics: Metrics | None = None
    events: list[EndpointEvent] = Field(
        default_factory=list, description="The most recent events, oldest first (at most 50)."
    )
    created_ms: int
    modified_ms: int


class EndpointRecord(Endpoint):
    """What is stored: the endpoint plus how to restart each instance (not shown)."""

    generation: int = 0
    specs: list[dict[str, object]] = Field(default_factory=list)
    pending_specs: list[dict[str, object]] = Field(default_factory=list)

    def public(self) -> Endpoint:
        return Endpoint.model_validate(
            self.model_dump(exclude={"generation", "specs", "pending_specs"})
        )


class EndpointQuery(ListQuery):
    status: EndpointStatus | None = Field(None, description="Only endpoints with this status.")


class EndpointPage(Page[Endpoint]):
    pass


class LogQuery(Strict):
    cursor: int = Field(0, ge=0, description="Byte offset from the previous read.")
    variant: str | None = Field(None, description="Variant (default: the first).")
    instance: int = Field(0, ge=0, description="Instance index within the variant.")


class LogPage(BaseModel):
    text: str
    next_cursor: int
    size: int


# ---- access keys ----------------------------------------------------------------------------
class AccessKeyCreate(Strict):
    description: str = Field("", max_length=256)


class AccessKey(BaseModel):
    access_key_id: str
    description: str
    created_ms: int
    last_used_ms: int | None = None


class NewAccessKey(AccessKey):
    secret_access_key: str = Field(description="Shown once; store it now.")


class AccessKeyList(BaseModel):
    items: list[AccessKey]


# ---- batch transform ------------------------------------------------------------------------
class TransformInput(Strict):
    data_source: str = Field(
        min_length=1, max_length=4096, description="A file, or a directory (every file under it)."
    )
    content_type: str = Field("text/csv", max_length=256)
    split_type: Literal["None", "Line"] = "None"
    compression_type: Literal["None"] = "None"


class TransformOutput(Strict):
    output_path: str = Field(min_length=1, max_length=4096, description="Output directory.")
    accept: str | None = Field(None, max_length=256, description="Default: the model's default.")
    assemble_with: Literal["None", "Line"] = "None"


class DataProcessing(Strict):
    input_filter: str | None = Field(None, max_length=256, description="JSONPath, e.g. $[1:]")
    join_source: Literal["None", "Input"] = "None"
    output_filter: str | None = Field(None, max_length=256, description="JSONPath, e.g. $[0,-1]")


class TransformJobCreate(Strict):
    name: str = RESOURCE_NAME_FIELD
    model_name: str = RESOURCE_NAME_FIELD
    transform_input: TransformInput
    transform_output: TransformOutput
    instance_type: str | None = None
    batch_strategy: Literal["SingleRecord", "MultiRecord"] | None = None
    max_payload_in_mb: int = Field(6, ge=1, le=100)
    max_concurrent_transforms: int = Field(
        0, ge=0, le=64, description="0: ask the model server (one per worker)."
    )
    data_processing: DataProcessing | None = None
    environment: dict[str, str] = ENV_FIELD


class TransformJobStatus(str, Enum):
    IN_PROGRESS = "InProgress"
    COMPLETED = "Completed"
    FAILED = "Failed"
    STOPPING = "Stopping"
    STOPPED = "Stopped"


class TransformProgress(BaseModel):
    files_total: int = 0
    files_done: int = 0
    files_failed: int = 0


class TransformJob(TransformJobCreate):
    owner: str
    status: TransformJobStatus
    failure_reason: str | None = None
    progress: TransformProgress = Field(default_factory=TransformProgress)
    created_ms: int
    modified_ms: int
    started_ms: int | None = None
    ended_ms: int | None = None
    job_dir: str = Field("", description="Where its state and log live.")


class TransformJobQuery(ListQuery):
    status: TransformJobStatus | None = None


class TransformJobPage(Page[TransformJob]):
    pass
