"""Request and answer bodies of the experiments routes."""

from __future__ import annotations

from enum import Enum

from pydantic import BaseModel, ConfigDict, Field

from ..naming import RESOURCE_NAME_FIELD
from ..store.paging import Page


class ApprovalStatus(str, Enum):
    """SageMaker's model approval states, kept as a model version tag in MLflow."""

    PENDING = "PendingManualApproval"
    APPROVED = "Approved"
    REJECTED = "Rejected"


class JobRun(BaseModel):
    """Where a job's MLflow run is: its ids and the UI page through the proxy."""

    job_name: str
    kind: str
    run_id: str
    experiment_id: str
    ui_path: str = Field(description="Path of the run's page in the MLflow UI on this server.")


class RegisterModel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    job_name: str = Field(description="A completed job whose model becomes a version.")
    kind: str = Field("training", description="The job's kind.")
    model_name: str = RESOURCE_NAME_FIELD
    description: str = Field("", max_length=5000)


class UpdateApproval(BaseModel):
    model_config = ConfigDict(extra="forbid")

    approval_status: ApprovalStatus
    approval_description: str = Field("", max_length=5000)


class ModelVersion(BaseModel):
    model_name: str
    version: str
    run_id: str
    source: str
    approval_status: ApprovalStatus
    approval_description: str = ""
    description: str = ""
    created_ms: int = 0
    modified_ms: int = 0
    tags: dict[str, str] = Field(default_factory=dict, description="The version's MLflow tags.")
    ui_path: str


class ModelGroup(BaseModel):
    """A registered model: SageMaker's model package group."""

    model_name: str
    description: str = ""
    created_ms: int = 0
    modified_ms: int = 0
    ui_path: str


class RegistryQuery(BaseModel):
    """A page of the registry: MLflow's own paging (its ``page_token``)."""

    model_config = ConfigDict(extra="forbid")

    limit: int = Field(50, ge=1, le=1000, description="Page size.")
    next_token: str | None = Field(None, max_length=8192, description="From the last page.")
    name_contains: str | None = Field(None, max_length=256, pattern=r"^[A-Za-z0-9\-_.]*$")
    approval_status: ApprovalStatus | None = Field(None, description="Versions: only these.")


class ModelGroupPage(Page[ModelGroup]):
    pass


class ModelVersionPage(Page[ModelVersion]):
    pass
