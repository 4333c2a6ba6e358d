"""Spaces as the API shows them (names follow SageMaker Studio's where they exist)."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, field_validator
from pydantic.json_schema import SkipJsonSchema
from pydantic_core import PydanticCustomError

from ..naming import RESOURCE_NAME_FIELD
from ..sharing import Sharing
from ..store.paging import ListQuery, Page


class SpaceStatus(str, Enum):
    PENDING = "Pending"
    IN_SERVICE = "InService"
    STOPPING = "Stopping"
    STOPPED = "Stopped"
    UPDATING = "Updating"
    FAILED = "Failed"
    DELETING = "Deleting"


#: Statuses in which the space is being changed and refuses other changes.
BUSY = frozenset({SpaceStatus.PENDING, SpaceStatus.STOPPING, SpaceStatus.UPDATING,
                  SpaceStatus.DELETING})  # fmt: skip


USERNAME = Field(min_length=1, max_length=255)


class SpaceCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = RESOURCE_NAME_FIELD
    sharing: Sharing = Sharing.PRIVATE
    members: list[str] = Field(default_factory=list, max_length=100,
                               description="Users who may use a shared space.")  # fmt: skip
    storage_gb: StrictInt | None = Field(
        None, ge=1, description="Volume size; admin default if unset."
    )
    profile: str | None = Field(None, description="Compute profile; admin default if unset.")
    image: str | None = Field(None, max_length=255, description="Container image (Docker).")
    lifecycle_configs: list[str] = Field(default_factory=list, max_length=20)
    idle_timeout_minutes: StrictInt | None = Field(
        None, ge=0, description="Idle shutdown after this many minutes; 0: off; unset: default."
    )
    start: bool = Field(True, description="Start the space right after creating it.")


class SpaceUpdate(BaseModel):
    """Fields that may change after creation; changing ``profile`` restarts kernels.

    Validated like ``SpaceCreate``: a field left out keeps its value; null is allowed only
    where creating allows it (and means the same: the admin's default, or no image).
    """

    model_config = ConfigDict(extra="forbid")

    sharing: Sharing | SkipJsonSchema[None] = None
    members: Annotated[list[str], Field(max_length=100)] | SkipJsonSchema[None] = None
    storage_gb: StrictInt | None = Field(None, ge=1, description="null: the admin default.")
    profile: str | None = Field(None, description="null: the admin default.")
    image: str | None = Field(None, max_length=255)
    lifecycle_configs: Annotated[list[str], Field(max_length=20)] | SkipJsonSchema[None] = None
    idle_timeout_minutes: StrictInt | None = Field(
        None, ge=0, description="Idle shutdown after this many minutes; 0: off; null: default."
    )

    @field_validator("sharing", "members", "lifecycle_configs", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise PydanticCustomError("not_null", "may not be null (leave it out to keep it)")
        return value


class Space(BaseModel):
    name: str
    owner: str
    sharing: Sharing
    members: list[str]
    storage_gb: int
    profile: str
    image: str | None
    lifecycle_configs: list[str]
    idle_timeout_minutes: int | None
    backend: str
    status: SpaceStatus
    failure_reason: str | None = None
    kernel_name: str
    created_ms: int
    modified_ms: int
    started_ms: int | None = None
    initialized_ms: int | None = None  # first successful start (on-create configs ran)


class SpaceDetail(Space):
    storage_used_bytes: int
    kernels: list[KernelInfo]
    folder: str | None = Field(
        None, description="The space's files in the contents API (e.g. spaces/<name>)."
    )
    terminals: list[str] = Field(
        default_factory=list, description="Terminals opened in the space (/terminals/<name>)."
    )


class KernelInfo(BaseModel):
    id: str
    profile: str
    execution_state: str | None = None


class SpaceTerminal(BaseModel):
    """A terminal in a space: open it at ``/terminals/<name>`` (jupyter_server's own)."""

    name: str
    space: str
    cwd: str


class SpaceQuery(ListQuery):
    status: SpaceStatus | None = None


class SpacePage(Page[Space]):
    pass


class SpaceEvent(BaseModel):
    time_ms: int
    kind: str
    message: str


class SpaceEventPage(Page[SpaceEvent]):
    pass


class ComputeChange(BaseModel):
    """What a change of compute did: the sessions whose kernels moved."""

    space: Space
    moved_kernels: list[str]
    note: str = "Kernels restarted on the new compute: files are kept, kernel memory is not."


class KernelProfileUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    profile: str


SpaceDetail.model_rebuild()
