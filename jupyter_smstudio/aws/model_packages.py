"""SageMaker's model package groups and model packages on the MLflow model registry.

One store, two doors: a group is an MLflow registered model and a (versioned) package
one of its versions, so boto3 and MLflow's client see the same versions, and the
approval (``ModelApprovalStatus``, ``ApprovalDescription``) is the version tags the
REST API and the Lab set too. What only SageMaker reads of a package (its
``InferenceSpecification``, metrics, metadata...) is kept as one version tag; a
version registered from a job through the REST API answers an inference
specification made of the job's image and model archive. Unversioned packages
(Marketplace's) are not offered.
"""

from __future__ import annotations

import json
from typing import Any

from ..errors import Conflict, NotFound
from ..experiments.models import ApprovalStatus, ModelGroup, ModelVersion
from ..experiments.registry import (
    APPROVAL,
    APPROVAL_TEXT,
    IMAGE,
    MODEL_DATA,
    ExperimentsService,
)
from . import tags
from .faults import validation
from .jobs import _within, seconds
from .protocol import Call, Operation

GROUP = "model-package-group"
PACKAGE = "model-package"
#: The version tag holding the rest of the CreateModelPackage request.
REQUEST_TAG = "smstudio.sagemaker_request"
#: MLflow's limit on a model version tag's value.
TAG_VALUE_CHARS = 100_000
#: Members of CreateModelPackage that are the version itself, not kept in REQUEST_TAG.
_OWN = frozenset(
    {"ModelPackageGroupName", "ModelPackageDescription", "ModelApprovalStatus", "Tags",
     "ClientToken", "ModelPackageName"}
)  # fmt: skip
#: Models made from a version (CreateModel with ModelPackageName), as a version tag.
MODELS_TAG = "smstudio.models"


def _registry(call: Call) -> ExperimentsService:
    return call.services.experiments.service


def _group_arn(call: Call, name: str) -> str:
    return call.aws.config.arn(f"{GROUP}/{name}", call.owner)


def _package_arn(call: Call, group: str, version: str) -> str:
    return call.aws.config.arn(f"{PACKAGE}/{group}/{version}", call.owner)


def group_name(value: str) -> str:
    """A group's name from its ARN or its name."""
    return value.rpartition(f":{GROUP}/")[2] if f":{GROUP}/" in value else value


def package_of(value: str) -> tuple[str, str]:
    """(group, version) of a versioned package's ARN (or ``group/version``)."""
    tail = value.rpartition(f":{PACKAGE}/")[2] if f":{PACKAGE}/" in value else value
    group, _, version = tail.partition("/")
    if not version.isdigit():
        raise validation(
            f"ModelPackage {value} does not exist: give the ARN of a versioned model package."
        )
    return group, version


async def _group(call: Call, name: str) -> ModelGroup:
    try:
        return await _registry(call).group(call.owner, name)
    except NotFound:
        raise validation(f"ModelPackageGroup {name} does not exist.") from None


async def _version(call: Call, group: str, version: str) -> ModelVersion:
    try:
        return await _registry(call).version(call.owner, group, version)
    except NotFound:
        arn = _package_arn(call, group, version)
        raise validation(f"ModelPackage {arn} does not exist.") from None


def _request(found: ModelVersion) -> dict[str, Any]:
    """What SageMaker reads of a version: its kept request, else one from its job."""
    kept = found.tags.get(REQUEST_TAG)
    if kept:
        return json.loads(kept)  # type: ignore[no-any-return]
    data = found.tags.get(MODEL_DATA)
    if not data:
        return {}
    container = {"Image": found.tags.get(IMAGE) or "smstudio/local", "ModelDataUrl": data}
    return {
        "InferenceSpecification": {
            "Containers": [container],
            "SupportedContentTypes": [],
            "SupportedResponseMIMETypes": [],
        }
    }


