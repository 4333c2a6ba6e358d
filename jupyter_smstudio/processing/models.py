"""Processing job resources as the API shows them (CreateProcessingJob, snake_case)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from ..jobs.models import JobQuery, JobRequest, JobSummary, Transition
from ..store.paging import Page

#: SageMaker's limits on ProcessingInputs and ProcessingOutputConfig.Outputs.
MAX_INPUTS = 10
MAX_OUTPUTS = 10
#: Where a processing job's inputs and outputs live in its container.
PROCESSING_ROOT = "/opt/ml/processing"
IO_NAME = r"^[A-Za-z0-9.\-_]{1,64}$"


class ProcessingInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    input_name: str = Field(pattern=IO_NAME, description="Letters, digits, '.-_'.")
    source: str = Field(
        min_length=1,
        max_length=4096,
        description="A file or directory in your space (relative to it, or file://), "
        "or s3://bucket/prefix (your buckets; fetched when the job starts).",
    )
    destination: str | None = Field(
        None,
        max_length=1024,
        description=f"Where the job finds it, under {PROCESSING_ROOT}/ "
        f"(default {PROCESSING_ROOT}/input/<input_name>).",
    )


class ProcessingOutput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    output_name: str = Field(pattern=IO_NAME, description="Letters, digits, '.-_'.")
    source: str | None = Field(
        None,
        max_length=1024,
        description=f"The directory the job writes, under {PROCESSING_ROOT}/ "
        f"(default {PROCESSING_ROOT}/output/<output_name>).",
    )
    destination: str | None = Field(
        None,
        max_length=4096,
        description="Directory in your space, or an s3:// prefix of your buckets, it is "
        "saved to when the job completes (default: the artifact store, "
        "<job>/output/<output_name>).",
    )


class ProcessingJobCreate(JobRequest):
    """Body of a create request (mirrors CreateProcessingJob)."""

    image: str | None = Field(
        None,
        description="Container image (Docker backend). The local backend runs "
        "container_entrypoint on this machine instead.",
    )
    container_entrypoint: list[str] | None = Field(
        None,
        description="The command, e.g. ['python3', '/opt/ml/processing/input/code/run.py'] "
        "(default: the image's own).",
    )
    inputs: list[ProcessingInput] = Field(default_factory=list, max_length=MAX_INPUTS)
    outputs: list[ProcessingOutput] = Field(default_factory=list, max_length=MAX_OUTPUTS)


class OutputLocation(BaseModel):
    output_name: str
    path: str = Field(description="The directory in your space the output is saved to.")


class ProcessingJobSummary(JobSummary):
    """A processing job as lists show it."""


class ProcessingJob(ProcessingJobSummary):
    """DescribeProcessingJob."""

    owner: str
    spec: ProcessingJobCreate
    status_message: str = ""
    transitions: list[Transition] = Field(default_factory=list)
    output_locations: list[OutputLocation] = Field(
        default_factory=list,
        description="Where each output is saved; written only when the job completes.",
    )


class ProcessingJobQuery(JobQuery):
    pass


class ProcessingJobPage(Page[ProcessingJobSummary]):
    pass
