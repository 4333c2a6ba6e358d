"""SageMaker's Search on the caller's training jobs, model package groups and packages.

The SDK asks Search before it registers a model (``Estimator.register`` finds the
training job of ``ModelArtifacts.S3ModelArtifacts``; ``create_model_package`` looks
for the group). Records are what the resources' Describe operations answer, so a
filter names the same members; ``Filters`` (all must hold) are evaluated here, over
the caller's own resources only. ``NestedFilters`` and ``SubExpressions`` are refused,
not ignored, so no search answers more than it was asked.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from ..errors import NotFound
from . import model_packages
from .faults import validation
from .protocol import Call, Operation
from .training import OPERATIONS as TRAINING

#: Jobs listed per ListTrainingJobs call while searching.
PAGE = 100


async def _pages(
    call: Call, op: Operation, p: dict[str, Any], key: str
) -> AsyncIterator[dict[str, Any]]:
    token = None
    while True:
        answer = await op(call, {**p, "NextToken": token} if token else p)
        for item in answer.get(key) or []:
            yield item
        token = answer.get("NextToken")
        if not token:
            return


async def _training_jobs(call: Call, filters: list[dict[str, Any]]) -> list[dict[str, Any]]:
    named = [f["Value"] for f in filters if f["Name"] == "TrainingJobName" and _eq(f)]
    if named:  # one look-up, not a scan
        names = named[:1]
    else:
        listed = _pages(
            call, TRAINING["ListTrainingJobs"], {"MaxResults": PAGE}, "TrainingJobSummaries"
        )
        names = [s["TrainingJobName"] async for s in listed]
    records = []
    for name in names:
        try:
            records.append(await TRAINING["DescribeTrainingJob"](call, {"TrainingJobName": name}))
        except NotFound:  # a name filter that matches nothing
            return []
    return [{"TrainingJob": r} for r in records]


async def _groups(call: Call, filters: list[dict[str, Any]]) -> list[dict[str, Any]]:
    listed = _pages(
        call, model_packages.list_groups, {"MaxResults": PAGE}, "ModelPackageGroupSummaryList"
    )
    return [{"ModelPackageGroup": {**g, "CreatedBy": {}}} async for g in listed]


async def _packages(call: Call, filters: list[dict[str, Any]]) -> list[dict[str, Any]]:
    listed = _pages(
        call, model_packages.list_packages, {"MaxResults": PAGE}, "ModelPackageSummaryList"
    )
    arns = [s["ModelPackageArn"] async for s in listed]
    found = [await model_packages.describe_package(call, {"ModelPackageName": a}) for a in arns]
    return [{"ModelPackage": f} for f in found]


RESOURCES: dict[str, Callable[[Call, list[dict[str, Any]]], Awaitable[list[dict[str, Any]]]]] = {
    "TrainingJob": _training_jobs,
    "ModelPackageGroup": _groups,
    "ModelPackage": _packages,
}


def _eq(f: dict[str, Any]) -> bool:
    return f.get("Operator", "Equals") == "Equals" and "Value" in f


def _member(record: dict[str, Any], name: str) -> Any:
    value: Any = record
    for part in name.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def _holds(record: dict[str, Any], f: dict[str, Any]) -> bool:
    found, op = _member(record, f["Name"]), f.get("Operator", "Equals")
    wanted: str | None = f.get("Value")
    if op == "Exists":
        return found is not None
    if op == "NotExists":
        return found is None
    if found is None or wanted is None:
        return False
    text = str(found)
    if op == "Equals":
        return text == wanted
    if op == "NotEquals":
        return text != wanted
    if op == "Contains":
        return wanted in text
    if op == "In":
        return text in wanted.split(",")
    try:  # numbers compare as numbers, times (epoch seconds) too
        left, right = float(found), float(wanted)
    except (TypeError, ValueError):
        left, right = text, wanted  # type: ignore[assignment]
    return {
        "GreaterThan": left > right,
        "GreaterThanOrEqualTo": left >= right,
        "LessThan": left < right,
        "LessThanOrEqualTo": left <= right,
    }[op]


async def search(call: Call, p: dict[str, Any]) -> dict[str, Any]:
    resource = p["Resource"]
    if resource not in RESOURCES:
        known = ", ".join(RESOURCES)
        raise validation(f"Search of {resource} is not supported by this server (only {known}).")
    expression = p.get("SearchExpression") or {}
    if expression.get("NestedFilters") or expression.get("SubExpressions"):
        raise validation("SearchExpression: only Filters are supported by this server.")
    filters = expression.get("Filters") or []
    either = expression.get("Operator", "And") == "Or"
    records = [
        r
        for r in await RESOURCES[resource](call, filters)
        if not filters or (any if either else all)(_holds(r[resource], f) for f in filters)
    ]
    sort = p.get("SortBy")
    if sort:
        records.sort(
            key=lambda r: str(_member(r[resource], sort) or ""),
            reverse=p.get("SortOrder", "Descending") == "Descending",
        )
    start = int(p["NextToken"]) if str(p.get("NextToken", "")).isdigit() else 0
    size = p.get("MaxResults", 50)
    page = records[start : start + size]
    following = str(start + size) if start + size < len(records) else None
    hits = {"Value": len(records), "Relation": "EqualTo"}
    return {"Results": page, "NextToken": following, "TotalHits": hits}


OPERATIONS: dict[str, Operation] = {"Search": search}