# ---- groups -------------------------------------------------------------------------------
async def create_group(call: Call, p: dict[str, Any]) -> dict[str, Any]:
    name = p["ModelPackageGroupName"]
    description = p.get("ModelPackageGroupDescription", "")
    try:
        await _registry(call).create_group(call.owner, name, description)
    except Conflict:
        raise validation(f"Model Package Group already exists: {_group_arn(call, name)}") from None
    await tags.keep(call, GROUP, name, p.get("Tags"))
    return {"ModelPackageGroupArn": _group_arn(call, name)}


def _group_summary(call: Call, group: ModelGroup) -> dict[str, Any]:
    return {
        "ModelPackageGroupName": group.model_name,
        "ModelPackageGroupArn": _group_arn(call, group.model_name),
        "ModelPackageGroupDescription": group.description or None,
        "CreationTime": seconds(group.created_ms),
        "ModelPackageGroupStatus": "Completed",
    }


async def describe_group(call: Call, p: dict[str, Any]) -> dict[str, Any]:
    group = await _group(call, group_name(p["ModelPackageGroupName"]))
    return {**_group_summary(call, group), "CreatedBy": {}}


def _order(p: dict[str, Any]) -> str:
    return "ASC" if p.get("SortOrder") == "Ascending" else "DESC"


async def list_groups(call: Call, p: dict[str, Any]) -> dict[str, Any]:
    groups, token = await _registry(call).groups(
        call.owner, p.get("NameContains"), p.get("MaxResults", 10), p.get("NextToken"), _order(p)
    )
    items = [
        _group_summary(call, g)
        for g in groups
        if _within(g.created_ms, p.get("CreationTimeAfter"), p.get("CreationTimeBefore"))
    ]
    return {"ModelPackageGroupSummaryList": items, "NextToken": token}


async def delete_group(call: Call, p: dict[str, Any]) -> dict[str, Any]:
    name = group_name(p["ModelPackageGroupName"])
    await _group(call, name)
    await _registry(call).delete_group(call.owner, name)
    return {}


# ---- packages -----------------------------------------------------------------------------
async def create_package(call: Call, p: dict[str, Any]) -> dict[str, Any]:
    if not p.get("ModelPackageGroupName"):
        raise validation(
            "ModelPackageGroupName is required: this server keeps versioned model packages only."
        )
    group = group_name(p["ModelPackageGroupName"])
    await _group(call, group)
    spec = p.get("InferenceSpecification") or {}
    containers = spec.get("Containers") or []
    if not containers or not containers[0].get("ModelDataUrl"):
        raise validation("InferenceSpecification.Containers[0].ModelDataUrl is required here.")
    kept = json.dumps({k: v for k, v in p.items() if k not in _OWN}, default=str)
    if len(kept) > TAG_VALUE_CHARS:
        raise validation(f"The model package's specification is over {TAG_VALUE_CHARS} bytes.")
    approval = p.get("ModelApprovalStatus", ApprovalStatus.PENDING.value)
    created = await _registry(call).add_version(
        call.owner,
        group,
        containers[0]["ModelDataUrl"],
        p.get("ModelPackageDescription", ""),
        {REQUEST_TAG: kept, APPROVAL: approval},
    )
    await tags.keep(call, PACKAGE, f"{group}/{created.version}", p.get("Tags"))
    return {"ModelPackageArn": _package_arn(call, group, created.version)}


def _summary(call: Call, found: ModelVersion) -> dict[str, Any]:
    return {
        "ModelPackageName": found.model_name,
        "ModelPackageGroupName": found.model_name,
        "ModelPackageVersion": int(found.version),
        "ModelPackageArn": _package_arn(call, found.model_name, found.version),
        "ModelPackageDescription": found.description or None,
        "CreationTime": seconds(found.created_ms),
        "ModelPackageStatus": "Completed",
        "ModelApprovalStatus": found.approval_status.value,
    }


