"""Lifecycle configuration resources as the API shows them."""

from __future__ import annotations

from enum import Enum

from pydantic import BaseModel, ConfigDict, Field

from ..naming import RESOURCE_NAME_FIELD
from ..store.paging import ListQuery, Page

#: SageMaker's limit on StudioLifecycleConfigContent.
MAX_CONTENT_CHARS = 16384


class LifecycleConfigType(str, Enum):
    ON_CREATE = "on-create"
    ON_START = "on-start"


class LifecycleConfigCreate(BaseModel):
    """Body of a create request. Configs are immutable: to change one, create another."""

    model_config = ConfigDict(extra="forbid")

    name: str = RESOURCE_NAME_FIELD
    type: LifecycleConfigType
    content: str = Field(
        description="The script (sh, or any interpreter named on a #! line), "
        f"at most {MAX_CONTENT_CHARS} characters."
    )
    description: str = Field("", max_length=1024)


class LifecycleConfig(BaseModel):
    name: str
    type: LifecycleConfigType
    content: str
    description: str
    owner: str
    created_ms: int
    modified_ms: int


class LifecycleConfigQuery(ListQuery):
    type: LifecycleConfigType | None = Field(None, description="Only configs of this type.")


class LifecycleConfigPage(Page[LifecycleConfig]):
    pass
