"""The user's buckets and objects as the REST API (the Lab's browser) shows them."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class BucketItem(BaseModel):
    name: str
    created_ms: int


class BucketList(BaseModel):
    items: list[BucketItem]
    default_bucket: str = Field(description="The SDK's default bucket name for this user.")
    endpoint_path: str = Field(description="Path of the S3 endpoint on this server.")


class ObjectQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    prefix: str = Field("", max_length=1024, description="Only keys starting with this.")
    delimiter: str = Field("/", max_length=1, description="Group keys by this ('' for none).")


class ObjectItem(BaseModel):
    key: str
    size: int
    modified: str
    etag: str


class ObjectList(BaseModel):
    bucket: str
    prefix: str
    items: list[ObjectItem]
    prefixes: list[str] = Field(description="Common prefixes ('folders') below the prefix.")