async def describe_package(call: Call, p: dict[str, Any]) -> dict[str, Any]:
    found = await _version(call, *package_of(p["ModelPackageName"]))
    return {
        **_request(found),
        **_summary(call, found),
        "ModelPackageStatusDetails": {"ValidationStatuses": [], "ImageScanStatuses": []},
        "CertifyForMarketplace": False,
        "LastModifiedTime": seconds(found.modified_ms),
        "ApprovalDescription": found.approval_description or None,
        "CreatedBy": {},
    }


async def list_packages(call: Call, p: dict[str, Any]) -> dict[str, Any]:
    if p.get("ModelPackageType") == "Unversioned":
        return {"ModelPackageSummaryList": []}
    group = group_name(p["ModelPackageGroupName"]) if p.get("ModelPackageGroupName") else None
    approval = p.get("ModelApprovalStatus")
    versions, token = await _registry(call).versions(
        call.owner,
        group,
        ApprovalStatus(approval) if approval else None,
        p.get("MaxResults", 10),
        p.get("NextToken"),
        _order(p),
    )
    contains = p.get("NameContains")
    items = [
        _summary(call, v)
        for v in versions
        if (not contains or contains in v.model_name)
        and _within(v.created_ms, p.get("CreationTimeAfter"), p.get("CreationTimeBefore"))
    ]
    return {"ModelPackageSummaryList": items, "NextToken": token}


async def update_package(call: Call, p: dict[str, Any]) -> dict[str, Any]:
    group, version = package_of(p["ModelPackageArn"])
    found = await _version(call, group, version)
    registry = _registry(call)
    if "ModelApprovalStatus" in p:
        await registry.tag_version(call.owner, group, version, APPROVAL, p["ModelApprovalStatus"])
    if "ApprovalDescription" in p:
        await registry.tag_version(
            call.owner, group, version, APPROVAL_TEXT, p["ApprovalDescription"]
        )
    added = p.get("CustomerMetadataProperties") or {}
    removed = p.get("CustomerMetadataPropertiesToRemove") or []
    if added or removed:
        request = _request(found)
        properties = {**request.get("CustomerMetadataProperties", {}), **added}
        for key in removed:
            properties.pop(key, None)
        request["CustomerMetadataProperties"] = properties
        await registry.tag_version(call.owner, group, version, REQUEST_TAG, json.dumps(request))
    return {"ModelPackageArn": _package_arn(call, group, version)}


async def delete_package(call: Call, p: dict[str, Any]) -> dict[str, Any]:
    group, version = package_of(p["ModelPackageName"])
    await _version(call, group, version)
    await _registry(call).delete_version(call.owner, group, version)
    return {}


async def model_container(call: Call, name: str, model: str) -> dict[str, Any]:
    """CreateModel's container for ``ModelPackageName``: the package's first one, and
    the model noted on the version (deploying a version records it)."""
    group, version = package_of(name)
    found = await _version(call, group, version)
    containers = (_request(found).get("InferenceSpecification") or {}).get("Containers") or []
    if not containers:
        raise validation(f"ModelPackage {name} has no inference containers.")
    models = [m for m in found.tags.get(MODELS_TAG, "").split(",") if m]
    if model not in models:
        models.append(model)
        joined = ",".join(models)[-TAG_VALUE_CHARS:]
        await _registry(call).tag_version(call.owner, group, version, MODELS_TAG, joined)
    return dict(containers[0])


OPERATIONS: dict[str, Operation] = {
    "CreateModelPackageGroup": create_group,
    "DescribeModelPackageGroup": describe_group,
    "ListModelPackageGroups": list_groups,
    "DeleteModelPackageGroup": delete_group,
    "CreateModelPackage": create_package,
    "DescribeModelPackage": describe_package,
    "ListModelPackages": list_packages,
    "UpdateModelPackage": update_package,
    "DeleteModelPackage": delete_package,
}
